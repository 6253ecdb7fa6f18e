"""`torchquiz bank verify`: a set made by this torch verifies; tampered or stale records are named by line and id."""
import json

import pytest

from torchquiz.generator.verify import compare_records
from torchquiz.record.answers import canonical_line, last_line
from torchquiz.record.errors import RecordError
from torchquiz.record.jsonl import read_set

from conftest import ROOT, torchquiz

# One template per answer source: a probe with shown code, computed, stdout, exception, curated-free shortanswer;
# the last two and the first make two question types each.
TEMPLATES = ["equivalence.output_slice", "metrics.threshold", "packing.sorted_indices", "packing.total_length",
             "pipeline.stage_shape", "metrics.regression_error"]
# One record of each template that was a twin file before the merge into several-type templates, as
# `torchquiz generate --count 2 --seed 7` wrote them then.
PRE_MERGE_SET = ROOT / "tests" / "fixtures" / "pre_merge_twins.jsonl"


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
    assert ": 1 changed or failed to reproduce; 1 bad line(s), not records, not checked" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("3 records checked")


def test_a_set_made_before_the_twin_templates_merged_still_verifies_and_imports(tmp_path):
    old = [json.loads(line) for line in PRE_MERGE_SET.read_text().splitlines()]
    assert {r["template"] for r in old} >= {"shape.recurrent_output_typed", "pipeline.last_hidden_all"}
    result = torchquiz("bank", "verify", str(PRE_MERGE_SET), "--workers", "2", check=False)
    # One change is expected, and it is display only: a stdout key is now shown as the code printed it, so the
    # regression record's '0.920' (round: 3 padded what print(round(x, 3)) wrote) reads as its run printed it.
    # The same number: the stored run, code and value are what torch gives today.
    (index, regression), = [(i, r) for i, r in enumerate(old) if r["template"] == "metrics.regression_error_numerical"]
    printed = canonical_line(last_line(regression["run"]["stdout"]))
    assert regression["answer"]["text"] != printed and float(regression["answer"]["text"]) == float(printed)
    where = f"{PRE_MERGE_SET}:{index + 1}: {regression['id']}: "
    assert result.stdout.splitlines() == [
        f"{where}key shown differently: stored {regression['answer']['text']!r}, now {printed!r} (the same number)",
        f"{where}(the template changed since the set was made: compared with its parameters pinned)"]
    assert f"{len(old)} records checked" in result.stderr and "1 changed" in result.stderr
    # A stale key in an old record is still caught: the merged template really rebuilt it.
    old[0]["answer"]["text"] = "(99, 99)"
    stale = _write(tmp_path, [json.dumps(r) for r in old], "stale.jsonl")
    result = torchquiz("bank", "verify", str(stale), "--workers", "2", check=False)
    assert result.returncode == 1 and f":1: {old[0]['id']}: key changed: stored '(99, 99)'" in result.stdout
    imported = torchquiz("bank", "import", str(PRE_MERGE_SET), "--db", str(tmp_path / "quiz.db"))
    assert f"Imported {len(old)} question(s)" in imported.stdout + imported.stderr


def test_each_type_of_a_several_type_template_verifies_as_its_own_form(small_set):
    _, lines = small_set
    kinds = {json.loads(line)["type"] for line in lines if json.loads(line)["template"] == "pipeline.stage_shape"}
    assert kinds == {"multichoice", "shortanswer"}  # and test_a_set_made_with_this_torch_verifies rebuilds both


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
    with pytest.raises(RecordError, match="No such file"):
        read_set(tmp_path / "absent.jsonl")
    path = tmp_path / "odd.jsonl"
    path.write_text('{"id": "a"}\n\n[1, 2]\n')
    entries, bad = read_set(path)
    assert entries == [] and [b.line for b in bad] == [1, 3]
    assert str(bad[0]).startswith(f"{path}:1 (a): ") and "is a required property" in bad[0].message
    assert str(bad[1]) == f"{path}:3: expected a JSON object, got list"


def test_an_absent_device_is_an_error_not_a_traceback(small_set):
    path, _ = small_set
    result = torchquiz("bank", "verify", str(path), "--device", "mps", check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def test_verify_help_has_examples():
    result = torchquiz("bank", "verify", "--help")
    assert "Examples:" in result.stdout and "Exit code 1" in result.stdout
