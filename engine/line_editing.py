"""Editing a typed answer in place: readline in a real terminal, and its line kept across Ctrl-Z and fg.

Python's readline leaves the terminal to the shell as it had set it for editing when Ctrl-Z stops the
quiz, and `fg` brings it back with no prompt shown and the terminal in the shell's mode: each key echoed
twice, Backspace unable to reach what was typed before, and an answer graded that the screen never
showed (`1`, Ctrl-Z, fg, Backspace, `0.5` was graded as 10.5). While an answer is read, Ctrl-Z now gives
the shell its own terminal mode, stops, and on fg takes readline's mode back and shows the prompt with
the text typed so far.
"""
import contextlib
import os
import signal
import sys
import threading


def line_editing(stdin):
    """Whether typed answers can be edited in place: a real terminal and Python's readline module
    (missing on Windows, where the console itself edits the line)."""
    try:
        if not stdin.isatty():
            return False
        import readline  # noqa: F401  (importing it is what gives input() its line editing)
    except (ImportError, AttributeError, ValueError):
        return False
    return True


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

    def stop(signum, frame):
        editing = termios.tcgetattr(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, shells)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stopped here until fg
        signal.signal(signal.SIGTSTP, stop)
        termios.tcsetattr(fd, termios.TCSADRAIN, editing)
        stdout.write(prompt + readline.get_line_buffer())
        stdout.flush()

    previous = signal.signal(signal.SIGTSTP, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTSTP, previous)
