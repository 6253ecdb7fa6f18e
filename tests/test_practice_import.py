"""Importing the practice page's saved files again: a file is known by its content (its set, saved_at and
each answer's question, time and response), never by the learner its file name or --learner gives, so the
same answers are never stored twice. The helpers and the real set come from test_moodle_import."""
import json

from torchquiz.engine.practice_import import import_practice

from conftest import torchquiz
from test_moodle_import import REPORTS, counts, practice_file, records, store  # noqa: F401 (records, store: fixtures)


def test_a_practice_file_imported_again_under_another_name_or_learner_is_recognised(store, tmp_path, records):
    """A saved file imported again as renamed.json (or with --learner) became a new learner, and every answer
    counted twice. The file's content names it: its set, saved_at and each answer's question and time."""
    path, _, _ = practice_file(tmp_path, records, name="grace")
    import_practice(store, [path])
    before = counts(store)
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes(path.read_bytes())
    (again,) = import_practice(store, [renamed])
    assert again.imported == 0 and counts(store) == before
    assert (again.learner, again.stored_as, again.stored_from) == ("renamed", "grace", "grace.json")
    (named,) = import_practice(store, [path], learner="bob")
    assert (named.imported, named.stored_as) == (0, "grace")
    data = json.loads(path.read_text())
    in_file = tmp_path / "carol.json"
    in_file.write_text(json.dumps(dict(data, learner="carol")))
    assert import_practice(store, [in_file])[0].stored_as == "grace"
    assert counts(store) == before
    later = tmp_path / "later.json"  # a later save holds the same answers (each with its time): none counts twice
    later.write_text(json.dumps(dict(data, saved_at="2026-11-29T11:00:00Z")))
    (again,) = import_practice(store, [later])
    assert (again.imported, again.earlier, again.earlier_from) == (0, 3, "grace.json") and counts(store) == before
    other = tmp_path / "other.json"  # answers given at other times are other answers, even to the same questions
    other.write_text(json.dumps(dict(data, saved_at="2026-11-30T11:00:00Z", answers=[
        dict(a, answered_at=a["answered_at"].replace("11-29", "11-30")) for a in data["answers"]])))
    assert import_practice(store, [other])[0].imported == 1


def test_a_practice_file_imported_while_its_key_held_the_learner_is_recognised(store, tmp_path, records):
    """Files imported before the key was the file's content (it held the learner's name) are found by their
    saved_at and every answer's question, position and time."""
    from torchquiz.engine.external_attempts import digest

    path, _, _ = practice_file(tmp_path, records, name="grace")
    import_practice(store, [path])
    data = json.loads(path.read_text())
    old_key = digest("practice", "grace", data["set"], data["saved_at"],
                     [(a["id"], a.get("answered_at")) for a in data["answers"]])
    with store.write() as conn:
        conn.execute("UPDATE external_sessions SET key = ?", (old_key,))
    before = counts(store)
    for again in (import_practice(store, [path])[0], import_practice(store, [path], learner="renamed")[0]):
        assert again.imported == 0 and counts(store) == before
        assert again.stored_as == "grace"
    shifted = tmp_path / "shifted.json"  # one answer's time differs: not the stored answers
    shifted.write_text(json.dumps(dict(data, answers=[dict(data["answers"][0], answered_at="2026-11-29T09:57:00Z")]
                                        + data["answers"][1:])))
    assert import_practice(store, [shifted])[0].imported == 1


def test_cli_says_whose_answers_a_renamed_practice_file_holds(tmp_path, records):
    db = tmp_path / "p.db"
    torchquiz("bank", "import", str(REPORTS / "set.jsonl"), "--db", str(db))
    path, _, _ = practice_file(tmp_path, records, name="grace")
    torchquiz("import", "practice", str(path), "--db", str(db), "--no-calibrate")
    renamed = tmp_path / "renamed.json"
    renamed.write_bytes(path.read_bytes())
    again = torchquiz("import", "practice", str(renamed), "--db", str(db), "--no-calibrate")
    assert again.stdout == ("renamed.json: 3 answer(s) already imported as grace's (the same saved answers as "
                            "grace.json), so not imported again as renamed.\n"), again.stdout
    named = torchquiz("import", "practice", str(path), "--learner", "bob", "--db", str(db), "--no-calibrate")
    assert named.stdout == "grace.json: 3 answer(s) already imported as grace's, so not imported again as bob.\n"
