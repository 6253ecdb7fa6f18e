"""Options shared by several commands, and the translation of library errors into click errors."""
import contextlib
import os
import sys

import click

DEVICE_ENV = "TORCHQUIZ_DEVICE"


def bank_options(command):
    """--bank DIR (repeatable, also TORCHQUIZ_BANK) and --no-builtin."""
    command = click.option("--no-builtin", is_flag=True,
                           help="Use only the --bank directories, not the built-in bank.")(command)
    command = click.option("--bank", "bank_dirs", multiple=True, envvar="TORCHQUIZ_BANK",
                           type=click.Path(exists=True, file_okay=False),
                           help="An extra bank directory (repeatable; env TORCHQUIZ_BANK, separated by ':').")(command)
    return command


def device_option(command):
    return click.option("--device", default="cpu", envvar=DEVICE_ENV, show_default=True,
                        help="Torch device for the runs: cpu, cuda, cuda:N, mps or auto (env TORCHQUIZ_DEVICE).")(command)


def db_option(command):
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), envvar="TORCHQUIZ_DB",
        help="The torchquiz database (env TORCHQUIZ_DB; default: ~/.local/share/torchquiz/torchquiz.db).")(command)


@contextlib.contextmanager
def _reported(error_class):
    """`error_class` becomes `Error: ...` with exit code 1; never a traceback."""
    try:
        yield
    except error_class as exc:
        raise click.ClickException(str(exc)) from None


def user_errors():
    """Generator errors (bad templates, absent devices, ...) as click errors."""
    from torchquiz.generator.errors import GeneratorError

    return _reported(GeneratorError)


def store_errors():
    """Store errors (not a torchquiz database, newer schema, ...) as click errors."""
    from torchquiz.engine.store import StoreError

    return _reported(StoreError)


def progress_reporter(label, enabled=None):
    """An on_progress(done, total) callback drawing a bar on stderr when it is a terminal."""
    stream = sys.stderr
    enabled = stream.isatty() if enabled is None else enabled
    state = {}

    def on_progress(done, total):
        if not enabled:
            return
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=stream, show_pos=True, show_eta=True)
            state["bar"].__enter__()
        state["bar"].update(1)
        if done == total:
            state["bar"].__exit__(None, None, None)

    return on_progress


def write_atomically(path, text):
    """Write `text` to `path` via a temporary file in the same directory: a crash or Ctrl-C leaves
    the old file or none, never half of one. The file gets the usual permissions (0666 & ~umask)."""
    import tempfile
    from pathlib import Path

    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise click.ClickException(f"{path}: directory {directory} does not exist")
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
