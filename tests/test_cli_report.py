"""report, stats, calibrate, bank import and bank build, through click."""
import json
import re
import random

import pytest
from click.testing import CliRunner

from torchquiz.engine import progress
from torchquiz.cli.main import main
from torchquiz.cli.quiz import quiz
from torchquiz.record.wording import counted
from torchquiz.cli.report import calibrate, report, stats
from torchquiz.cli.store import build, import_set
from torchquiz.engine.irt import p_correct
from torchquiz.engine.store import OVERALL, Store
from quiz_fixtures import bank, shape_question, write_jsonl


@pytest.fixture
def runner():
    return CliRunner()


def quiz_ada(db, runner, answers="A\n\n" * 6):
    result = runner.invoke(main, ["quiz", "--db", str(db), "--learner", "ada", "--length", "6", "--topic",
                                  "batch_first", "--seed", "3", "--no-generate"], input=answers)
    assert result.exit_code == 0, result.output
    return result


def test_report_text_and_json(db, runner):
    quiz_ada(db, runner)
    text = runner.invoke(report, ["--learner", "ada", "--db", str(db)])
    assert text.exit_code == 0, text.output
    data = json.loads(runner.invoke(report, ["--learner", "ada", "--db", str(db), "--json"]).output)
    assert data["attempts"] == 6 and data["sessions_finished"] == 1
    assert f"{data['correct']}/6 answers correct" in text.output
    assert data["ability"]["n"] == 6 and 0 < data["ability"]["sd"] < 1
    for topic in data["topics"]:
        assert topic["topic"] in text.output and 0 <= topic["mastery"] <= 1
    with Store.open(db) as store:
        learner = progress.learner_id(store, "ada", create=False)
        expected = progress.misconception_counts(store, learner)
    assert [(m["id"], m["count"]) for m in data["misconceptions"]] == expected
    for m in data["misconceptions"]:
        assert m["explanation"] and m["id"] in text.output
    assert data["practise_next"] and data["practise_next"][0] in text.output
    commands = [line for line in data["practise_next"] if "torchquiz " in line]
    assert commands and all(f"--learner ada --db {db}" in line for line in commands)  # they run as printed


def test_report_shows_an_unfinished_quiz(db, runner):
    runner.invoke(main, ["quiz", "--db", str(db), "--learner", "bo", "--length", "5", "--no-generate",
                         "--topic", "batch_first"], input="A\n\nq\n")
    data = json.loads(runner.invoke(report, ["--learner", "bo", "--db", str(db), "--json"]).output)
    assert data["unfinished_quiz"] == {"done": 1, "length": 5,  # the command runs as printed: it keeps --db
                                       "resume": f"torchquiz quiz --learner bo --resume --db {db}"}


