"""`torchquiz export moodle|html`: options, messages, exit codes, and no torch import."""
import json
import subprocess
import sys
from pathlib import Path

import lxml.etree as etree
import pytest
from click.testing import CliRunner

from torchquiz.cli.main import main
from export_records import edge_case_records

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def set_path(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in edge_case_records()), encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def categories(xml_path):
    root = etree.parse(str(xml_path)).getroot()
    return [q.findtext("category/text") for q in root.iter("question") if q.get("type") == "category"]


def test_export_moodle_writes_the_file_and_says_so(set_path, tmp_path):
    out = tmp_path / "quiz.xml"
    result = run("export", "moodle", set_path, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 12 questions in 11 categories to {out}"
    assert out.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert "$course$/top/torchquiz/Output shape of a ‹GRU› layer (shape.gru_output)" in categories(out)


def test_export_moodle_options(set_path, tmp_path):
    out = tmp_path / "quiz.xml"
    result = run("export", "moodle", set_path, "-o", out, "--category-by", "family",
                 "--category-root", "$course$/top/RNN week", "--penalty", "0.1", "--no-shuffle")
    assert result.exit_code == 0, result.output
    assert "in 6 categories" in result.output
    assert "$course$/top/RNN week/Family: metrics" in categories(out)
    root = etree.parse(str(out)).getroot()
    assert {q.findtext("penalty") for q in root.iter("question") if q.get("type") != "category"} == {"0.1"}
    assert {q.findtext("shuffleanswers") for q in root.iter("question") if q.get("type") == "multichoice"} == {"0"}


@pytest.mark.parametrize("mode", ["practice", "exam", "key"])
def test_export_html_modes(set_path, tmp_path, mode):
    out = tmp_path / f"{mode}.html"
    result = run("export", "html", set_path, "-o", out, "--mode", mode)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 12 questions ({mode}) to {out}"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and ('id="torchquiz-data"' in page) == (mode == "practice")


def test_a_broken_record_is_a_user_error_naming_file_and_line(set_path, tmp_path):
    lines = set_path.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[0])  # the multichoice question on line 1
    broken["options"][3]["correct"] = True  # a second right answer: Moodle would mis-key it
    lines[0] = json.dumps(broken)
    set_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "quiz.xml"
    for command in ("moodle", "html"):
        result = run("export", command, set_path, "-o", out)
        assert result.exit_code == 1
        # Each bad line as `bank import` lists it, then one error line (issue 12).
        assert result.output.startswith(f"{set_path}:1 ({broken['id']}): options: ")
        assert f"Error: 1 bad line(s) in {set_path}; nothing exported" in result.output
        assert "Traceback" not in result.output
    assert not out.exists()  # nothing half-written


