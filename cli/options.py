"""Options shared by several commands, and the translation of library errors into click errors."""
import contextlib
import functools
import os
import sys

import click

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
        click.option("--bank", "bank_dirs", multiple=True, envvar=BANK_ENV,
                     type=click.Path(exists=True, file_okay=False),
                     help="An extra bank directory (repeatable; env TORCHQUIZ_BANK, separated by ':')."),
        click.option("--no-builtin", is_flag=True, help="Use only the --bank directories, not the built-in bank."),
    ]
    if runs_torch:
        options += [
            click.option("--device", default="cpu", envvar=DEVICE_ENV, show_default=True, callback=_device_name,
                         help="Torch device for the runs: cpu, cuda, cuda:N, mps or auto (env TORCHQUIZ_DEVICE)."),
            click.option("--workers", default=default_workers, show_default="CPUs, at most 4",
                         type=click.IntRange(1), help="Torch worker processes."),
            click.option("--time-limit", default=20.0, show_default=True, type=click.FloatRange(0.1),
                         help="Seconds per snippet run."),
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
        "--db", "db_path", type=click.Path(dir_okay=False), envvar="TORCHQUIZ_DB",
        help="The torchquiz database (env TORCHQUIZ_DB; default: $XDG_DATA_HOME/torchquiz/torchquiz.db, "
             "with ~/.local/share when XDG_DATA_HOME is not set).")(command)


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


def target_folder(path):
    """The folder a file `path` is written in: a missing folder, or a folder where the file should be,
    is a one-line error (nothing is written)."""
    from pathlib import Path

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise click.ClickException(f"{path}: {folder} is a file, not a folder" if folder.exists()
                                   else f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise click.ClickException(f"{path} is a folder, not a file: nothing written")
    return folder


def is_stream(path):
    """An existing target that is no regular file or folder: a device (/dev/null) or a pipe (/dev/stdout into
    `| wc`). It is written into, never replaced: replacing it would put a file where /dev/null was."""
    import stat

    try:
        mode = os.stat(path).st_mode  # through links: /dev/stdout names the pipe
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_output(path, force=False):
    """Check before any work that `path` can be written: its folder exists and takes a new file,
    and an existing file is replaced only with --force. A set can take minutes to generate, and
    finding out afterwards that it cannot be written wastes them (issue 12)."""
    import tempfile
    from pathlib import Path

    if is_stream(path):
        return
    path = Path(path)
    folder = target_folder(path)
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{path.name}.", suffix=".probe"):
            pass
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot write in {folder}: {exc.strerror or exc}") from None
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists: add --force to overwrite it")


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


def write_atomically(path, text, replace=True):
    """Write `text` (str, or bytes for a zip package) to `path` via a temporary file in the same
    directory: a crash or Ctrl-C leaves the old file or none, never half of one (see write_all_atomically).
    replace=False: a file that appeared at `path` meanwhile (another run) is kept, and this text goes to
    PATH.new instead, with a one-line error."""
    write_all_atomically([(path, text)], replace=replace)


def _held_signals():
    """Ctrl-C, SIGTERM and SIGHUP held back while the parts of an export are renamed into place, so that
    an interruption comes after all of them, not between two (where old and new parts would mix)."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal mask
        return contextlib.nullcontext()
    held = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)}

    @contextlib.contextmanager
    def holding():
        before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)

    return holding()


def _put_in_place(temporary, path, replace):
    if replace:
        os.replace(temporary, path)
        return
    try:
        os.link(temporary, path)  # fails, atomically, when the path exists
    except FileExistsError:
        os.replace(temporary, f"{path}.new")
        raise click.ClickException(f"{path} appeared while this ran (another command wrote it) and is kept; this "
                                   f"run's output is in {path}.new (add --force to overwrite)") from None
    except OSError:  # a file system without hard links
        if os.path.exists(path):
            os.replace(temporary, f"{path}.new")
            raise click.ClickException(f"{path} appeared while this ran and is kept; this run's output is in "
                                       f"{path}.new (add --force to overwrite)") from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)


def write_all_atomically(files, replace=True):
    """Write every (path, text) of one export, or none of them: each goes to a temporary file beside
    its target first, and only when all are written are they renamed into place. A full disk, a
    folder in the way or a folder that may not be written is a one-line error naming the target,
    and leaves no part behind; only a rename refused after others succeeded (another user's file in
    a shared folder) can leave the earlier parts replaced. A file that is replaced keeps its
    permissions (through a symlink, the file it names); a new one gets 0666 & ~umask. A device or
    pipe (`-o /dev/null`, `-o /dev/stdout`) is written into after the files, never replaced."""
    import tempfile
    from pathlib import Path

    umask = os.umask(0)
    os.umask(umask)
    written = []  # (temporary, target)
    files = list(files)
    streams = [(path, text) for path, text in files if is_stream(path)]
    try:
        for path, text in files:
            if is_stream(path):
                continue
            path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)  # the file a link names
            directory = target_folder(path)
            try:
                handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
            except OSError as exc:
                raise click.ClickException(f"{path}: cannot write in {directory}: {exc.strerror or exc}") from None
            written.append((temporary, path))
            binary = isinstance(text, bytes)
            try:
                with os.fdopen(handle, "wb" if binary else "w",
                               **({} if binary else {"encoding": "utf-8", "newline": "\n"})) as out:
                    out.write(text)
            except OSError as exc:
                raise click.ClickException(f"{path}: {exc.strerror or exc}; nothing written") from None
            os.chmod(temporary, path.stat().st_mode & 0o777 if path.is_file() else 0o666 & ~umask)
        with _held_signals():
            for temporary, path in written:
                _put_in_place(temporary, path, replace)
    except BaseException:
        for temporary, _ in written:
            Path(temporary).unlink(missing_ok=True)
        raise
    for path, text in streams:
        try:
            with open(path, "wb" if isinstance(text, bytes) else "w",
                      **({} if isinstance(text, bytes) else {"encoding": "utf-8", "newline": "\n"})) as out:
                out.write(text)
        except OSError as exc:
            raise click.ClickException(f"{path}: {exc.strerror or exc}") from None