def test_report_unknown_learner(db, runner):
    quiz_ada(db, runner)
    result = runner.invoke(report, ["--learner", "adam", "--db", str(db)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no learner named 'adam'. Did you mean 'ada'?")


def simulate_class(db, learners=60, seed=0):
    """Learners of known ability answer every question; two items are mislabelled on purpose."""
    rng = random.Random(seed)
    with Store.open(db) as store:
        easy_labelled_hard = shape_question(900, difficulty="hard")   # really b = -2
        hard_labelled_easy = shape_question(901, difficulty="easy")   # really b = +2
        store.add_questions([easy_labelled_hard, hard_labelled_easy])
        true_b = {i.id: {"easy": -1.0, "medium": 0.0, "hard": 1.0}[i.label] for i in store.pool_items()}
        true_b[easy_labelled_hard["id"]], true_b[hard_labelled_easy["id"]] = -2.0, 2.0
        for n in range(learners):
            theta = rng.gauss(0, 1)
            learner = progress.learner_id(store, f"learner{n}")
            session = progress.start_session(store, learner, length=len(true_b), target=0.7, filters={}, seed=n)
            for qid, b in true_b.items():
                correct = rng.random() < p_correct(theta, b)
                progress.record_attempt(store, session, progress.Attempt(qid, "A", correct, theta_before=theta))
            with store.write() as conn:
                conn.execute("INSERT OR REPLACE INTO abilities VALUES (?, ?, ?, 0.3, 50, 'now')",
                             (learner, OVERALL, theta))
    return easy_labelled_hard["id"], hard_labelled_easy["id"]


def test_calibrate_then_stats_flags_wrong_labels(db, runner):
    easy_one, hard_one = simulate_class(db)
    result = runner.invoke(calibrate, ["--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "Refit from 3000 answers" in result.output
    with Store.open(db) as store:
        before = dict(((q, (b, a)) for q, b, a in store.conn.execute("SELECT question_id, b, a FROM items")))
    again = runner.invoke(calibrate, ["--db", str(db)]).output      # the count is of items that moved visibly
    with Store.open(db) as store:
        after = dict(((q, (b, a)) for q, b, a in store.conn.execute("SELECT question_id, b, a FROM items")))
    moved = sum(1 for q in after if max(abs(after[q][0] - before[q][0]), abs(after[q][1] - before[q][1])) >= 0.001)
    assert f"answers: {counted(moved, 'difficulty', 'difficulties')} changed" in again  # not every 1e-6 nudge
    with Store.open(db) as store:  # discriminations are fitted too, not left at 1
        a_values = [a for (a,) in store.conn.execute("SELECT a FROM items")]
    assert len({round(a, 6) for a in a_values}) > 1
    data = json.loads(runner.invoke(stats, ["--db", str(db), "--json"]).output)
    rows = {q["id"]: q for q in data["questions"]}
    assert data["attempted"] == 50 and data["attempts"] == 3000
    assert rows[easy_one]["flag"] == "looks easy" and rows[easy_one]["b"] < 0
    assert rows[hard_one]["flag"] == "looks hard" and rows[hard_one]["b"] > 0
    assert rows[easy_one]["facility"] > 0.7 > 0.3 > rows[hard_one]["facility"]
    discriminations = [q["discrimination"] for q in data["questions"] if q["discrimination"] is not None]
    assert sum(discriminations) / len(discriminations) > 0.2  # right answers go with higher ability
    flagged_share = sum(1 for q in data["questions"] if q["flag"]) / len(data["questions"])
    assert flagged_share < 0.2  # the correctly labelled majority is left alone
    text = runner.invoke(stats, ["--db", str(db), "--flagged"])
    assert easy_one in text.output and hard_one in text.output and "looks easy" in text.output
    assert "Per template:" in text.output
    # One label check: the questions `stats` flags are the label fixes of `stats --by-template`.
    from torchquiz.engine.template_report import template_report
    with Store.open(db) as store:
        fixes = {f["question"] for t in template_report(store)["templates"] for f in t["fix"] if f["reason"] == "label"}
    assert fixes == {q for q, row in rows.items() if row["flag"]} >= {easy_one, hard_one}


def test_a_label_is_flagged_only_when_its_whole_interval_lies_outside_its_band():
    # stats --flagged read b = 0.7 +- 0.2 as 'looks hard' while stats --by-template did not: two rules.
    from torchquiz.engine.item_stats import label_flag
    assert label_flag("medium", 0.7, 0.2) is None
    assert label_flag("medium", 1.4, 0.2) == "looks hard"
    assert label_flag("hard", 0.2, 0.1) == "looks easier" and label_flag("hard", 1.2, 0.01) is None


def test_calibrate_without_answers(db, runner):
    result = runner.invoke(calibrate, ["--db", str(db)])
    assert result.exit_code == 0 and "No answers stored yet" in result.output


def test_import_reports_bad_lines_by_number(tmp_path, runner):
    good = bank(3)
    broken = dict(good[1])
    del broken["solution"]
    wrong_enum = {**good[2], "difficulty": "tricky"}
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps(good[0]) + "\n{not json\n" + json.dumps(broken) + "\n\n" + json.dumps(wrong_enum) + "\n")
    db = tmp_path / "quiz.db"
    result = runner.invoke(import_set, [str(path), "--db", str(db)])
    assert result.exit_code == 1
    assert f"{path}:2: invalid JSON" in result.output
    assert f"{path}:3 ({broken['id']}): record: 'solution' is a required property" in result.output
    assert f"{path}:5 ({wrong_enum['id']}): difficulty: 'tricky' is not one of" in result.output
    assert "3 bad line(s)" in result.output and "nothing imported" in result.output
    assert not db.exists() or Store.open(db).count_questions() == 0
    result = runner.invoke(import_set, [str(path), "--db", str(db), "--skip-bad"])
    assert result.exit_code == 0 and "Imported 1 question(s)" in result.output
    write_jsonl(path, good)
    result = runner.invoke(import_set, [str(path), "--db", str(db)])
    assert "Imported 2 question(s)" in result.output and "1 already stored" in result.output


@pytest.mark.slow
def test_bank_build_generates_into_the_store(tmp_path, runner):
    db = tmp_path / "built.db"
    result = runner.invoke(build, ["--count", "2", "--family", "shape", "--seed", "5", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Store.open(db) as store:
        stored = store.count_questions()
        assert stored >= 1 and store.families() == ["shape"]
    assert f"Stored {stored} new question(s)" in result.output
    again = runner.invoke(build, ["--count", "2", "--family", "shape", "--seed", "5", "--db", str(db)])
    assert "Stored 0 new question(s)" in again.output and f"{stored} already there" in again.output


@pytest.mark.parametrize("command", [quiz, report, stats, calibrate, import_set, build])
def test_every_command_documents_examples(command, runner):
    result = runner.invoke(command, ["--help"])
    assert result.exit_code == 0
    assert "Examples:" in result.output and "torchquiz " in result.output.split("Examples:")[1]


def test_a_mistyped_learner_is_offered_every_name_as_close_as_the_closest(db, runner):
    for name in ("ada", "fay"):
        assert runner.invoke(main, ["quiz", "--db", str(db), "--learner", name, "--length", "1", "--topic",
                                    "batch_first", "--no-generate"], input="s\n").exit_code == 0
    result = runner.invoke(report, ["--learner", "ady", "--db", str(db)])
    assert result.exit_code == 1 and "Did you mean 'ada' or 'fay'?" in result.output  # ada first: it starts alike


def test_a_quiz_left_before_its_first_answer_is_not_counted(db, runner):
    """Two answers in one quiz, then a quiz opened and left at once: the report says 1 quiz, not 2."""
    base = ["quiz", "--db", str(db), "--learner", "fay", "--topic", "batch_first", "--no-generate"]
    assert runner.invoke(main, [*base, "--length", "5"], input="A\n\nA\n\nq\n").exit_code == 0
    assert runner.invoke(main, [*base, "--length", "3"], input="q\n").exit_code == 0
    data = json.loads(runner.invoke(report, ["--learner", "fay", "--db", str(db), "--json"]).output)
    assert data["attempts"] == 2 and data["sessions"] == 1


def test_flagged_and_min_attempts_apply_to_the_per_template_report(db, runner):
    """--flagged keeps the templates with a question whose label looks wrong (it was ignored with --by-template),
    and both reports check a label from the same number of answers on: the same questions are flagged in each."""
    easy_one, hard_one = simulate_class(db)
    runner.invoke(calibrate, ["--db", str(db)])
    for minimum in ("20", "61"):  # every question has 60 answers
        plain = json.loads(runner.invoke(stats, ["--json", "--min-attempts", minimum, "--db", str(db)]).output)
        by_template = json.loads(runner.invoke(stats, ["--by-template", "--json", "--min-attempts", minimum,
                                                       "--db", str(db)]).output)
        flagged = {q["id"] for q in plain["questions"] if q["flag"]}
        fixed = {f["question"] for t in by_template["templates"] for f in t["fix"] if f["reason"] == "label"}
        assert flagged == fixed and ({easy_one, hard_one} <= flagged) == (minimum == "20")
    for minimum in ("20", "61", "100"):  # 100: no question has that many answers, a template's level may
        every = json.loads(runner.invoke(stats, ["--by-template", "--json", "--db", str(db)]).output)["templates"]
        only = json.loads(runner.invoke(stats, ["--by-template", "--json", "--flagged", "--min-attempts", minimum,
                                                "--db", str(db)]).output)
        plain = json.loads(runner.invoke(stats, ["--json", "--flagged", "--min-attempts", minimum,
                                                 "--db", str(db)]).output)
        flagged = {row["template"] for row in plain["templates"] + plain["questions"]}
        assert [t["template"] for t in only["templates"]] == sorted(flagged) and len(flagged) < len(every)
        assert only["answered_templates"] == len(every)
        text = runner.invoke(stats, ["--by-template", "--flagged", "--min-attempts", minimum, "--db", str(db)]).output
        if flagged:
            assert f"{len(flagged)} of {len(every)} templates answered (flagged only)" in text.splitlines()[0]
        else:
            assert text.startswith("No template has a level or a question whose label looks wrong (checked from "
                                   f"{minimum} answers on).")


def test_the_page_shows_r_where_no_moodle_quiz_asked(db, runner, tmp_path):
    """Without Moodle answers the terminal report gives r, the mark's correlation with ability; the page gave '–'
    under a heading that called every discrimination Moodle's index."""
    simulate_class(db)
    text = runner.invoke(stats, ["--by-template", "--db", str(db)]).output
    page = tmp_path / "report.html"
    runner.invoke(stats, ["--html", str(page), "--db", str(db)])
    shown = re.findall(r"discrimination\s+(r=[+-][0-9.]+)", text)
    cells = re.findall(r"<td>(r=[+-][0-9.]+)</td>", page.read_text())
    assert shown and cells == shown
