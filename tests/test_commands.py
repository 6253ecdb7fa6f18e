"""Printed commands run as printed: pinned to the run's store and learner, and continued
with backslashes where the terminal is narrower than the command."""
import shlex
import subprocess

from torchquiz.engine.commands import command_line, continued, with_pins

LONG_DB = "/home/teacher/sequence models (2026)/section-b.db"


def test_a_suggestion_keeps_the_runs_store_and_learner():
    line = with_pins("Practise lstm: torchquiz quiz --topic lstm", db=LONG_DB, learner="ada")
    assert shlex.split(line.partition(": ")[2]) == ["torchquiz", "quiz", "--topic", "lstm", "--learner", "ada",
                                                   "--db", LONG_DB]
    assert command_line("report", db="x.db") == "torchquiz report --db x.db"


def test_a_long_command_continues_over_rows_that_a_shell_reads_as_one():
    command = command_line("quiz", "--topic", "lstm", "--target", "0.85", db=LONG_DB, learner="ada lovelace")
    rows = continued(command, 60)
    assert len(rows) > 1 and all(len(row) <= 60 for row in rows)
    assert all(row.endswith(" \\") for row in rows[:-1]) and not rows[-1].endswith("\\")
    # what bash runs when the rows are pasted: the same words as the one-line command
    script = "\n".join(rows).replace("torchquiz", "printf '%s\\n'", 1)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == shlex.split(command)[1:]
    assert continued(command, 400) == ["    " + command]   # wide enough: one row, as before
