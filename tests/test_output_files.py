"""cli/output_files.py: how the commands write their files."""
import os
import signal
import stat
import threading

import click
import pytest

from torchquiz.cli import output_files
from conftest import torchquiz


def test_a_pipe_or_device_given_as_output_is_written_into_not_replaced(tmp_path):
    """`-o /dev/null` run as root replaced /dev/null with a regular file (mkstemp beside it, then a rename);
    `-o /dev/stdout | wc` failed on /proc/PID/fd/pipe:[...]. A FIFO stands in for both here."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    output_files.write_all_atomically([(fifo, "one\ntwo\n")])
    reader.join(10)
    assert received == [b"one\ntwo\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)
    output_files.check_output(fifo)  # no "exists: add --force" for a device or pipe


def test_export_to_dev_stdout_in_a_pipe(tmp_path):
    set_path = tmp_path / "set.jsonl"
    from export_records import edge_case_records
    from torchquiz.record.jsonl import jsonl_text
    set_path.write_text(jsonl_text(edge_case_records()[:2]))
    result = torchquiz("export", "moodle", str(set_path), "-o", "/dev/stdout")  # stdout is a pipe here
    assert result.returncode == 0 and "Wrote 2 questions" in result.stderr
    import lxml.etree as etree
    assert len(etree.fromstring(result.stdout.encode()).findall("question")) >= 2  # the XML alone: no summary after it
    several = torchquiz("export", "html", str(set_path), "--mode", "exam", "--versions", "2", "--seed", "1",
                        "-o", "/dev/stdout", check=False)
    assert several.returncode == 1 and "is 3 files; give a file name" in several.stderr  # not /dev/stdout-A ...


def test_a_file_that_appeared_meanwhile_is_kept_without_force(tmp_path):
    """Two `generate -o X` at once, without --force: the second silently replaced the first's set."""
    target = tmp_path / "set.jsonl"
    target.write_text("the other run's set\n")
    with pytest.raises(click.ClickException, match=r"appeared while this ran .* is kept; this run's output is in"):
        output_files.write_atomically(target, "this run's set\n", replace=False)
    assert target.read_text() == "the other run's set\n"
    assert (tmp_path / "set.jsonl.new").read_text() == "this run's set\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.jsonl", "set.jsonl.new"]  # no temporary left
    output_files.write_atomically(tmp_path / "fresh.jsonl", "new\n", replace=False)
    assert (tmp_path / "fresh.jsonl").read_text() == "new\n"


def test_ctrl_c_between_two_renames_comes_after_all_of_them(tmp_path, monkeypatch):
    """A split export renamed its parts one by one: a Ctrl-C after the third left 3 new and 5 old parts."""
    parts = [tmp_path / f"q-{n}.xml" for n in range(1, 5)]
    for part in parts:
        part.write_text("old")
    real_replace = os.replace

    def replace_then_interrupt(source, target):
        real_replace(source, target)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(output_files.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        output_files.write_all_atomically([(part, "new") for part in parts])
    assert [part.read_text() for part in parts] == ["new"] * 4


def test_temporaries_a_killed_run_left_are_removed_once_old(tmp_path):
    """SIGKILL during an export left hidden .NAME.*.tmp files (up to 19 MB) that no later run removed."""
    target = tmp_path / "quiz.xml"
    old, recent = tmp_path / ".quiz.xml.abc123.tmp", tmp_path / ".quiz.xml.def456.tmp"
    for stale in (old, recent):
        stale.write_text("half")
    os.utime(old, (0, 0))
    output_files.write_atomically(target, "<quiz/>")
    assert target.read_text() == "<quiz/>" and not old.exists() and recent.exists()  # a run writing now keeps its own
