"""Reading set files back: what jsonl_text writes is read as written, and hostile lines are one problem each."""
import json

import pytest

from export_records import edge_case_records
from torchquiz.record.errors import RecordError
from torchquiz.record.jsonl import jsonl_text, load_records, read_set


def write_with(tmp_path, separator):
    # jsonl_text writes these raw (ensure_ascii=False); they are legal inside a JSON string and are no
    # line break of JSON Lines, which str.splitlines() treated them as.
    records = edge_case_records()
    records[0]["hint"] += f"{separator}(see the lecture notes)"
    records[1]["stem"] = f"{separator}{records[1]['stem']}{separator}"
    path = tmp_path / "set.jsonl"
    path.write_text(jsonl_text(records), encoding="utf-8")
    assert path.read_bytes().count(b"\n") == len(records)
    return path, records


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_a_set_with_unicode_line_separators_in_its_texts_reads_back(tmp_path, separator):
    path, records = write_with(tmp_path, separator)
    assert load_records(path) == records


def test_next_line_u0085_is_no_line_break_either(tmp_path):
    # U+0085 is a C1 control, which the record check may refuse as text; but it is refused in the
    # record's own line and field, never as broken JSON on lines that do not exist.
    path, records = write_with(tmp_path, "\u0085")
    entries, problems = read_set(path)
    assert not [p for p in problems if "invalid JSON" in p.message]
    assert sorted([n for n, _ in entries] + [p.line for p in problems]) == list(range(1, len(records) + 1))
    assert {p.line for p in problems} <= {1, 2}


def test_windows_line_endings_still_read(tmp_path):
    records = edge_case_records()
    path = tmp_path / "set.jsonl"
    path.write_bytes(jsonl_text(records).replace("\n", "\r\n").encode("utf-8"))
    assert load_records(path) == records


def test_a_deeply_nested_line_is_one_bad_line(tmp_path):
    records = edge_case_records()
    deep_extra = dict(records[1], extra=json.loads("[" * 500 + "]" * 500))  # parses, then the checks recurse
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(records[0]) + "\n" + "[" * 100000 + "\n" + json.dumps(deep_extra) + "\n",
                    encoding="utf-8")
    entries, problems = read_set(path)
    assert [number for number, _ in entries] == [1]
    assert [str(p) for p in problems] == [f"{path}:2: invalid JSON: nested too deeply",
                                          f"{path}:3: invalid JSON: nested too deeply"]
    with pytest.raises(RecordError, match=r"set.jsonl:2: invalid JSON: nested too deeply"):
        load_records(path)
