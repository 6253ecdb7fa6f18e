"""The terminal quiz: renders questions and feedback, reads answers, over injected streams.

`QuizUI(stdin, stdout, color=..., width=...)` writes through a Rich console over any text
stream and reads lines from any other stream, so tests drive it with StringIO and the CLI
with the real terminal. Rich wraps every text to the terminal's width (read again at each
print, so a resized window is followed; a TERM=dumb terminal's is read once) at spaces only; code is folded at token starts
with a marker (terminal_text.code_block). Without color (not a tty, or NO_COLOR) no escape
sequence is written at all. `play(session, ui)` is the quiz loop.
"""
import os
import shutil
import sys
import time

from rich.console import Console
from rich.text import Text

from torchquiz.engine.commands import command_line, continued, with_pins
from torchquiz.engine.line_editing import is_terminal, kept_across_stop, line_editing
from torchquiz.engine.terminal_text import code_block, record_text
from torchquiz.record.grading import LETTERS, Malformed, grade

QUIT, DONE = "quit", "done"


class QuizUI:
    def __init__(self, stdin, stdout, *, color=False, width=None, db=None, learner=None):
        dumb = os.environ.get("TERM") == "dumb" and stdout.isatty()
        color = color and not dumb  # a dumb terminal shows escape codes as text
        self.stdin, self.stdout, self.color = stdin, stdout, color
        if dumb and width is None:  # Rich takes a dumb terminal to be 80 columns wide, whatever it is
            width = shutil.get_terminal_size().columns
        self.db, self.learner = db, learner  # kept in every command the quiz prints
        # "standard": the 16 colours of the terminal's own palette (see terminal_text).
        self.console = Console(file=stdout, width=width, force_terminal=color, no_color=not color,
                               color_system="standard" if color else None, highlight=False,
                               markup=False, emoji=False, soft_wrap=False)
        # readline scrolls a long prompt sideways on a dumb terminal, cutting its start off
        self.edits_lines = stdin is sys.stdin and not dumb and line_editing(stdin)
        self.typed_at_terminal = is_terminal(stdin)

    # -- primitives -----------------------------------------------------------------------
    def write(self, text="", style=None):
        self.console.print(text if isinstance(text, Text) else Text(text, style=style or ""))
        self.stdout.flush()

    def styled(self, text, style):
        return Text(text, style=style if self.color else "")

    def line(self, *parts):
        """One paragraph from (text, style) pairs and Texts, wrapped as a whole."""
        out = Text(overflow="fold")
        for part in parts:
            out.append_text(part if isinstance(part, Text) else self.styled(*part))
        return out

    def ask(self, prompt):
        """One line of input; EOFError when the input ends (treated as quit)."""
        if self.edits_lines:  # arrows, Home/End, Ctrl-A/E/K/W and the earlier answers on Up
            with self.console.capture() as wrapped:  # readline must write the prompt to know where
                self.console.print(Text(prompt), end="")  # the line starts (it ends an empty one with
            shown = wrapped.get()                         # a newline only then); EOFError at the end
            with kept_across_stop(shown, self.stdout):
                return input(shown)
        self.console.print(Text(prompt), end="")  # wrapped like everything else
        self.stdout.flush()
        line = self.stdin.readline()
        if not line or (self.typed_at_terminal and not line.endswith("\n")):  # Ctrl-D after typing: leave,
            raise EOFError                                                      # not an answer
        return line.rstrip("\r\n")

    def discard_typeahead(self):
        """Drop what was typed or pasted before a prompt showed: a pasted block of lines would otherwise
        answer the next question before the learner has seen it."""
        if not self.typed_at_terminal:
            return
        try:
            import termios

            termios.tcflush(self.stdin.fileno(), termios.TCIFLUSH)
        except (ImportError, OSError, ValueError):  # no termios (Windows), or not a flushable terminal
            pass

    def text(self, text):
        return record_text(text, self.color)

    def indented(self, rows, marker_width):
        """Rows of (marker, Text) with a hanging indent: wrapped text stays right of its marker.
        Wrapped here rather than in a Rich table, which would pad every line with spaces."""
        room = max(self.console.width - marker_width - 1, 10)
        for marker, text in rows:
            marker = marker if isinstance(marker, Text) else Text(marker)
            for number, line in enumerate(text.wrap(self.console, room)):
                line.rstrip()
                lead = marker.copy() if number == 0 else Text()
                lead.pad_right(marker_width + 1 - len(lead))
                self.write(lead + line)

    def command(self, *args):
        return command_line(*args, db=self.db, learner=self.learner)

    # -- screens --------------------------------------------------------------------------
    def show_question(self, record, number, total):
        self.console.rule(style="dim" if self.color else "")
        self.write(f"Question {number}/{total} · {record['difficulty']} · {record['topics'][0]}", "bold")
        self.write()
        self.write(self.text(record["stem"]))
        if record.get("code"):
            self.write()
            self.write(code_block(record["code"], self.console.width, self.color))
        if record["options"]:
            self.write()
            self.indented([(self.styled(f"  {letter}.", "bold"), self.text(option["text"]))
                           for letter, option in zip(LETTERS, record["options"])], 4)
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
        self.write(self.line(("Hint: ", "bold magenta"), self.text(record["hint"])))

    def show_malformed(self, malformed):
        self.write(self.line(("? ", "bold magenta"), (malformed.message + " (This does not count.)", "")))

    def _key(self, record):
        for letter, option in zip(LETTERS, record["options"]):
            if option["correct"] and record["type"] != "multiresponse":
                return f"{letter}: {option['text']}"
        if record["type"] == "multiresponse":
            return ", ".join(f"{l}" for l, o in zip(LETTERS, record["options"]) if o["correct"])
        return record["answer"]["text"]

    def show_result(self, record, result):
        if result.correct:
            self.write(self.styled("✓ Right!", "bold green"))
        else:
            self.write(self.line(("✗ Wrong.", "bold red"), (" The answer is ", ""), self.text(self._key(record)),
                                 (".", "")))
        if result.feedback:
            self.write(self.text(result.feedback))
        self.show_solution(record)

    def show_notice(self, text):
        """A line about the quiz itself (not a question), set apart from the questions."""
        self.write()
        self.write(self.line((text, "dim")))

    def show_skipped(self, record):
        self.write(self.line(("Skipped.", "bold"), (" The answer is ", ""), self.text(self._key(record)), (".", "")))
        self.show_solution(record)

    def show_solution(self, record):
        self.write()
        self.write("Worked solution:", "bold")
        self.indented([("", self.text(step)) for step in record["solution"]], 1)
        self.write()

    def show_summary(self, summary):
        from torchquiz.engine.report import mastery_bar
        self.console.rule(style="dim" if self.color else "")
        self.write("Quiz complete", "bold")
        self.write(f"Score: {summary.correct}/{summary.answered} correct"
                   + (f", {summary.skipped} skipped" if summary.skipped else ""))
        self.write()
        self.write(self.line(("Ability by topic", "bold"), (" (0 is average; ± is the uncertainty; "
                                                            "the bar is your chance on a medium question):", "")))
        width = max([len(a.topic) for a in summary.abilities + [summary.overall]])
        room = self.console.width - width - 23  # a row fits a narrow terminal: a shorter bar, or none
        bar = min(20, room) if room >= 3 else 0
        for ability in summary.abilities + [summary.overall]:
            self.write(f"  {ability.topic:<{width}}  {ability.mean:+.2f} ± {ability.sd:.2f}  "
                       f"{mastery_bar(ability.mastery, bar)} {ability.mastery:4.0%}")
        self.write()
        if summary.misconceptions:
            self.write("Misconceptions to review:", "bold")
            self.indented([("  •", self.text(f"{m} ({count}×): {explanation}"))
                           for m, count, explanation in summary.misconceptions], 3)
            self.write()
        self.write("What to practise next:", "bold")
        for line in summary.practise:
            # A command goes on rows of its own, continued with backslashes where it is wider
            # than the terminal, so that copying its rows runs it as printed.
            head, sep, command = line.partition("torchquiz ")
            self.indented([("  •", self.text(head.rstrip() if sep else line))], 3)
            if sep:
                for row in continued(with_pins(sep + command, db=self.db, learner=self.learner),
                                     self.console.width):
                    # soft_wrap: a word wider than the terminal (a long --db path) is left to the terminal
                    # to wrap; a newline put in it would split the pasted command in two
                    self.console.print(Text(row), soft_wrap=True)
                self.stdout.flush()


