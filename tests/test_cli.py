"""The command line as a whole: every command is documented, has examples, and unknown names get suggestions."""
import re

import click
import pytest
from click.testing import CliRunner

from torchquiz.cli.main import COMMANDS, main

from conftest import ROOT


def all_commands():
    """(path, command) for every command and subcommand, loaded the way click loads them."""
    found = []

    def walk(group, prefix):
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, f"{prefix + [name]} is listed but cannot be loaded"
            found.append((prefix + [name], command))
            if isinstance(command, click.Group):
                walk(command, prefix + [name])

    walk(main, [])
    return found


@pytest.mark.parametrize("path,command", all_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_every_command_is_in_the_readme_and_its_help_has_examples(path, command):
    readme = (ROOT / "README.md").read_text()
    assert f"torchquiz {' '.join(path)}" in readme or f"`{' '.join(path)}`" in readme, \
        f"README.md does not mention `torchquiz {' '.join(path)}`"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert re.search(rf"torchquiz {re.escape(' '.join(path))}\b", result.output), "the examples should run this command"


def test_the_top_level_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    for name in COMMANDS:
        assert re.search(rf"^  {name}\s", result.output, re.M), name


def test_unknown_command_gets_a_suggestion_and_usage_exit_code():
    result = CliRunner().invoke(main, ["genrate"])
    assert result.exit_code == 2
    assert "Did you mean 'generate'?" in result.output


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_narrow_output_encoding_shows_question_marks_instead_of_crashing(db, encoding):
    """A terminal that is not UTF-8 (here a pipe told PYTHONIOENCODING) gets '?' for what it lacks:
    the quiz's end screen and the report run to the end instead of a UnicodeEncodeError halfway."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": encoding}
    base = [sys.executable, "-m", "torchquiz.cli", "--db", str(db), "--learner", "ada"]
    quiz = subprocess.run([*base[:3], "quiz", *base[3:], "--length", "2", "--topic", "batch_first",
                           "--no-generate"], input="A\n\nA\n\n\n", capture_output=True, text=True,
                          encoding=encoding, errors="replace", env=env, timeout=120)
    assert quiz.returncode == 0 and "Traceback" not in quiz.stderr, quiz.stderr
    assert "?" in quiz.stdout and "torchquiz report --learner ada" in quiz.stdout  # '?' for what it lacks
    report = subprocess.run([*base[:3], "report", *base[3:]], capture_output=True, text=True,
                            encoding=encoding, errors="replace", env=env, timeout=120)
    assert report.returncode == 0 and "Traceback" not in report.stderr, report.stderr
    assert "answers correct" in report.stdout


def test_nohup_keeps_a_command_running_when_the_terminal_closes(tmp_path):
    """A SIGHUP that `nohup` set to be ignored stays ignored: the handler that turns SIGTERM and SIGHUP
    into an interruption (cli/main.stop_on_termination) leaves it alone."""
    import signal
    import subprocess
    import sys

    code = ("import os, signal\nfrom torchquiz.cli.main import stop_on_termination\nstop_on_termination()\n"
            "os.kill(os.getpid(), signal.SIGHUP)\nprint('still running')\n")
    ignored = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                             preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    assert ignored.returncode == 0 and ignored.stdout == "still running\n", ignored.stderr
    handled = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert handled.returncode != 0 and "KeyboardInterrupt" in handled.stderr
