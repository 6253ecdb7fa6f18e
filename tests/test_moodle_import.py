"""Importing real Moodle 4.3 report downloads (../shared/moodle-reports/) and practice-page files
into a real SQLite store: every row matched, idempotent, one transaction per file, and a one-line
error for every kind of bad input."""
import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from torchquiz.engine.external_attempts import moodle_quiz_statistics
from torchquiz.engine.moodle_import import UnmatchedResponses, import_moodle
from torchquiz.engine.moodle_reports import ReportError
from torchquiz.engine.moodle_stats import moodle_percent
from torchquiz.engine.practice_import import import_practice
from torchquiz.engine.store import Store

from conftest import torchquiz

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "moodle-reports"
TABLES = ("learners", "sessions", "attempts", "external_sessions", "external_marks", "abilities")


@pytest.fixture(scope="module")
def records():
    if not (REPORTS / "set.jsonl").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REPORTS} is missing: CI must import the real Moodle downloads")
        pytest.skip(f"{REPORTS} is not here (outside CI the shared data is optional)")
    return [json.loads(line) for line in (REPORTS / "set.jsonl").read_text().splitlines()]


@pytest.fixture
def store(tmp_path, records):
    with Store.open(tmp_path / "class.db") as store:
        store.add_questions(records)
        yield store


def counts(store):
    names = set(store.db.table_names())
    return {t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] if t in names else 0 for t in TABLES}


def test_every_row_is_matched_and_a_second_import_changes_nothing(store):
    result = import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    assert (result.attempts, result.imported, result.responses, result.problems) == (150, 150, 1800, [])
    assert result.correct == 1027 and result.disagreements == 0  # the README's count; our grading agrees with Moodle
    wrong = store.conn.execute("SELECT count(*), count(misconception) FROM attempts WHERE correct = 0").fetchone()
    assert wrong[0] == 773 and wrong[1] >= 700  # every wrong option or typed answer names its misconception
    assert store.conn.execute("SELECT count(*) FROM learners WHERE name = 'calib001@example.com'").fetchone()[0] == 1
    before = counts(store)
    again = import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    assert (again.imported, again.already, again.responses) == (0, 150, 0)
    assert any("the 150 attempt(s) imported before with a Grades report keep the marks it gave them" in note
               for note in again.notes)
    assert (again.kept, again.remarked) == (150, 0)
    assert counts(store) == before


