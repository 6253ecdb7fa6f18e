"""The `torchquiz` command line: a click group whose subcommands load lazily.

Each command lives in its own `engine/cli_*.py` module and is imported only
when it runs, so `torchquiz --help` and the quiz never pay for torch or for
modules they do not use.
"""
import codecs
import importlib
import signal
import sqlite3
import sys

import click

from torchquiz.record.suggest import did_you_mean

# command name -> "module:attribute"; one module per concept.
COMMANDS = {
    "generate": "torchquiz.cli.generate:generate",
    "preview": "torchquiz.cli.generate:preview",
    "bank": "torchquiz.cli.bank:bank",
    "export": "torchquiz.cli.export:export",
    "quiz": "torchquiz.cli.quiz:quiz",
    "report": "torchquiz.cli.report:report",
    "stats": "torchquiz.cli.report:stats",
    "calibrate": "torchquiz.cli.report:calibrate",
    "import": "torchquiz.cli.import_:import_answers",
    "simulate": "torchquiz.cli.simulate:simulate",
}

SHORT_HELP = {
    "generate": "Generate a question set (JSON Lines) from the bank.",
    "preview": "Print one variant of a template as a learner sees it.",
    "bank": "Validate, list, measure (stats, verify), build and import the question bank.",
    "export": "Export a question set: Moodle XML, HTML, QTI 1.2 (Canvas), QTI 2.1, GIFT.",
    "quiz": "Take an adaptive quiz in the terminal.",
    "report": "A learner's progress, abilities and misconceptions.",
    "stats": "Item statistics: facility, discrimination, label check.",
    "calibrate": "Refit item difficulties from the stored attempts.",
    "import": "Import answers from Moodle quiz reports and HTML practice files.",
    "simulate": "Run the adaptive-sim benchmark (v1 or v2) through real quizzes.",
}


def store_problem(exc):
    """An SQLite error about the store file itself as one line that says what the user can do, or None
    for any other (a wrong query is a bug and keeps its traceback). Which is which: engine.sqlite_errors."""
    from torchquiz.engine.sqlite_errors import sqlite_problem

    kind = sqlite_problem(exc)
    if kind is None:
        return None
    advice = STORE_ADVICE[kind]
    if kind == "readonly":  # SQLite's side files may belong to someone else, while the store is yours
        from torchquiz.engine.store import Store
        from torchquiz.engine.store_access import others_side_files

        advice = (Store.opened and others_side_files(Store.opened)) or advice
    return f"the quiz store: {exc}{advice}"


# What to do about each kind of trouble with the store file (engine.sqlite_errors.SQLITE_PROBLEMS).
STORE_ADVICE = {
    "busy": " (another command, such as a large import or a refit, is writing to it): run this again when it "
            "ends; a quiz keeps every answer it had saved and resumes with --resume",
    "readonly": ": the store file or its folder may not be written by you; use a copy, or ask for write access",
    "full": ": the disk is full; free some space and run this again",
    "damaged": ": the store file is damaged; restore it from a copy (`sqlite3 DB .recover` may save its data)",
    "io": ": the store file could not be read or written; check the disk and the file's folder",
    "locking": ": SQLite could not lock the store file, as happens on some network file systems; keep the "
               "store on a local disk (--db or TORCHQUIZ_DB)",
    "too_big": ": one value is larger than this SQLite allows; check the input for an oversized question "
               "or answer",
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when it is invoked."""

    def parse_args(self, ctx, args):
        ctx.meta["torchquiz.json"] = "--json" in args  # whatever the subcommand, errors follow it
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        # Every OS error a command meets (a full disk, a file it may not write, /proc) is one
        # line, `Error: PATH: reason`, exit code 1: never a traceback. A command asked for --json
        # answers in JSON even when it fails: {"error": "..."} on stdout (issue 12).
        try:
            try:
                return super().invoke(ctx)
            except KeyboardInterrupt:
                # A command that has more to say (generate, the quiz) says it and exits itself; for the others
                # (exports replace their files whole, imports are one transaction) there is nothing half done.
                click.echo("\nInterrupted: nothing was left half-written.", err=True)
                ctx.exit(130)
            except BrokenPipeError:
                raise
            except OSError as exc:
                where = f"{exc.filename}: " if exc.filename else ""
                raise click.ClickException(f"{where}{exc.strerror or exc}") from None
            except sqlite3.DatabaseError as exc:  # the store file: busy, read-only, full or damaged
                problem = store_problem(exc)
                if problem is None:  # a query of ours that is wrong: a bug, shown as one
                    raise
                raise click.ClickException(problem) from None
        except click.ClickException as exc:
            if not ctx.meta.get("torchquiz.json"):
                raise
            import json

            click.echo(json.dumps({"error": exc.format_message()}))
            ctx.exit(exc.exit_code)

    def __init__(self, *args, lazy_commands=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands or {}

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy_commands))

    def get_command(self, ctx, name):
        if name in self.lazy_commands:
            module_name, attr = self.lazy_commands[name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:  # command not built yet
                    return None
                raise
            return getattr(module, attr, None)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name and self.get_command(ctx, name) is None and not name.startswith("-"):
            ctx.fail(f"No such command '{name}'.{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)

    def command_summary(self, ctx, name):
        if name in SHORT_HELP and self.lazy_commands is COMMANDS:
            return SHORT_HELP[name]  # the top level stays cheap: no module imports for --help
        command = self.get_command(ctx, name)
        return command.get_short_help_str(limit=70) if command is not None else ""

    def format_commands(self, ctx, formatter):
        rows = [(name, self.command_summary(ctx, name)) for name in self.list_commands(ctx)
                if self.get_command(ctx, name) is not None or name in SHORT_HELP]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="torchquiz")
def main():
    """torchquiz: PyTorch sequence-layer quizzes whose every key torch computed.

    \b
    Examples:
      torchquiz generate --count 25 --seed 1 -o set.jsonl
      torchquiz export moodle set.jsonl -o quiz.xml
      torchquiz export html set.jsonl -o quiz.html --mode practice
      torchquiz quiz --learner ada --length 10
    """
    tolerate_narrow_encodings()
    stop_on_termination()


def stop_on_termination():
    """`kill`, a closed terminal (SIGHUP) or a scheduler's SIGTERM stops a command the way Ctrl-C does:
    generate writes its finished part, bank build stores what it built, a quiz says how to resume."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)  # Windows has no SIGHUP
        if number is None or signal.getsignal(number) is signal.SIG_IGN:  # `nohup torchquiz ...` keeps running
            continue
        try:
            signal.signal(number, interrupt)
        except ValueError:  # not the main thread (an embedding program): its signals are its own
            return


def tolerate_narrow_encodings(streams=None):
    """A terminal or pipe whose encoding is not UTF-8 (LANG=en_US.ISO-8859-1, PYTHONIOENCODING=ascii, a
    Windows console) shows a '?' for a character it lacks (θ, •, box lines) instead of a crash halfway
    through a quiz or a report; typed text it cannot decode becomes U+FFFD instead of an exception."""
    for stream in streams or (sys.stdin, sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if encoding and codecs.lookup(encoding).name != "utf-8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