def test_a_failed_export_keeps_the_old_file(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    out = tmp_path / "quiz.xml"
    out.write_text("old", encoding="utf-8")
    result = run("export", "moodle", path, "-o", out)
    assert result.exit_code == 1 and "set.jsonl:1: invalid JSON" in result.output
    assert out.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiz.xml", "set.jsonl"]  # no temporary left


@pytest.mark.parametrize("args,message", [
    (["html", "--mode", "exma"], "Did you mean 'exam'?"),
    (["moodle", "--category-by", "famliy"], "Did you mean 'family'?"),
    (["moodle", "--penalty", "1.5"], "1.5 is not in the range 0<=x<=1"),
    (["moodle"], "Missing option '-o'"),
])
def test_usage_errors_exit_2(set_path, tmp_path, args, message):
    command, *rest = args
    output = [] if args == ["moodle"] else ["-o", tmp_path / "x"]
    result = run("export", command, set_path, *output, *rest)
    assert result.exit_code == 2
    assert message in result.output


def test_missing_set_file_is_a_usage_error(tmp_path):
    result = run("export", "moodle", tmp_path / "nope.jsonl", "-o", tmp_path / "x.xml")
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize("command", [["export"], ["export", "moodle"], ["export", "html"]])
def test_help_has_examples(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output and "torchquiz export" in result.output


def test_html_mode_help_lists_exactly_the_issue_options():
    html = run("export", "html", "--help").output
    moodle = run("export", "moodle", "--help").output
    for option in ("--category-by", "--category-root", "--penalty", "--shuffle / --no-shuffle", "-o, --output"):
        assert option in moodle
    for option in ("--mode", "-o, --output"):
        assert option in html


def test_export_runs_in_a_real_process_without_importing_torch(set_path, tmp_path):
    code = ("import sys; from torchquiz.cli.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "assert 'torch' not in sys.modules, 'export imported torch'\n")
    for command in (["moodle", set_path, "-o", tmp_path / "q.xml"], ["html", set_path, "-o", tmp_path / "q.html"],
                    ["qti12", set_path, "-o", tmp_path / "c.zip"], ["qti21", set_path, "-o", tmp_path / "q.zip"],
                    ["gift", set_path, "-o", tmp_path / "q.txt"]):
        result = subprocess.run([sys.executable, "-c", code, "export", *map(str, command)],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
        assert "Wrote 12 questions" in result.stdout


def test_export_help_lists_every_registered_format():
    from torchquiz.exports.registry import FORMATS

    output = run("export", "--help").output
    assert set(FORMATS) == {"moodle", "html", "qti12", "qti21", "gift"}
    for name, fmt in FORMATS.items():
        assert name in output
        assert "Examples:" in run("export", name, "--help").output


@pytest.mark.parametrize("command,name", [("qti12", "canvas.zip"), ("qti21", "qti.zip"), ("gift", "quiz.txt")])
def test_export_lms_packages(set_path, tmp_path, command, name):
    import zipfile

    out = tmp_path / name
    result = run("export", command, set_path, "-o", out, "--category-by", "family")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Wrote 12 questions in 6 categories to {out}"
    if name.endswith(".zip"):
        assert "imsmanifest.xml" in zipfile.ZipFile(out).namelist()
    else:
        assert out.read_text(encoding="utf-8").count("$CATEGORY: ") == 6


def test_max_size_writes_numbered_files_each_a_whole_moodle_file(tmp_path):
    from export_records import replicated_records

    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in replicated_records(300)), encoding="utf-8")
    result = run("export", "moodle", path, "-o", tmp_path / "quiz.xml", "--max-size", "0.5")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.glob("quiz-*.xml"))
    assert len(written) >= 2 and written[0] == "quiz-01.xml" and not (tmp_path / "quiz.xml").exists()
    assert f"{len(written)} files: " in result.output
    total = 0
    for name in written:
        assert (tmp_path / name).stat().st_size < 500_000
        root = etree.parse(str(tmp_path / name)).getroot()
        total += sum(q.get("type") != "category" for q in root.iter("question"))
    assert total == 300
    # Exported again whole, then split in fewer parts: the parts left from before are named, not imported by mistake.
    again = subprocess.run([sys.executable, "-m", "torchquiz.cli", "export", "moodle", str(path), "-o", "quiz.xml"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and all(name in again.stderr for name in written)
    assert "left from an earlier export" in again.stderr
    fresh = subprocess.run([sys.executable, "-m", "torchquiz.cli", "export", "moodle", str(path), "-o", "new.xml"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert fresh.returncode == 0 and "Note:" not in fresh.stderr


def test_dash_writes_a_text_export_to_standard_output_and_refuses_a_package(set_path, tmp_path):
    out = subprocess.run([sys.executable, "-m", "torchquiz.cli", "export", "gift", str(set_path), "-o", "-"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0 and not (tmp_path / "-").exists()
    assert out.stdout.count("::") >= 12 and "to standard output" in out.stderr
    package = run("export", "qti12", set_path, "-o", "-")
    assert package.exit_code == 1 and "a zip package; give a file name" in package.output
    for zipped in ("qti12", "qti21"):  # and their help does not offer it
        assert "standard output" not in " ".join(run("export", zipped, "--help").output.split())
    assert "- for standard output, when it is one file" in " ".join(run("export", "moodle", "--help").output.split())


def test_html_title_heads_every_page_and_a_seed_without_a_shuffle_is_refused(set_path, tmp_path):
    """--title heads the page, every exam version and the key; --seed alone would change nothing, so it
    is refused with what to add instead of writing the set's order."""
    result = run("export", "html", set_path, "-o", tmp_path / "paper.html", "--mode", "exam", "--versions", "2",
                 "--title", "RNN week 3: test")
    assert result.exit_code == 0, result.output
    for part in ("A", "B", "key"):
        page = (tmp_path / f"paper-{part}.html").read_text()
        assert "<h1>RNN week 3: test" in page and "torchquiz exam" not in page
    alone = run("export", "html", set_path, "-o", tmp_path / "exam.html", "--mode", "exam", "--seed", "7")
    assert alone.exit_code == 1 and "--seed 7 orders a shuffled page or exam versions: add --shuffle" in alone.output
    assert not (tmp_path / "exam.html").exists()
    shuffled = run("export", "html", set_path, "-o", tmp_path / "exam.html", "--mode", "exam", "--seed", "7",
                   "--shuffle")
    assert shuffled.exit_code == 0, shuffled.output


def test_every_part_an_export_names_is_one_a_later_export_recognises(tmp_path):
    """output_paths names the files; earlier_outputs finds those names again (one PART_NAME for both)."""
    from export_records import replicated_records
    from torchquiz.exports.core import earlier_outputs, output_paths
    from torchquiz.exports.html_papers import html_pages

    records = replicated_records(3)
    exam = html_pages(records, mode="exam", versions=28, seed=1)   # A..Z, then 27, 28, and the key
    for files in (exam, ["one"], ["a"] * 12):
        out = tmp_path / f"run{len(files)}" / "paper.html"
        out.parent.mkdir()
        paths = output_paths(out, files)
        assert len(set(paths)) == len(files)
        for path in paths:
            path.write_text("x")
        (out.parent / "paper-notes.html").write_text("not a part")
        assert earlier_outputs(out, []) == sorted(paths)
        assert earlier_outputs(out, paths) == []
    assert [p.name for p in output_paths("paper.html", exam)][::13] == ["paper-A.html", "paper-N.html", "paper-27.html"]


def test_a_set_saved_with_a_bom_reads_and_a_file_that_is_no_set_is_not_listed_whole(set_path, tmp_path):
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + set_path.read_bytes())   # as an editor on Windows saves it
    assert run("export", "gift", bom, "-o", tmp_path / "q.gift.txt").exit_code == 0
    xml = tmp_path / "quiz.xml"
    assert run("export", "moodle", set_path, "-o", xml).exit_code == 0
    wrong = subprocess.run([sys.executable, "-m", "torchquiz.cli", "export", "gift", str(xml), "-o", "x.txt"],
                           capture_output=True, text=True, cwd=tmp_path)
    lines = wrong.stderr.splitlines()
    total = sum(1 for line in xml.read_text(encoding="utf-8").splitlines() if line.strip())
    assert wrong.returncode == 1 and total > 40
    assert len(lines) == 22 and lines[20] == f"... and {total - 20} more bad lines", lines[-3:]


def test_one_question_is_one_question(set_path, tmp_path):
    one = tmp_path / "one.jsonl"
    one.write_text(set_path.read_text().splitlines()[0] + "\n")
    result = run("export", "moodle", one, "-o", tmp_path / "one.xml")
    assert result.output.strip() == f"Wrote 1 question in 1 category to {tmp_path / 'one.xml'}"


@pytest.mark.parametrize("fmt", ["moodle", "html", "qti12", "qti21", "gift"])
@pytest.mark.parametrize("field,bad", [("stem", "What is printed? \x1b]52;c;cm0gLXJmIH4=\x1b\\\x1b[2J"),
                                       ("hint", "Look at the emoji \ud83d")])
def test_a_record_holding_a_control_character_or_half_a_character_is_refused(tmp_path, fmt, field, bad):
    """An ESC in a record reached the learner's terminal in the quiz (window title, clipboard, clear screen) and
    made QTI 2.1 items unparseable; a lone surrogate crashed export html and qti21 with a traceback."""
    records = edge_case_records()[:2]
    records[1][field] = bad
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")  # ensure_ascii: the surrogate as \ud83d
    out = tmp_path / "out"
    result = run("export", fmt, path, "-o", out)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert f"set.jsonl:2" in result.output and f"{field}: holds U+" in result.output
    assert not out.exists()