def test_statistics_from_the_store_match_moodles_statistics_csv(store):
    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    (stats,) = moodle_quiz_statistics(store).values()
    by_hash = {qid.split(":")[1]: s for qid, s in stats["questions"].items()}
    rows = list(csv.reader(io.StringIO((REPORTS / "statistics.csv").read_text(encoding="utf-8-sig"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Q#") + 1
    checked = 0
    for row in rows[start:]:
        if "." in row[0]:
            item = by_hash[re.search(r"\] ([0-9a-f]{12}):", row[2]).group(1)]
        else:
            item = stats["slots"][int(row[0]) - 1]
        assert item.s == int(row[3])
        for value, shown in ((item.facility * 100, row[4]), (item.sd * 100, row[5]), (item.effectiveweight, row[8]),
                             (item.discriminationindex, row[9]), (item.discriminativeefficiency, row[10])):
            assert moodle_percent(value) == shown, (row[0], row[2][:40], value, shown)
            checked += 1
    assert checked == 60 * 5


def test_facility_in_stats_is_moodles_facility_index_for_every_question(store):
    # torchquiz stats said 0.56 where Moodle's statistics.csv says 75.31%: it counted only fully right answers,
    # dropping Moodle's partial credit. Every question of the real download now agrees to Moodle's shown digits.
    from torchquiz.engine.item_stats import item_statistics
    from torchquiz.engine.template_report import template_report

    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    rows = list(csv.reader(io.StringIO((REPORTS / "statistics.csv").read_text(encoding="utf-8-sig"))))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Q#") + 1
    moodle = {re.search(r"\] ([0-9a-f]{12}):", r[2]).group(1): float(r[4].rstrip("%")) / 100
              for r in rows[start:] if "." in r[0]}
    stats = {q["id"].split(":")[1]: q for q in item_statistics(store, min_attempts=1)["questions"]}
    by_template = {q["id"].split(":")[1]: q for t in template_report(store)["templates"] for q in t["questions"]}
    partial = 0
    for digest, facility in moodle.items():
        assert stats[digest]["facility"] == pytest.approx(facility, abs=0.0006), digest
        assert by_template[digest]["facility"] == pytest.approx(facility, abs=0.0006), digest
        right = store.conn.execute("SELECT avg(correct) FROM attempts WHERE question_id LIKE ?", (f"%{digest}",))
        partial += abs(right.fetchone()[0] - facility) > 0.001
    assert len(moodle) == 48 and partial > 0        # some questions have partial credit: the check can fail


def test_partial_credit_comes_from_moodles_rule(store):
    import_moodle(store, REPORTS / "responses.csv")  # without the Grades report: our grading by Moodle's rules
    marks = {m for (m,) in store.conn.execute("SELECT DISTINCT mark FROM external_marks")}
    assert marks == {0.5, 0.6666667}  # one of two right; both right and one wrong of three (whole marks: `correct`)


def test_blanks_in_progress_and_absent_students(store):
    result = import_moodle(store, REPORTS / "blank" / "responses_blank.csv", REPORTS / "blank" / "grades_blank.csv")
    assert (result.attempts, result.imported, result.blanks) == (2, 2, 8)
    assert any("row 2" in n and "no attempt" in n for n in result.notes)
    assert any("in progress" in n for n in result.notes)
    skipped = store.conn.execute("SELECT count(*) FROM attempts WHERE skipped = 1 AND correct IS NULL").fetchone()[0]
    assert skipped == 8


def rewrite(tmp_path, name, change):
    text = (REPORTS / name).read_text(encoding="utf-8-sig")
    path = tmp_path / name
    path.write_text("\ufeff" + change(text), encoding="utf-8")
    return path


def rewrite_rows(tmp_path, name, change):
    """rewrite() of the report's CSV rows: `change(rows)` returns the rows to write."""
    def edit(text):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(change(list(csv.reader(io.StringIO(text)))))
        return out.getvalue()

    return rewrite(tmp_path, name, edit)


@pytest.mark.parametrize("name,change,message", [
    ("responses.csv", lambda t: t.replace('","', '";"').replace(",", ";"), "';' separators"),
    ("responses.csv", lambda t: "\n".join(t.splitlines()[:5] + [t.splitlines()[5][:300]]), "row 6 has"),
    ("set.jsonl", lambda t: t, "not a Moodle Responses or Grades report"),
    ("responses.csv", lambda t: t.replace('"Last name","First name","Email address",State,"Started on"',
                                          '"Nom","Prénom","Adresse de courriel","État","Commencé le"', 1),
     "with the site language set to English"),
    ("responses.csv", lambda t: t.replace('"Question ', '"Texte ', 30), "a Responses report without the question text"),
    ("grades.csv", lambda t: t, "this is a Grades report"),
])
def test_bad_files_get_a_one_line_error_and_import_nothing(store, tmp_path, name, change, message):
    path = rewrite(tmp_path, name, change)
    before = counts(store)
    with pytest.raises(ReportError, match=re.escape(message)) as error:
        import_moodle(store, path)
    assert "\n" not in str(error.value)
    assert counts(store) == before


def test_decimal_commas_in_the_grades_report(store, tmp_path):
    grades = rewrite(tmp_path, "grades.csv", lambda t: t.replace("0.83,", '"0,83",'))
    with pytest.raises(ReportError, match="decimal comma"):
        import_moodle(store, REPORTS / "responses.csv", grades)


def test_grades_of_another_quiz(store):
    with pytest.raises(ReportError, match="another quiz"):
        import_moodle(store, REPORTS / "responses.csv", REPORTS / "blank" / "grades_blank.csv")


def test_a_grades_report_cut_short_is_called_that(store, tmp_path):
    grades = rewrite(tmp_path, "grades.csv", lambda t: "\n".join(t.splitlines()[:100]) + "\n")
    with pytest.raises(ReportError, match=r"which holds 99 attempts: it is cut short \(download it again, whole\)"):
        import_moodle(store, REPORTS / "responses.csv", grades)
    assert counts(store)["attempts"] == 0


def test_unknown_questions_are_listed_with_rows_and_nothing_is_imported(tmp_path, records):
    hard_numerical = next(r for r in records if r["id"].endswith("a8ef554183cc"))
    with Store.open(tmp_path / "partial.db") as store:
        store.add_questions([r for r in records if r is not hard_numerical])
        with pytest.raises(UnmatchedResponses, match="match no stored question") as error:
            import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
        assert len(error.value.problems) == 44  # Moodle's statistics: 44 attempts drew it
        assert all(re.match(r"row \d+, question 4: no stored question reads", p) for p in error.value.problems)
        assert counts(store)["attempts"] == 0
        result = import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv", skip_unmatched=True)
        assert result.imported == 150 - 44 and len(result.problems) == 44
        assert (result.skipped, result.skipped_responses) == (44, 44 * 12)   # whole attempts, all their responses
    with Store.open(tmp_path / "cli.db") as store:
        store.add_questions([r for r in records if r is not hard_numerical])
    out = torchquiz("import", "moodle", str(REPORTS / "responses.csv"), "--skip-unmatched", "--db",
                    str(tmp_path / "cli.db"), "--no-calibrate")
    assert "106 attempt(s) with 1272 responses imported; 44 attempt(s) with 528 responses skipped, because 44 " \
           "of their responses match no stored question" in out.stdout
    listed = [line for line in out.stderr.splitlines() if "no stored question reads" in line]
    assert len(listed) == 1 and " and 39 more: question 4: no stored question reads" in listed[0]  # not 44 lines


def test_skipping_every_attempt_is_an_error_not_an_empty_success(tmp_path, records):
    template = next(r for r in records if r["id"].endswith("a8ef554183cc"))["template"]
    with Store.open(tmp_path / "partial.db") as store:
        store.add_questions([r for r in records if r["template"] != template])   # a whole random slot missing
        with pytest.raises(UnmatchedResponses, match="every finished attempt holds a question that is not"):
            import_moodle(store, REPORTS / "responses.csv", skip_unmatched=True)
        assert counts(store)["attempts"] == 0


def test_a_store_without_the_set_is_another_quiz(tmp_path):
    with Store.open(tmp_path / "empty.db") as store:
        with pytest.raises(ReportError, match="quiz on other questions"):
            import_moodle(store, REPORTS / "responses.csv")


def test_a_question_matched_twice(tmp_path, records):
    twin = json.loads(json.dumps(next(r for r in records if r["id"].endswith("7fd1b3ba3cf9"))))
    twin["id"] = twin["id"].replace("7fd1b3ba3cf9", "000000000000")
    with Store.open(tmp_path / "twins.db") as store:
        store.add_questions(records + [twin])
        with pytest.raises(ReportError, match="question matched twice"):
            import_moodle(store, REPORTS / "responses.csv")
        assert counts(store)["attempts"] == 0


def practice_file(tmp_path, records, name="ada", **changes):
    by_type = {}
    for r in records:
        by_type.setdefault(r["type"], r)
    mc, num = by_type["multichoice"], by_type["numerical"]
    right = "ABCD"[[o["correct"] for o in mc["options"]].index(True)]
    wrong = next(i for i, o in enumerate(mc["options"]) if not o["correct"])
    data = {"format": "torchquiz-practice", "version": 1, "set": "0123456789abcdef",
            "saved_at": "2026-11-29T10:00:00Z", "answers": [
                {"id": mc["id"], "response": right, "correct": True, "seconds": 12.5,
                 "answered_at": "2026-11-29T09:58:00Z"},
                {"id": mc["id"], "response": "ABCD"[wrong], "correct": False, "seconds": 3.0,
                 "answered_at": "2026-11-29T09:59:00Z"},
                {"id": num["id"], "response": num["misconception_answers"][0]["text"], "correct": False,
                 "seconds": 20, "answered_at": "2026-11-29T09:59:30Z"}]}
    data.update(changes)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path, mc["options"][wrong]["misconception"], num["misconception_answers"][0]["misconception"]


def test_practice_files_import_once_with_misconceptions(store, tmp_path, records):
    path, option_mistake, typed_mistake = practice_file(tmp_path, records)
    (result,) = import_practice(store, [path])
    assert (result.learner, result.answers, result.imported, result.correct, result.disagreements) == \
        ("ada", 3, 1, 1, 0)
    got = store.conn.execute("SELECT misconception FROM attempts ORDER BY id").fetchall()
    assert got == [(None,), (option_mistake,), (typed_mistake,)]
    before = counts(store)
    (again,) = import_practice(store, [path])
    assert again.imported == 0 and counts(store) == before


@pytest.mark.parametrize("changes,message", [
    ({"format": "something-else"}, "not a torchquiz practice file"),
    ({"version": 2}, "version 2"),
    ({"set": "xyz"}, "set='xyz'"),
    ({"answers": [{"id": "nope:000", "response": "A", "correct": True}]}, "unknown question 'nope:000'"),
])
def test_bad_practice_files(store, tmp_path, records, changes, message):
    path, _, _ = practice_file(tmp_path, records, **changes)
    with pytest.raises(ReportError, match=re.escape(message)):
        import_practice(store, [path])
    assert counts(store)["attempts"] == 0


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1])
def test_a_practice_file_with_impossible_times_or_a_numeric_learner_is_refused(store, tmp_path, records, seconds):
    path, _, _ = practice_file(tmp_path, records)
    data = json.loads(path.read_text())
    data["answers"][0]["seconds"] = seconds          # json writes NaN and Infinity; Python reads them back
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match="expected a number of seconds"):
        import_practice(store, [path])
    named, _, _ = practice_file(tmp_path, records, name="bob", learner=5)
    with pytest.raises(ReportError, match="learner=5: expected the learner's name as text"):
        import_practice(store, [named])
    assert counts(store)["attempts"] == 0


@pytest.mark.parametrize("field,value,message", [
    ("answered_at", {"a": 1}, "answers[0].answered_at={'a': 1}: expected a date and time"),
    ("answered_at", 5, "answers[0].answered_at=5: expected a date and time"),
    ("answered_at", "yesterday", "answers[0].answered_at='yesterday': expected a date and time"),
    ("answered_at", "2026-02-30T10:00:00.000Z", "answers[0].answered_at='2026-02-30T10:00:00.000Z': expected"),
    ("saved_at", "not a date", "saved_at='not a date': expected a date and time"),
    ("saved_at", 5, "saved_at=5: expected a date and time"),
    ("hint_used", {"x": [1]}, "answers[0].hint_used={'x': [1]}: expected true or false"),
    ("hint_used", "yes", "answers[0].hint_used='yes': expected true or false"),
    ("response", "9" * 10_001, "answers[0].response: 10,001 characters; no answer is longer than 10,000"),
])
def test_a_practice_file_with_a_bad_time_hint_or_response_is_refused_and_stores_nothing(
        store, tmp_path, records, field, value, message):
    """These went into the store unchecked: a dict answered_at ended in an sqlite3 traceback, 5 or "not a date"
    became a learner's created_at, any hint_used counted as true, and a 50 MB response was stored."""
    path, _, _ = practice_file(tmp_path, records)
    data = json.loads(path.read_text())
    if field == "saved_at":
        data[field] = value
    else:
        data["answers"][0][field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(ReportError, match=re.escape(f"{path}: {message}")):
        import_practice(store, [path])
    assert counts(store)["attempts"] == counts(store)["learners"] == 0


def test_the_times_the_page_writes_are_accepted(store, tmp_path, records):
    path, _, _ = practice_file(tmp_path, records, saved_at="2026-11-29T10:00:00.123Z")
    data = json.loads(path.read_text())
    data["answers"][0].update(answered_at="2026-11-29T09:58:00.000+01:00", hint_used=True)
    data["answers"][1]["response"] = "A" + " " * 9_999
    path.write_text(json.dumps(data))
    (result,) = import_practice(store, [path])
    assert result.answers == 3
    assert store.conn.execute("SELECT created_at FROM learners").fetchall() == [("2026-11-29T09:58:00.000+01:00",)]
    assert store.conn.execute("SELECT sum(hint_used) FROM attempts").fetchone() == (1,)


def test_a_deeply_nested_practice_file_is_a_one_line_error(store, tmp_path, records):
    path, _, _ = practice_file(tmp_path, records)
    text = path.read_text()
    for nested in ("[" * 200_000 + "]" * 200_000, "[" * 500 + "]" * 500):  # the decoder gives up; repr() would
        path.write_text(text.replace('"answers": [', f'"answers": [{nested}, ', 1))
        with pytest.raises(ReportError, match=re.escape(f"{path}: not a practice page's saved answers: "
                                                        "its JSON is nested too deeply")):
            import_practice(store, [path])
    assert counts(store)["attempts"] == 0


def test_a_learner_name_with_a_control_character_or_line_break_is_refused(store, tmp_path, records):
    named, _, _ = practice_file(tmp_path, records, name="bob", learner="bob\nImported 999 question(s)")
    with pytest.raises(ReportError, match=re.escape(r"learner 'bob\nImported 999 question(s)' holds a control "
                                                    "character or a line break")):
        import_practice(store, [named])
    plain, _, _ = practice_file(tmp_path, records, name="ada")
    for name in ("\x1b[2Jeve", "eve\u2028", "eve\x85", "a\tb"):
        with pytest.raises(ReportError, match=re.escape(f"--learner {name!r} holds a control character")):
            import_practice(store, [plain], learner=name)
    escaped, _, _ = practice_file(tmp_path, records, name="\x1b]0;owned\x07eve")
    with pytest.raises(ReportError, match="the learner named after the file or its folder .* holds a control"):
        import_practice(store, [escaped])
    folder = tmp_path / "line\u2029break"
    folder.mkdir()
    in_folder = folder / "torchquiz-answers-0123456789abcdef.json"
    in_folder.write_text(plain.read_text())
    with pytest.raises(ReportError, match="the learner named after the file or its folder 'line"):
        import_practice(store, [in_folder])
    assert counts(store)["attempts"] == counts(store)["learners"] == 0


def test_cli_imports_then_calibrates_and_reports_errors_in_one_line(tmp_path, records):
    db = tmp_path / "cli.db"
    torchquiz("bank", "import", str(REPORTS / "set.jsonl"), "--db", str(db))
    first = torchquiz("import", "moodle", str(REPORTS / "responses.csv"), "--grades", str(REPORTS / "grades.csv"),
                      "--db", str(db))
    assert "150 attempt(s) with 1800 responses imported" in first.stdout
    assert "150 imported learners placed" in first.stdout
    again = torchquiz("import", "moodle", str(REPORTS / "responses.csv"), "--db", str(db))
    assert "0 attempt(s)" in again.stdout and "150 already imported" in again.stdout
    with Store.open(db) as store:  # the id the report heads "Moodle's statistics for ..." with, in both summaries
        (quiz,) = moodle_quiz_statistics(store)
    assert quiz.startswith("moodle:")
    assert f"`torchquiz stats --by-template` shows this quiz as {quiz}." in first.stdout
    assert f"shows this quiz as {quiz}." in again.stdout
    bad = torchquiz("import", "moodle", str(REPORTS / "grades.csv"), "--db", str(db), check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("Error: ") and bad.stderr.count("\n") == 1
    with Store.open(db) as store:
        placed = store.conn.execute("SELECT count(*), min(mean), max(mean) FROM abilities WHERE topic = '*'").fetchone()
        assert placed[0] == 150 and placed[1] < -0.5 < 0.5 < placed[2]


@pytest.mark.parametrize("with_grades", [True, False])
def test_stats_by_template_shows_moodles_quiz_information(store, with_grades):
    """The quiz-level figures were computed (and tested) but no command showed them. Without the Grades
    report they agree too: each attempt's total picks the split its multiple-answer marks were made with."""
    from torchquiz.engine.report_page import report_page
    from torchquiz.engine.template_report import render_text, template_report

    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv" if with_grades else None)
    rows = list(csv.reader(io.StringIO((REPORTS / "statistics.csv").read_text(encoding="utf-8-sig"))))
    shown = dict(zip(rows[0], rows[1]))
    expected = (f"150 attempts, average {shown['Average grade of all attempts']}, "
                f"median {shown['Median grade (for highest graded attempt)']}, "
                f"SD {shown['Standard deviation (for highest graded attempt)']}, "
                f"CIC {shown['Coefficient of internal consistency (for highest graded attempt)']}, "
                f"error ratio {shown['Error ratio (for highest graded attempt)']}, "
                f"standard error {shown['Standard error (for highest graded attempt)']}, "
                f"skewness {shown['Score distribution skewness (for highest graded attempt)']}, "
                f"kurtosis {shown['Score distribution kurtosis (for highest graded attempt)']}")
    data = template_report(store)
    assert any(line.endswith(expected) for line in render_text(data))
    assert f"Quiz information: {expected}." in report_page(data)


def test_quiz_level_statistics_match_moodles_quiz_information(store):
    from torchquiz.engine.external_attempts import moodle_marks
    from torchquiz.engine.moodle_stats import QuestionAttempt, Slot, quiz_statistics

    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    attempts = [QuestionAttempt(session, slot, qid, mark) for _, session, slot, qid, mark in moodle_marks(store)]
    figures = quiz_statistics(attempts, [Slot(n, random=True) for n in range(1, 13)])
    rows = list(csv.reader(io.StringIO((REPORTS / "statistics.csv").read_text(encoding="utf-8-sig"))))
    shown = dict(zip(rows[0], rows[1]))
    assert moodle_percent(figures["average"]) == shown["Average grade of all attempts"]
    assert moodle_percent(figures["median"]) == shown["Median grade (for highest graded attempt)"]
    assert moodle_percent(figures["sd"]) == shown["Standard deviation (for highest graded attempt)"]
    assert f"{figures['skewness']:.4f}" == shown["Score distribution skewness (for highest graded attempt)"]
    assert f"{figures['kurtosis']:.4f}" == shown["Score distribution kurtosis (for highest graded attempt)"]
    assert moodle_percent(figures["cic"]) == shown["Coefficient of internal consistency (for highest graded attempt)"]
    assert moodle_percent(figures["error_ratio"]) == shown["Error ratio (for highest graded attempt)"]
    assert moodle_percent(figures["standard_error"]) == shown["Standard error (for highest graded attempt)"]


def test_cli_practice_import_and_no_torch(tmp_path, records):
    import subprocess
    import sys

    from conftest import ROOT

    db = tmp_path / "p.db"
    torchquiz("bank", "import", str(REPORTS / "set.jsonl"), "--db", str(db))
    path, _, _ = practice_file(tmp_path, records, name="grace")
    code = ("import sys; from torchquiz.cli.main import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
            "assert 'torch' not in sys.modules, 'import loaded torch'\n")
    for args in (["import", "practice", str(path), "--db", str(db)],
                 ["import", "moodle", str(REPORTS / "responses.csv"), "--db", str(db)]):
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stderr
    again = torchquiz("import", "practice", str(path), "--db", str(db), "--no-calibrate")
    assert "grace.json: 3 answer(s) of grace already imported" in again.stdout


def test_the_learner_of_a_practice_file_comes_from_its_name_or_folder(tmp_path):
    from torchquiz.engine.practice_import import learner_from_path

    assert learner_from_path(tmp_path / "ada.json") == "ada"
    folder = tmp_path / "grace"
    folder.mkdir()
    assert learner_from_path(folder / "torchquiz-answers-0123456789abcdef.json") == "grace"
    assert learner_from_path(folder / "torchquiz-answers-0123456789abcdef (1).json") == "grace"


def test_a_response_that_is_none_of_the_options_is_noted(store, tmp_path):
    chosen = "Only the output layer changes: the recurrent weights are reused backwards, and a Linear merges the directions"
    path = rewrite(tmp_path, "responses.csv", lambda t: t.replace(f'"{chosen}","A second', '"Something else","A second', 1))
    result = import_moodle(store, path)
    assert result.imported == 150
    assert any(n.startswith("row 2, question 1: response 'Something else' is none of") and "counted wrong" in n
               for n in result.notes)


def test_a_moodle_student_asked_for_by_name_is_found_by_e_mail(store):
    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    from torchquiz.engine.progress import UnknownLearner, learner_id

    with pytest.raises(UnknownLearner, match=r"Did you mean 'calib001@example.com'\?"):
        learner_id(store, "Calib001 Student", create=False)
    with pytest.raises(UnknownLearner, match="named by their e-mail address"):
        learner_id(store, "Nobody Atall", create=False)


def without_email(tmp_path, name, id_numbers=False):
    """The real report with the e-mail column hidden (a site setting), optionally showing ID numbers instead."""
    rows = list(csv.reader(io.StringIO((REPORTS / name).read_text(encoding="utf-8-sig"))))
    column = rows[0].index("Email address")
    out = []
    for k, row in enumerate(rows):
        row = list(row)
        email = row.pop(column) if len(row) > column else ""
        if id_numbers:
            row.insert(column, "ID number" if k == 0 else (email.split("@")[0].upper() if "@" in email else ""))
        out.append(row)
    path = tmp_path / (("id_" if id_numbers else "name_") + name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(out)
    return path


def test_students_told_apart_by_name_only_are_warned_about_and_id_numbers_keep_them_apart(store, tmp_path):
    result = import_moodle(store, without_email(tmp_path, "responses.csv"), without_email(tmp_path, "grades.csv"))
    assert result.imported == 150 and any("told apart by name alone" in note for note in result.notes)
    with Store.open(tmp_path / "ids.db") as other:
        other.add_questions([json.loads(line) for line in (REPORTS / "set.jsonl").read_text().splitlines()])
        result = import_moodle(other, without_email(tmp_path, "responses.csv", True),
                               without_email(tmp_path, "grades.csv", True))
        assert result.imported == 150 and not any("told apart" in note for note in result.notes)
        names = [n for (n,) in other.conn.execute("SELECT name FROM learners")]
        assert any(n.endswith("(CALIB001)") for n in names), names[:3]


def test_typed_numbers_with_a_decimal_comma_are_counted_and_named(store, tmp_path):
    rows = list(csv.reader(io.StringIO((REPORTS / "responses.csv").read_text(encoding="utf-8-sig"))))
    responses = [i for i, name in enumerate(rows[0]) if name.startswith("Response ")]
    changed = 0
    for row in rows[1:]:
        for i in responses:
            if i < len(row) and re.fullmatch(r"-?\d+\.\d+", row[i]):
                row[i] = row[i].replace(".", ",")
                changed += 1
    path = tmp_path / "comma.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = import_moodle(store, path)
    assert changed > 0 and result.decimal_commas == changed
    assert any(f"{changed} typed number(s) use a decimal comma" in note for note in result.notes)


def test_two_students_files_in_one_folder_are_refused_and_one_students_two_saves_are_not(tmp_path, records):
    """Files with the page's own name take their learner from the folder: two students' files collected into
    one folder would merge into one learner, so the import refuses before anything is stored; one student's
    two saves (the later one keeps the earlier one's first answers) import as that student."""
    db = tmp_path / "p.db"
    torchquiz("bank", "import", str(REPORTS / "set.jsonl"), "--db", str(db))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first, _, _ = practice_file(inbox, records, name="torchquiz-answers-0123456789abcdef")
    data = json.loads(first.read_text())
    other = dict(data, answers=[dict(a, answered_at=a["answered_at"].replace("09:5", "10:1")) for a in data["answers"]])
    second = inbox / "torchquiz-answers-0123456789abcdef (1).json"
    second.write_text(json.dumps(other))
    refused = torchquiz("import", "practice", str(first), str(second), "--db", str(db), check=False)
    assert refused.returncode == 1 and "would all be learner 'inbox'" in refused.stderr
    with Store.open(db) as store:
        assert counts(store)["attempts"] == 0
    later = dict(data, saved_at="2026-11-29T11:00:00Z", answers=data["answers"] + [dict(data["answers"][0],
                                                                                       answered_at="2026-11-29T10:30:00Z")])
    second.write_text(json.dumps(later))
    saved_twice = torchquiz("import", "practice", str(first), str(second), "--db", str(db), "--no-calibrate")
    assert "3 answer(s) of inbox imported" in saved_twice.stdout
    # the later save's first three answers are the earlier save's: each answer counts once (it was 7 attempts)
    assert f"4 answer(s) of inbox: 1 imported, 3 imported before from {first.name}" in saved_twice.stdout
    with Store.open(db) as store:
        assert counts(store)["attempts"] == 4
    # one student's answers to another set in the same folder, and a file that names its learner: no refusal
    other_set = inbox / "torchquiz-answers-fedcba9876543210.json"
    other_set.write_text(json.dumps(dict(other, set="fedcba9876543210")))
    named = inbox / "torchquiz-answers-0123456789abcdef (2).json"
    named.write_text(json.dumps(dict(other, learner="grace")))
    both = torchquiz("import", "practice", str(first), str(other_set), str(named), "--db", str(db),
                     "--no-calibrate", check=False)
    assert both.returncode == 0 and "of grace imported" in both.stdout, both.stderr
    broken = inbox / "torchquiz-answers-0000000000000000.json"
    broken.write_text("not json")
    refused = torchquiz("import", "practice", str(broken), "--db", str(db), check=False)
    assert refused.returncode == 1 and "not JSON" in refused.stderr and "Traceback" not in refused.stderr


@pytest.mark.parametrize("with_grades", [True, False])
def test_a_question_left_blank_counts_0_in_facility_as_in_moodle(store, with_grades):
    """The blank/ quiz has questions students submitted blank: Moodle's facility index counts them as 0,
    so stats and the per-template report must too (they had left them out: 100% over 1 answer for a
    question Moodle shows at 50% over 2)."""
    from torchquiz.engine.external_attempts import moodle_quiz_statistics
    from torchquiz.engine.item_stats import item_statistics
    from torchquiz.engine.template_report import template_report

    grades = REPORTS / "blank" / "grades_blank.csv" if with_grades else None
    result = import_moodle(store, REPORTS / "blank" / "responses_blank.csv", grades)
    assert result.blanks > 0
    moodle = {qid: q for stats in moodle_quiz_statistics(store).values() for qid, q in stats["questions"].items()}
    stats = {q["id"]: q for q in item_statistics(store, min_attempts=1)["questions"]}
    by_template = {q["id"]: q for t in template_report(store)["templates"] for q in t["questions"]}
    blanks = {qid for (qid,) in store.conn.execute("SELECT question_id FROM attempts WHERE skipped = 1")}
    assert blanks and blanks <= set(moodle)
    for qid, item in moodle.items():
        assert stats[qid]["facility"] == pytest.approx(item.facility, abs=0.0006), qid
        assert stats[qid]["attempts"] == item.s and by_template[qid]["facility"] == pytest.approx(item.facility, abs=0.0006)


def test_the_same_attempts_downloaded_with_other_settings_are_not_imported_twice(store, tmp_path):
    """A second download of the same quiz with the e-mail column hidden, or by a teacher in another time
    zone (every start time an hour later), holds the same attempts: the import recognises them."""
    import_moodle(store, REPORTS / "responses.csv")
    before = counts(store)

    def an_hour_later(text):
        return re.sub(r"(\d{4}\s+)(\d{1,2}):", lambda m: f"{m[1]}{int(m[2]) % 12 + 1}:", text)  # 9:00 AM -> 10:00

    original = (REPORTS / "responses.csv").read_text(encoding="utf-8-sig")
    for path in (without_email(tmp_path, "responses.csv"), rewrite(tmp_path, "responses.csv", an_hour_later)):
        assert path.read_text(encoding="utf-8-sig") != original
        again = import_moodle(store, path)
        assert (again.imported, again.already) == (0, 150) and counts(store) == before


def test_a_responses_report_cut_short_is_named_as_such(store, tmp_path):
    """A Responses file cut at a row boundary (its attempts all in the Grades report, some missing) is said
    to be cut short, not blamed on the Grades report as 'a report of another quiz'."""
    short = rewrite(tmp_path, "responses.csv", lambda t: "\n".join(t.splitlines()[:60]) + "\n")
    with pytest.raises(ReportError, match=r"responses.csv: holds 59 of the Grades report's 150 attempts .* cut short"):
        import_moodle(store, short, REPORTS / "grades.csv")
    assert counts(store)["attempts"] == 0


@pytest.mark.parametrize("name_columns", [True, False])
def test_two_alike_attempts_of_one_file_are_both_imported(store, tmp_path, name_columns):
    """Two attempts with the same name, time taken and every response (here a copy of a row with another
    e-mail, in a report with or without name columns) are two attempts, not one and an 'already imported'."""
    def add_twin(rows):
        names = [] if name_columns else [rows[0].index("First name"), rows[0].index("Last name")]
        rows = [[c for i, c in enumerate(r) if i not in names] for r in rows]
        email = rows[0].index("Email address")
        twin = list(rows[1])
        twin[email] = "twin@example.com"
        return rows[:2] + [twin] + rows[2:]

    path = rewrite_rows(tmp_path, "responses.csv", add_twin)
    result = import_moodle(store, path)
    assert (result.imported, result.already) == (151, 0)
    again = import_moodle(store, path)
    assert (again.imported, again.already) == (0, 151)


def _with_totals(tmp_path, store, total):
    """The real Responses report with each attempt's Grade set to `total(attempt, records)`: the same answers
    as a quiz whose multiple-answer questions charge a wrong box otherwise."""
    from torchquiz.engine.moodle_match import QuestionIndex
    from torchquiz.engine.moodle_reports import iter_attempts, read_report

    report, index = read_report(REPORTS / "responses.csv"), QuestionIndex(store)
    grade = {a.row: total(a, {s: index.match(c.question, c.right_answer) for s, c in a.cells.items()}, report)
             for a in iter_attempts(report)}
    def totals(rows):
        column = next(i for i, name in enumerate(rows[0]) if name.startswith("Grade/"))
        for number, row in enumerate(rows[1:], start=2):
            if number in grade:
                row[column] = grade[number]
        return rows

    return rewrite_rows(tmp_path, "responses.csv", totals)


def _grade_list_total(attempt, records, report):
    from torchquiz.engine.moodle_match import GRADE_LIST, grade_cell

    marks = [grade_cell(records[s], c.response, GRADE_LIST).fraction if c.response else 0.0
             for s, c in attempt.cells.items()]
    return f"{sum(marks) * report.grade_max / len(marks):.2f}"


def test_without_grades_the_totals_tell_an_even_split_export_from_a_grade_list_one(store, tmp_path, records):
    """Without the Grades report a multiple-answer mark depends on what the export charged a wrong box. The real
    download came from an export that split it evenly (0.6666667 for two right and one wrong of three); a set
    exported now charges the grade list's 40% (0.6). Each attempt's total says which."""
    old = import_moodle(store, REPORTS / "responses.csv")
    assert old.even_split > 0 and old.undecided == 0 and any("even split" in n for n in old.notes)
    assert {m for (m,) in store.conn.execute("SELECT DISTINCT mark FROM external_marks")} == {0.5, 0.6666667}

    with Store.open(tmp_path / "new.db") as new_store:
        new_store.add_questions(records)
        path = _with_totals(tmp_path, new_store, _grade_list_total)
        assert path.read_text(encoding="utf-8-sig") != (REPORTS / "responses.csv").read_text(encoding="utf-8-sig")
        new = import_moodle(new_store, path)
        assert (new.even_split, new.undecided, new.disagreements) == (0, 0, 0)
        assert {m for (m,) in new_store.conn.execute("SELECT DISTINCT mark FROM external_marks")} == {0.5, 0.6}


def test_a_total_that_tells_nothing_keeps_the_grade_list_and_says_so(store, tmp_path):
    path = _with_totals(tmp_path, store, lambda attempt, records, report: "Not yet graded")
    result = import_moodle(store, path)
    assert result.even_split == 0 and result.undecided > 0
    assert any("--grades" in n and "do not tell" in n for n in result.notes)
    assert {m for (m,) in store.conn.execute("SELECT DISTINCT mark FROM external_marks")} == {0.5, 0.6}


def test_with_grades_an_even_split_mark_agrees_and_keeps_its_exact_value(store):
    result = import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    assert result.disagreements == 0
    assert 0.6666667 in {m for (m,) in store.conn.execute("SELECT DISTINCT mark FROM external_marks")}


def test_learners_whose_refit_did_not_run_are_placed_by_calibrate_or_the_next_import(tmp_path, records):
    """An import stopped during its refit (or run with --no-calibrate) left every imported learner without an
    ability for good: a rerun imported nothing and so skipped the refit, and `calibrate` refit items only."""
    def placed(db):
        with Store.open(db) as store:
            return store.conn.execute("SELECT count(*) FROM abilities").fetchone()[0]

    for finish in ("import", "calibrate"):
        db = tmp_path / f"{finish}.db"
        with Store.open(db) as store:
            store.add_questions(records)
        torchquiz("import", "moodle", str(REPORTS / "responses.csv"), "--no-calibrate", "--db", str(db))
        assert placed(db) == 0
        again = (torchquiz("import", "moodle", str(REPORTS / "responses.csv"), "--db", str(db)) if finish == "import"
                 else torchquiz("calibrate", "--db", str(db)))
        assert "150 imported learners placed on the ability scale" in again.stdout, again.stdout
        assert placed(db) > 150


def test_an_interrupted_command_says_so_and_exits_130(tmp_path, records, monkeypatch):
    """Ctrl-C (or SIGTERM) in a command printed click's bare "Aborted!" with exit code 1."""
    from click.testing import CliRunner

    from torchquiz.cli.main import main
    from torchquiz.engine import import_calibration

    def interrupted(store):
        raise KeyboardInterrupt

    monkeypatch.setattr(import_calibration, "calibrate_after_import", interrupted)
    db = tmp_path / "c.db"
    with Store.open(db) as store:
        store.add_questions(records)
    result = CliRunner().invoke(main, ["import", "moodle", str(REPORTS / "responses.csv"), "--db", str(db)])
    assert result.exit_code == 130 and "Aborted!" not in result.output
    assert "Interrupted while recalibrating: the answers are imported" in result.output
    result = CliRunner().invoke(main, ["calibrate", "--db", str(db)])
    assert result.exit_code == 130 and "Interrupted: nothing was left half-written." in result.output


def test_a_name_cell_holding_escape_codes_is_stored_printable(store, tmp_path):
    """A Responses row whose First name held terminal escape codes was stored as is, and printed raw later by
    report's "Did you mean" and the import's own messages."""
    def hostile(rows):
        rows[1][rows[0].index("First name")] = "\x1b]0;owned\x07\x1b[2JEve"
        rows[1][rows[0].index("Email address")] = "eve\x1b[31m@example.com"
        return rows

    import_moodle(store, rewrite_rows(tmp_path, "responses.csv", hostile))
    names = [name for (name,) in store.conn.execute("SELECT name FROM learners")]
    assert "eve\ufffd[31m@example.com" in names and not any("\x1b" in n or "\x07" in n for n in names)


def whole_marks(rows):
    """A Responses report's rows as Moodle writes them for a quiz that shows grades to 0 decimals."""
    column = next(i for i, name in enumerate(rows[0]) if name.startswith("Grade/"))
    rows[0][column] = "Grade/10"
    for row in rows[1:]:
        if row and row[column] not in ("", "-"):
            row[column] = str(round(float(row[column])))
    return rows


def test_totals_rounded_too_coarsely_to_tell_the_split_are_said_not_to(store, tmp_path):
    """A quiz showing grades to 0 decimals: a total can fit both splits, and the import had kept 40% without
    a word for all 61 even-split marks."""
    result = import_moodle(store, rewrite_rows(tmp_path, "responses.csv", whole_marks))
    assert result.undecided > 0 and any("do not tell" in note for note in result.notes)


def stored_marks(store, source="moodle"):
    """Every imported answer of `source` as the statistics read it: (learner, started, slot) -> (question,
    response, correct, skipped, misconception, score)."""
    return {row[:3]: row[3:] for row in store.conn.execute(
        "SELECT l.name, s.started_at, a.position, a.question_id, a.response, a.correct, a.skipped, a.misconception, "
        "COALESCE(m.mark, a.correct, 0) FROM external_sessions e JOIN sessions s ON s.id = e.session_id "
        "JOIN learners l ON l.id = s.learner_id JOIN attempts a ON a.session_id = s.id "
        "LEFT JOIN external_marks m ON m.attempt_id = a.id WHERE e.source = ?", (source,))}


def test_the_grades_report_given_later_replaces_the_marks_worked_out_without_it(store, tmp_path, records):
    """The import without the Grades report said "give the Grades report (--grades) for Moodle's own marks";
    doing so imported nothing ("150 already imported") and kept the marks of the 40% rule, so Moodle's
    statistics no longer matched Moodle's (average 60.37% for 60.59%). Now the attempts stored with marks of
    our rules take Moodle's, and the store holds what an import with the Grades report at once holds."""
    practice, _, _ = practice_file(tmp_path, records)
    import_practice(store, [practice])
    practice_before = stored_marks(store, "practice")
    whole = rewrite_rows(tmp_path, "responses.csv", whole_marks)
    first = import_moodle(store, whole)
    assert first.undecided > 0
    assert any("import this file again with --grades" in note for note in first.notes)
    before = counts(store)
    again = import_moodle(store, whole, REPORTS / "grades.csv")
    assert (again.imported, again.already, again.kept) == (0, 150, 0)
    assert again.remarked == first.undecided and again.remarked_marks >= again.remarked
    assert counts(store) == before  # marks replaced, nothing added
    assert stored_marks(store, "practice") == practice_before  # other answers are never touched
    with Store.open(tmp_path / "at-once.db") as at_once:
        at_once.add_questions(records)
        import_moodle(at_once, whole, REPORTS / "grades.csv")
        assert stored_marks(store) == stored_marks(at_once)
        assert moodle_quiz_statistics(store) == moodle_quiz_statistics(at_once)
    third = import_moodle(store, whole, REPORTS / "grades.csv")
    assert (third.already, third.kept, third.remarked) == (150, 150, 0)
    assert any("imported before with a Grades report keep the marks" in note for note in third.notes)


def test_an_attempt_stored_with_a_grades_report_keeps_its_marks(store, tmp_path):
    """Only marks of our rules are replaced: another Grades report (one regraded since) changes nothing, and
    attempts a Grades report marked before the import kept track of it are found to agree and left alone."""
    import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    stored = stored_marks(store)

    def regraded(rows):
        column = rows[0].index("Q. 1 /0.83")
        rows[1][column] = "0.83" if rows[1][column] == "0.00" else "0.00"
        return rows

    other = import_moodle(store, REPORTS / "responses.csv", rewrite_rows(tmp_path, "grades.csv", regraded))
    assert (other.kept, other.remarked) == (150, 0) and stored_marks(store) == stored
    with store.write() as conn:  # as a store imported into before moodle_graded
        conn.execute("DROP TABLE moodle_graded")
    again = import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv")
    assert (again.already, again.kept, again.remarked) == (150, 0, 0) and stored_marks(store) == stored
    assert import_moodle(store, REPORTS / "responses.csv", REPORTS / "grades.csv").kept == 150


def test_cli_re_marks_with_the_grades_report_given_later_and_recalibrates(tmp_path, records):
    db = tmp_path / "whole.db"
    torchquiz("bank", "import", str(REPORTS / "set.jsonl"), "--db", str(db))
    whole = str(rewrite_rows(tmp_path, "responses.csv", whole_marks))
    first = torchquiz("import", "moodle", whole, "--db", str(db))
    assert "for Moodle's own marks, import this file again with --grades GRADES.csv" in first.stderr
    again = torchquiz("import", "moodle", whole, "--grades", str(REPORTS / "grades.csv"), "--db", str(db))
    assert re.search(r"0 attempt\(s\) with 0 responses imported; 150 already imported, \d+ of them re-marked with "
                     r"Moodle's marks from the Grades report \(\d+ mark\(s\) changed\); `torchquiz stats "
                     r"--by-template` shows this quiz as moodle:[0-9a-f]{12}\.", again.stdout), again.stdout
    assert "Recalibrated from 1800 answers" in again.stdout
    rows = list(csv.reader(io.StringIO((REPORTS / "statistics.csv").read_text(encoding="utf-8-sig"))))
    report = torchquiz("stats", "--by-template", "--db", str(db))
    assert f"average {dict(zip(rows[0], rows[1]))['Average grade of all attempts']}," in report.stdout


def test_attempt_keys_are_the_digest_earlier_imports_stored():
    """attempt_key writes each slot's text once per distinct cell (a speed-up): the key must stay the digest
    stored since, or a file imported before would import again."""
    from torchquiz.engine.external_attempts import digest
    from torchquiz.engine.moodle_import import attempt_key
    from torchquiz.engine.moodle_reports import iter_attempts, read_report

    parts, checked = {}, 0
    for attempt in [*iter_attempts(read_report(REPORTS / "responses.csv"))] * 2:  # twice: the parts remembered
        who = attempt.person if attempt.person and attempt.time_taken else attempt.learner
        assert attempt_key(attempt, parts) == digest("moodle attempt", who, attempt.time_taken,
                                                     [(s, c.question, c.response) for s, c in attempt.cells.items()])
        checked += 1
    assert checked == 300 and parts


def test_a_report_more_varied_than_the_caches_hold_imports_the_same(store, tmp_path, records, monkeypatch):
    """Each distinct cell is matched and graded once, in caches that start again when full (memory stays
    bounded however varied a report is): caches of 2 cells store and report exactly what the full ones do."""
    from torchquiz.engine import moodle_import
    from torchquiz.engine.moodle_answers import ReportCells

    def imported(target):
        results = [import_moodle(target, REPORTS / "responses.csv"),
                   import_moodle(target, REPORTS / "responses.csv", REPORTS / "grades.csv")]
        rows = {t: target.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("sessions", "attempts", "external_sessions", "external_marks")}
        return [(r.imported, r.remarked, r.correct, r.even_split, r.notes, r.problems) for r in results], rows

    full = imported(store)
    monkeypatch.setattr(ReportCells, "LIMIT", 2)
    monkeypatch.setattr(moodle_import, "_KEY_PARTS", 2)
    with Store.open(tmp_path / "small.db") as small:
        small.add_questions(records)
        assert imported(small) == full
