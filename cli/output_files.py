"""Writing a command's output files: whole or not at all (a temporary file beside each target, renamed into
place with Ctrl-C held until every part is in), never over a device or pipe (`-o /dev/null`, `-o /dev/stdout`
are written into), and without removing a file another run wrote meanwhile unless asked to."""
import contextlib
import os

import click


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


def write_atomically(path, text, replace=True):
    """Write `text` (str, or bytes for a zip package) to `path` via a temporary file in the same
    directory: a crash or Ctrl-C leaves the old file or none, never half of one (see write_all_atomically).
    replace=False: a file that appeared at `path` meanwhile (another run) is kept, and this text goes to
    PATH.new instead, with a one-line error."""
    write_all_atomically([(path, text)], replace=replace)


@contextlib.contextmanager
def _held_signals():
    """Ctrl-C, SIGTERM and SIGHUP held back while the parts of an export are renamed into place, so that
    an interruption comes after all of them, not between two (where old and new parts would mix). Python
    runs signal handlers in the main thread whichever thread the signal reached, so swapping the handlers
    holds them; a signal mask would hold them only for this thread."""
    import signal
    import threading

    caught, previous = [], {}
    if threading.current_thread() is threading.main_thread():
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)  # Windows has no SIGHUP
            handler = signal.getsignal(number) if number is not None else None
            if handler is not None and handler is not signal.SIG_IGN:
                previous[number] = signal.signal(number, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for signum, frame in caught[:1]:  # now, after every rename
            if callable(previous[signum]):
                previous[signum](signum, frame)
            else:
                os.kill(os.getpid(), signum)


def _put_in_place(temporary, path, replace):
    if not replace:
        try:
            os.link(temporary, path)  # fails, atomically, when the path exists
            os.unlink(temporary)
            return
        except FileExistsError:
            taken = True
        except OSError:  # a file system without hard links
            taken = os.path.exists(path)
        if taken:
            os.replace(temporary, f"{path}.new")
            raise click.ClickException(f"{path} appeared while this ran (another command wrote it) and is kept; this "
                                       f"run's output is in {path}.new (add --force to overwrite)")
    os.replace(temporary, path)


def _write(target, text):
    """`text` (str, or bytes for a zip package) into `target`, a path or an open file descriptor."""
    binary = isinstance(text, bytes)
    with open(target, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": "\n"})) as out:
        out.write(text)


def _remove_stale_temporaries(path, age=3600):
    """The hidden `.NAME.*.tmp` files a killed run (SIGKILL, a crash) left beside `path`: removed once they
    are an hour old, so that a run writing the same name right now keeps its own."""
    import glob
    import time

    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            if time.time() - stale.stat().st_mtime > age:
                stale.unlink()
        except OSError:
            pass


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
    written, streams, regular = [], [], []  # (temporary, target); (path, text) written into; the others
    for path, text in files:
        (streams if is_stream(path) else regular).append((path, text))
    try:
        for path, text in regular:
            path = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)  # the file a link names
            directory = target_folder(path)
            try:
                handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
            except OSError as exc:
                raise click.ClickException(f"{path}: cannot write in {directory}: {exc.strerror or exc}") from None
            written.append((temporary, path))
            try:
                _write(handle, text)
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
    for _, path in written:
        _remove_stale_temporaries(path)
    for path, text in streams:
        try:
            _write(path, text)
        except OSError as exc:
            raise click.ClickException(f"{path}: {exc.strerror or exc}") from None
