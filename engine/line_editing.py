"""Editing a typed answer in place: readline in a real terminal, and its line kept across Ctrl-Z and fg.

Python's readline leaves the terminal to the shell as it had set it for editing when Ctrl-Z stops the
quiz, and `fg` brings it back with no prompt shown and the terminal in the shell's mode: each key echoed
twice, Backspace unable to reach what was typed before, and an answer graded that the screen never
showed (`1`, Ctrl-Z, fg, Backspace, `0.5` was graded as 10.5). While an answer is read, Ctrl-Z now gives
the shell its own terminal mode, stops, and on fg takes readline's mode back and has readline draw the
prompt and the text typed so far again, its cursor where the learner left it.
"""
import contextlib
import os
import signal
import sys
import threading


def is_terminal(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or no isatty at all
        return False


def line_editing(stdin):
    """Whether typed answers can be edited in place: a real terminal and Python's readline module
    (missing on Windows, where the console itself edits the line)."""
    if not is_terminal(stdin):
        return False
    try:
        import readline  # noqa: F401  (importing it is what gives input() its line editing)
    except ImportError:
        return False
    return True


def _loaded_readline():
    """The GNU readline library Python's readline module runs on (already loaded, so its state is the line
    being edited), or None: libedit, or a readline that cannot be found."""
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("readline")
        library = ctypes.CDLL(name, mode=os.RTLD_NOLOAD) if name and hasattr(os, "RTLD_NOLOAD") else None
        return library if library is not None and hasattr(library, "rl_on_new_line") else None
    except (OSError, AttributeError):
        return None


@contextlib.contextmanager
def kept_across_stop(prompt, stdout):
    """Around one input(prompt): Ctrl-Z and fg leave the line as it was, shown again after fg."""
    if (not hasattr(signal, "SIGTSTP") or threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTSTP) is signal.SIG_IGN):  # a shell without job control
        yield
        return
    import readline
    import termios

    fd = sys.stdin.fileno()
    try:
        shells = termios.tcgetattr(fd)  # before readline takes the terminal over
    except termios.error:
        yield
        return

    library = _loaded_readline()

    def stop(signum, frame):
        editing = termios.tcgetattr(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, shells)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stopped here until fg
        signal.signal(signal.SIGTSTP, stop)
        termios.tcsetattr(fd, termios.TCSADRAIN, editing)
        stdout.flush()
        if library is not None:  # readline draws prompt and line, its cursor where the learner left it
            library.rl_on_new_line()
            readline.redisplay()
        else:  # another line editor: the line as typed, the cursor at its end
            stdout.write(prompt + readline.get_line_buffer())
            stdout.flush()

    previous = signal.signal(signal.SIGTSTP, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTSTP, previous)
