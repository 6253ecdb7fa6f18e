"""`torchquiz bank verify`: a set made by this torch verifies; tampered or stale records are named by line and id."""
import json

import pytest

from torchquiz.cli.bank_verify import SetFileError, compare_records, read_set

from conftest import ROOT, torchquiz

# One template per answer source: a probe with shown code, computed, stdout, exception, curated-free shortanswer.
TEMPLATES = ["equivalence.output_slice", "metrics.threshold", "packing.sorted_indices", "packing.total_length",
             "pipeline.stage_shape_typed", "metrics.regression_error_numerical"]


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    path = tmp_path_factory.mktemp("verify") / "set.jsonl"
    args = [a for t in TEMPLATES for a in ("--template", t)]
    torchquiz("generate", *args, "--count", "3", "--seed", "5", "--workers", "2", "-o", str(path))
    return path, path.read_text().splitlines()


def _write(tmp_path, lines, name="tampered.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_set_made_with_this_torch_verifies(small_set):
    path, lines = small_set
    result = torchquiz("bank", "verify", str(path), "--workers", "2")
    assert f"{len(lines)} records checked" in result.stderr and "0 changed" in result.stderr
    assert result.stdout == ""


def test_an_edited_key_is_reported_by_line_and_id_with_exit_1(small_set, tmp_path):
    _, lines = small_set
    record = json.loads(lines[4])
    stored_key = record["answer"]["text"]
    record["answer"]["text"] = "(99, 99)"
    lines = [*lines[:4], json.dumps(record), *lines[5:]]
    result = torchquiz("bank", "verify", str(_write(tmp_path, lines)), check=False)
    assert result.returncode == 1
    reported = result.stdout.splitlines()
    assert reported == [f"{tmp_path / 'tampered.jsonl'}:5: {record['id']}: key changed: stored '(99, 99)', "
                        f"torch now gives {stored_key!r}"]
    assert "1 changed" in result.stderr


def test_an_edited_run_and_swapped_options_are_reported(small_set, tmp_path):
    _, lines = small_set
    with_code = next(i for i, line in enumerate(lines) if json.loads(line)["code"] and json.loads(line)["options"])
    record = json.loads(lines[with_code])
    record["run"]["stdout"] = "something torch never printed\n"
    right = next(i for i, o in enumerate(record["options"]) if o["correct"])
    other = (right + 1) % len(record["options"])
    record["options"][right]["correct"], record["options"][other]["correct"] = False, True
    lines = [*lines[:with_code], json.dumps(record), *lines[with_code + 1:]]
    result = torchquiz("bank", "verify", str(_write(tmp_path, lines)), check=False)
    assert result.returncode == 1
    out = result.stdout
    assert f":{with_code + 1}: {record['id']}: run changed" in out
    assert f":{with_code + 1}: {record['id']}: options changed" in out


def test_bad_lines_and_unknown_templates_no_longer_reproduce(small_set, tmp_path):
    _, lines = small_set
    ghost = json.loads(lines[0])
    ghost["template"] = "shape.removed_long_ago"
    lines = ["{not json", json.dumps(ghost), *lines[1:3]]
    result = torchquiz("bank", "verify", str(_write(tmp_path, lines)), check=False)
    assert result.returncode == 1
    out = result.stdout.splitlines()
    assert ":1: ?: invalid JSON: Expecting property name enclosed in double quotes" in out[0]
    assert out[1].endswith(f":2: {ghost['id']}: no longer reproduces: template 'shape.removed_long_ago' is not in the bank")
    assert len(out) == 2


def test_a_template_edited_since_is_checked_with_its_parameters_pinned(tmp_path):
    bank = tmp_path / "bank"
    (bank / "packing").mkdir(parents=True)
    source = ROOT / "bank" / "packing" / "total_length.yaml"
    template = bank / "packing" / "total_length.yaml"
    # Without its rule, so that a changed key reaches the comparison instead of failing double entry.
    template.write_text(source.read_text().replace("id: packing.total_length", "id: packing.mine")
                        .replace("rule: pad_packed_result\n", ""))
    path = tmp_path / "set.jsonl"
    common = ["--no-builtin", "--bank", str(bank)]
    torchquiz("generate", "--template", "packing.mine", "--count", "6", "--seed", "1", *common, "-o", str(path))
    # A new hint changes the template's version, so every id changes, but no key does.
    template.write_text(template.read_text().replace("hint: total_length sets", "hint: The argument total_length sets"))
    result = torchquiz("bank", "verify", str(path), *common)
    assert "0 changed" in result.stderr
    # Now the code itself prints something else: every key drifts.
    template.write_text(template.read_text().replace("print(output.shape)", "print(output.shape[::-1])"))
    result = torchquiz("bank", "verify", str(path), *common, check=False)
    assert result.returncode == 1
    assert "key changed" in result.stdout and "compared with its parameters pinned" in result.stdout
    assert "6 changed or failed to reproduce" in result.stderr


def test_compare_records_names_each_kind_of_change():
    stored = {"id": "x:1", "answer": {"text": "1"}, "run": {"stdout": "1\n", "exception": None}, "code": "print(1)",
              "options": [], "stem": "Q?", "provenance": {"torch": "old"}}
    same = {**stored, "provenance": {"torch": "new"}}
    assert compare_records(stored, same) == []
    drifted = {**same, "answer": {"text": "2"}, "run": {"stdout": "2\n", "exception": None}, "stem": "Q!"}
    changes = compare_records(stored, drifted)
    assert changes[0] == "key changed: stored '1', torch now gives '2'"
    assert changes[1].startswith("run changed") and changes[2] == "record differs in: stem"
    assert compare_records(stored, drifted, pinned=True)[-1].startswith("run changed")


def test_read_set_reports_missing_files_and_non_records(tmp_path):
    with pytest.raises(SetFileError, match="No such file"):
        read_set(tmp_path / "absent.jsonl")
    path = tmp_path / "odd.jsonl"
    path.write_text('{"id": "a"}\n\n[1, 2]\n')
    entries = read_set(path)
    assert [(n, p.split(" (")[0]) for n, _, p in entries] == [(1, "not a question record"), (3, "not a question record")]


def test_an_absent_device_is_an_error_not_a_traceback(small_set):
    path, _ = small_set
    result = torchquiz("bank", "verify", str(path), "--device", "mps", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_verify_help_has_examples():
    result = torchquiz("bank", "verify", "--help")
    assert "Examples:" in result.stdout and "Exit code 1" in result.stdout
