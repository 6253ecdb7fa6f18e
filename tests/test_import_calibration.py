"""Imported attempts calibrate the bank: on a simulated class with the real quiz's design (150
students, 12 random slots over the 48 questions of ../shared/moodle-reports), the store's refit
recovers the true difficulties better than the labels alone, and every imported learner gets an
ability estimate with an honest posterior SD."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

from torchquiz.engine.external_attempts import ExternalAnswer, ExternalSession, SessionWriter
from torchquiz.engine.import_calibration import calibrate_after_import
from torchquiz.engine.irt import LABEL_PRIOR
from torchquiz.engine.store import Store

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "moodle-reports"
QUIZ_TEMPLATES = ("concept.bidirectional", "constructor.recurrent_sizes_all", "error.batch_first_default",
                  "metrics.accuracy_paradox", "metrics.confusion_metric_numerical", "metrics.threshold_tradeoff",
                  "packing.pack_padded", "params.recurrent_count_numerical", "pipeline.last_hidden_all",
                  "pipeline.stage_shape_typed", "shape.recurrent_output", "shape.unbatched")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    if not (REPORTS / "set.jsonl").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REPORTS} is missing")
        pytest.skip(f"{REPORTS} is not here")
    records = [json.loads(line) for line in (REPORTS / "set.jsonl").read_text().splitlines()]
    pools = {t: [r for r in records if r["template"] == t] for t in QUIZ_TEMPLATES}
    rng = np.random.default_rng(2026)
    truth_b = {r["id"]: LABEL_PRIOR[r["difficulty"]] + rng.normal(0, 0.6) for p in pools.values() for r in p}
    truth_a = {q: float(np.exp(rng.normal(0, 0.25))) for q in truth_b}
    theta = rng.normal(0, 1, 150)
    sessions = []
    for i, ability in enumerate(theta):
        answers = []
        for slot, template in enumerate(QUIZ_TEMPLATES, start=1):
            record = pools[template][rng.integers(len(pools[template]))]
            q = record["id"]
            p = 1 / (1 + np.exp(-truth_a[q] * (ability - truth_b[q])))
            answers.append(ExternalAnswer(q, slot, "-", bool(rng.random() < p)))
        sessions.append(ExternalSession("moodle", f"sim-{i}", f"student{i:03d}", "sim", "sim.csv", i + 2,
                                        None, None, answers))
    store = Store.open(tmp_path_factory.mktemp("sim") / "sim.db")
    store.add_questions(records)
    with store.write() as conn:  # as an import stores them: one transaction
        writer = SessionWriter(conn)
        for session in sessions:
            writer.add(session)
        writer.flush()
    calibrate_after_import(store)
    labels = {r["id"]: r["difficulty"] for r in records}
    yield store, truth_b, theta, labels
    store.close()


def test_refit_beats_the_label_prior(simulated):
    store, truth_b, _, labels = simulated
    fitted = dict(store.conn.execute("SELECT question_id, b FROM items"))
    rmse = np.sqrt(np.mean([(fitted[q] - b) ** 2 for q, b in truth_b.items()]))
    baseline = np.sqrt(np.mean([(LABEL_PRIOR[labels[q]] - b) ** 2 for q, b in truth_b.items()]))
    assert rmse < 0.85 * baseline, (rmse, baseline)


def test_imported_learners_are_placed_with_their_uncertainty(simulated):
    store, _, theta, _ = simulated
    rows = dict((name, (mean, sd)) for name, mean, sd in store.conn.execute(
        "SELECT l.name, a.mean, a.sd FROM abilities a JOIN learners l ON l.id = a.learner_id WHERE a.topic = '*'"))
    estimate = np.array([rows[f"student{i:03d}"][0] for i in range(len(theta))])
    sds = np.array([rows[f"student{i:03d}"][1] for i in range(len(theta))])
    assert np.corrcoef(estimate, theta)[0, 1] > 0.7
    # 12 answers cannot pin an ability: the stated SD must be about the real error, not smaller
    error = np.sqrt(np.mean((estimate - theta) ** 2))
    assert 0.35 < sds.mean() and error < 1.5 * sds.mean()


@pytest.mark.parametrize("topic_sd", [0.0, 0.6])
def test_an_imported_learner_is_placed_by_the_rule_a_quiz_stores_its_learners_by(tmp_path, topic_sd):
    """One authority: the abilities `calibrate_after_import` gives a Moodle or practice learner are those a terminal
    quiz stores for the same answers, overall and per topic, with a fitted topic spread and without one."""
    import sys
    sys.path.insert(0, str(Path(__file__).parent))
    from quiz_fixtures import bank
    from torchquiz.engine import progress
    from torchquiz.engine.placement import abilities
    from torchquiz.engine.session import QuizSession
    from torchquiz.record.grading import grade
    with Store.open(tmp_path / "s.db") as store:
        store.add_questions(bank(48))
        with store.write():
            store.set_meta("topic_sd", topic_sd)
        session = QuizSession.start(store, "ada", length=9, seed=3)
        while (record := session.next_question()) is not None:
            right = len(session.history) % 3 != 1
            text = ("ABCD"[[o["correct"] for o in record["options"]].index(right)] if record["options"]
                    else record["answer"]["text"] if right else "(1, 1, 1)" if record["type"] == "shortanswer" else "0.01")
            session.answer(record, grade(record, text))
        stored = {t: (m, s, n) for t, (m, s, n) in progress.abilities(store, session.row.learner_id).items()}
        rows = [(session.row.learner_id, r.topic, r.b, r.a, r.correct) for r in session.history]
        placed = {t: (m, s, n) for _, t, m, s, n, _ in abilities(rows, "now", store.primary_topics(), topic_sd)}
    assert set(placed) == set(stored) and len(stored) >= 4
    for topic, (mean, sd, n) in stored.items():
        assert placed[topic] == pytest.approx((mean, sd, n), abs=1e-9), topic

