"""Options and option types shared by the commands, and the translation of library errors into click errors."""
import contextlib
import functools
import math
import sys

import click
from click.core import ParameterSource

from torchquiz.record.suggest import did_you_mean

SEED = click.IntRange(0, 2**63 - 1)
"""The type of every --seed: a seed is stored in SQLite (a signed 64-bit INTEGER) and seeds numpy (which refuses
negative ones), so any other value would fail only after the command had started."""

MAX_TIME_LIMIT = 86_400
"""A day: the workers' wait on a snippet overflows the OS's timeout a little above a million seconds."""


class FiniteFloatRange(click.FloatRange):
    """The type of every float option: a click.FloatRange that also refuses nan, which passes FloatRange because
    every comparison with it is false, and inf, which passes a range without a maximum."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{number} is not a finite number.", param, ctx)
        return number


class SuggestingChoice(click.Choice):
    """The type of every choice option: a click.Choice whose error for an unknown value adds "Did you mean ...?"."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            exc.message += did_you_mean(value, self.choices)
            raise


class EnvironmentOption(click.Option):
    """The class of every option with envvar=: a bad value that came from the variable says so, as in
    "Invalid value for '--bank' (from TORCHQUIZ_BANK)": a variable set long ago in a shell profile is
    otherwise blamed on an option that is not on the command line."""

    def get_error_hint(self, ctx):
        hint = super().get_error_hint(ctx)
        if ctx is not None and ctx.get_parameter_source(self.name) == ParameterSource.ENVIRONMENT:
            hint += f" (from {self.envvar})"
        return hint


def _device_name(ctx, param, value):
    from torchquiz.generator.settings import device_name_problem

    problem = device_name_problem(value)
    if problem:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return value


def generation_options(runs_torch=True):
    """The options that build the one GenerationSettings a command passes on (as `settings`).

    Every command that loads templates takes --bank/--no-builtin; every command that runs torch
    also takes --device, --workers and --time-limit. Declared once here, so defaults never differ.
    """
    from torchquiz.generator.settings import BANK_ENV, DEVICE_ENV, default_workers  # no torch in these

    options = [
        click.option("--bank", "bank_dirs", multiple=True, envvar=BANK_ENV, cls=EnvironmentOption,
                     type=click.Path(exists=True, file_okay=False),
                     help="An extra bank directory (repeatable; env TORCHQUIZ_BANK, separated by ':')."),
        click.option("--no-builtin", is_flag=True, help="Use only the --bank directories, not the built-in bank."),
    ]
    if runs_torch:
        options += [
            click.option("--device", default="cpu", envvar=DEVICE_ENV, cls=EnvironmentOption, show_default=True,
                         callback=_device_name,
                         help="Torch device for the runs: cpu, cuda, cuda:N, mps or auto (env TORCHQUIZ_DEVICE)."),
            click.option("--workers", default=default_workers, show_default="CPUs, at most 4",
                         type=click.IntRange(1), help="Torch worker processes."),
            click.option("--time-limit", default=20.0, show_default=True,
                         type=FiniteFloatRange(0.1, MAX_TIME_LIMIT),
                         help="Seconds per snippet run (at most a day)."),
        ]

    def decorate(command):
        @functools.wraps(command)
        def with_settings(*args, **kwargs):
            from torchquiz.generator.settings import GenerationSettings

            given = {name: kwargs.pop(name) for name in ("device", "workers", "time_limit") if name in kwargs}
            if kwargs["no_builtin"] and not kwargs["bank_dirs"]:
                raise click.UsageError("--no-builtin needs --bank DIR (or TORCHQUIZ_BANK): without the built-in "
                                       "bank there are no templates to use")
            kwargs["settings"] = GenerationSettings(bank_dirs=kwargs.pop("bank_dirs"),
                                                    include_builtin=not kwargs.pop("no_builtin"), **given)
            return command(*args, **kwargs)

        for option in reversed(options):
            with_settings = option(with_settings)
        return with_settings

    return decorate


def db_option(command):
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), envvar="TORCHQUIZ_DB", cls=EnvironmentOption,
        help="The torchquiz database (env TORCHQUIZ_DB; default: $XDG_DATA_HOME/torchquiz/torchquiz.db, "
             "with ~/.local/share when XDG_DATA_HOME is not set).")(command)


@contextlib.contextmanager
def _reported(error_class, message=str):
    """`error_class` becomes `Error: ...` (its `message`) with exit code 1; never a traceback."""
    try:
        yield
    except error_class as exc:
        raise click.ClickException(message(exc)) from None


def _with_source(error):
    """An absent device is found in a worker, long after parsing: where TORCHQUIZ_DEVICE chose it, its
    message ("--device cuda: CUDA is not available") says so, as a bad value from a variable does."""
    message = str(error)
    ctx = click.get_current_context(silent=True)
    if ctx is None or not message.startswith("--device ") or "device" not in ctx.params:
        return message
    if ctx.get_parameter_source("device") != ParameterSource.ENVIRONMENT:
        return message
    option, _, rest = message.partition(":")
    from torchquiz.generator.settings import DEVICE_ENV
    return f"{option} (from {DEVICE_ENV}):{rest}"


def user_errors():
    """Generator errors (bad templates, absent devices, ...) as click errors."""
    from torchquiz.generator.errors import GeneratorError

    return _reported(GeneratorError, _with_source)


def record_errors():
    """Question-record errors (unreadable set files, bad records) as click errors."""
    from torchquiz.record.errors import RecordError

    return _reported(RecordError)


def store_errors():
    """Store errors (not a torchquiz database, newer schema, ...) as click errors."""
    from torchquiz.engine.store import StoreError

    return _reported(StoreError)


@contextlib.contextmanager
def progress_bar(label):
    """An on_progress(done, total) callback for the length of a `with`, drawing a bar on stderr when it is
    a terminal. However the work ends (an interruption too), the bar is closed: the cursor comes back,
    and the next message gets a line of its own."""
    state = {}

    def close():
        bar = state.pop("bar", None)
        if bar is not None:
            bar.__exit__(None, None, None)

    def on_progress(done, total):
        if not sys.stderr.isatty():
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True)
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)  # a call at 0 draws the bar before the first result
        if done == total:
            close()

    try:
        yield on_progress
    finally:
        close()


@contextlib.contextmanager
def json_errors(as_json):
    """With --json, an error is JSON too ({"error": "..."} on stdout, exit code 1): a script that
    asked for JSON can always parse what it gets."""
    try:
        yield
    except click.ClickException as exc:
        if not as_json:
            raise
        import json

        click.echo(json.dumps({"error": exc.format_message()}))
        sys.exit(exc.exit_code)


def count_option(help_text):
    """--count, one rule for generate and bank build: variants per template and type, at most MAX_COUNT
    (a set holds them all in memory: 10,000 x the bank is ~2 GB)."""
    return click.option("--count", default=5, show_default=True, type=click.IntRange(1, MAX_COUNT),
                        help=f"{help_text} (at most {MAX_COUNT:,}).")


MAX_COUNT = 10_000


def note_other_problems(count, settings):
    """One line on stderr for the bank's other broken templates, with the command that lists their problems."""
    import shlex

    from torchquiz.record.wording import counted

    if count:
        words = ["torchquiz", "bank", "validate"] + [w for d in settings.bank_dirs for w in ("--bank", d)]
        words += [] if settings.include_builtin else ["--no-builtin"]
        click.echo(f"note: {counted(count, 'other template file')} of the bank {'has' if count == 1 else 'have'} "
                   f"problems; `{shlex.join(words)}` lists them", err=True)
