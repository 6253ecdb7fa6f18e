"""The terminal quiz: renders questions and feedback, reads answers, over injected streams.

`QuizUI(stdin, stdout, color=...)` writes to any text stream and reads lines from
any other, so tests drive it with StringIO and the CLI with the real terminal. With
color, code is highlighted by pygments' terminal formatter; without (not a tty, or
NO_COLOR), everything is plain text. `play(session, ui)` is the quiz loop.
"""
import re
import time

from torchquiz.record.grading import LETTERS, Malformed, grade

RULE = "─" * 60
QUIT, DONE = "quit", "done"
_INLINE_CODE = re.compile(r"`([^`]+)`")


class QuizUI:
    def __init__(self, stdin, stdout, *, color=False):
        self.stdin, self.stdout, self.color = stdin, stdout, color

    # -- primitives -----------------------------------------------------------------------
    def write(self, text=""):
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def style(self, text, **styles):
        if not self.color:
            return text
        import click
        return click.style(text, **styles)

    def ask(self, prompt):
        """One line of input; EOFError when the input ends (treated as quit)."""
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\r\n")

    def text(self, text):
        """Stem/option text: Markdown inline code shown bold in color, verbatim otherwise."""
        if not self.color:
            return text
        return _INLINE_CODE.sub(lambda m: self.style(m.group(1), fg="cyan", bold=True), text)

    def code(self, code):
        if self.color:
            from pygments import highlight
            from pygments.formatters import TerminalFormatter
            from pygments.lexers import PythonLexer
            code = highlight(code, PythonLexer(), TerminalFormatter())
        return "\n".join("    " + line for line in code.rstrip("\n").splitlines())

    # -- screens --------------------------------------------------------------------------
    def show_question(self, record, number, total):
        header = f"Question {number}/{total} · {record['difficulty']} · {record['topics'][0]}"
        self.write(RULE)
        self.write(self.style(header, bold=True))
        self.write()
        self.write(self.text(record["stem"]))
        if record.get("code"):
            self.write()
            self.write(self.code(record["code"]))
        if record["options"]:
            self.write()
            for letter, option in zip(LETTERS, record["options"]):
                self.write(f"  {self.style(letter, bold=True)}. {self.text(option['text'])}")
        self.write()

    def prompt_for(self, record):
        kind, count = record["type"], len(record["options"])
        if kind == "multiresponse":
            what = "letters of every correct option, e.g. A,C"
        elif count:
            what = f"A-{LETTERS[count - 1]}"
        elif kind == "numerical":
            what = "a number"
        else:
            what = "your answer"
        return f"Answer ({what}; h hint, s skip, q quit): "

    def show_hint(self, record):
        self.write(self.style("Hint: ", fg="yellow", bold=True) + self.text(record["hint"]))

    def show_malformed(self, malformed):
        self.write(self.style("? ", fg="yellow", bold=True) + malformed.message + " (This does not count.)")

    def _key(self, record):
        for letter, option in zip(LETTERS, record["options"]):
            if option["correct"] and record["type"] != "multiresponse":
                return f"{letter}: {option['text']}"
        if record["type"] == "multiresponse":
            return ", ".join(f"{l}" for l, o in zip(LETTERS, record["options"]) if o["correct"])
        return record["answer"]["text"]

    def show_result(self, record, result):
        if result.correct:
            self.write(self.style("✓ Right!", fg="green", bold=True))
        else:
            self.write(self.style("✗ Wrong.", fg="red", bold=True) + f" The answer is {self.text(self._key(record))}.")
        if result.feedback:
            self.write(self.text(result.feedback))
        self.show_solution(record)

    def show_skipped(self, record):
        self.write(self.style("Skipped.", bold=True) + f" The answer is {self.text(self._key(record))}.")
        self.show_solution(record)

    def show_solution(self, record):
        self.write()
        self.write(self.style("Worked solution:", bold=True))
        for step in record["solution"]:
            self.write(f"  {self.text(step)}")
        self.write()

    def show_summary(self, summary):
        from torchquiz.engine.session import mastery_bar
        self.write(RULE)
        self.write(self.style("Quiz complete", bold=True))
        self.write(f"Score: {summary.correct}/{summary.answered} correct"
                   + (f", {summary.skipped} skipped" if summary.skipped else ""))
        self.write()
        self.write(self.style("Ability by topic", bold=True) + " (0 is average; ± is the uncertainty; "
                   "the bar is your chance on a medium question):")
        width = max([len(a.topic) for a in summary.abilities + [summary.overall]])
        for ability in summary.abilities + [summary.overall]:
            self.write(f"  {ability.topic:<{width}}  {ability.mean:+.2f} ± {ability.sd:.2f}  "
                       f"{mastery_bar(ability.mastery)} {ability.mastery:4.0%}")
        self.write()
        if summary.misconceptions:
            self.write(self.style("Misconceptions to review:", bold=True))
            for misconception, count, explanation in summary.misconceptions:
                self.write(f"  • {misconception} ({count}×): {explanation}")
            self.write()
        self.write(self.style("What to practise next:", bold=True))
        for line in summary.practise:
            self.write(f"  • {line}")


def play(session, ui, clock=time.monotonic):
    """Run the quiz until it ends (DONE, after the summary) or the learner quits (QUIT).

    Every completed answer is already stored when its feedback shows, so a quit,
    Ctrl-C (KeyboardInterrupt passes through) or the end of input loses none.
    """
    while True:
        session.collect_arrivals()
        record = session.next_question()
        if record is None:
            break
        ui.show_question(record, session.position + 1, session.length)
        started, hint_used = clock(), False
        while True:
            try:
                typed = ui.ask(ui.prompt_for(record))
            except EOFError:
                return QUIT
            key = typed.strip().lower()
            if key == "h":
                ui.show_hint(record)
                hint_used = True
                continue
            if key == "q":
                return QUIT
            if key == "s":
                session.skip(record, seconds=clock() - started, hint_used=hint_used)
                ui.show_skipped(record)
                break
            result = grade(record, typed)
            if isinstance(result, Malformed):
                ui.show_malformed(result)
                continue
            session.answer(record, result, seconds=clock() - started, hint_used=hint_used)
            ui.show_result(record, result)
            break
        if not session.finished:
            try:
                if ui.ask("Press Enter for the next question (q to quit): ").strip().lower() == "q":
                    return QUIT
            except EOFError:
                return QUIT
    ui.show_summary(session.finish())
    return DONE