WIDER_QUIZ = "Add questions with `torchquiz bank build`, or leave out --topic/--family for a wider quiz."


def play(session, ui, clock=time.monotonic):
    """Run the quiz until it ends (DONE, after the summary) or the learner quits (QUIT).

    Every completed answer is already stored when its feedback shows, so a quit,
    Ctrl-C (KeyboardInterrupt passes through) or the end of input loses none.
    """
    told_failure = told_repeats = False
    session.store.on_busy = lambda: ui.show_notice(
        "The store is busy: another command (an import, a refit) is writing to it. Your answer is kept and "
        "saved as soon as the store is free; waiting… (Ctrl-C stops the quiz without saving this answer.)")
    while True:
        session.collect_arrivals()
        failures = getattr(session.near_variants, "failures", None)
        if failures and not told_failure:  # once: a quiz without near variants still runs
            told_failure = True
            ui.show_notice(f"Practice variants of missed questions could not be generated "
                           f"({' '.join(failures[0])}); the quiz goes on with the stored questions.")
        record = session.next_question()
        if record is None:
            if not session.finished:
                ui.show_notice(f"No unseen question in the store fits this quiz any more, so it ends after "
                               f"{session.position} of {session.length}. {WIDER_QUIZ}")
            break
        if session.repeats_earlier and not told_repeats:  # once, before the first repeat
            told_repeats = True
            ui.show_notice("You have seen every question that fits this quiz in your earlier quizzes, so the rest "
                           f"come again from those. {WIDER_QUIZ}")
        ui.show_question(record, session.position + 1, session.length)
        ui.discard_typeahead()
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
            ui.discard_typeahead()
            try:
                if ui.ask("Press Enter for the next question (q to quit): ").strip().lower() == "q":
                    return QUIT
            except EOFError:
                return QUIT
    ui.show_summary(session.finish())
    return DONE
