"""adaptive-sim: the worlds follow the protocol, and `torchquiz simulate` runs real quizzes over
a real store: what it measures is what the quiz does (one code path)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from torchquiz.engine import simulate as sim
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import Store
from torchquiz.engine.worlds import build_world

TORCHQUIZ = str(Path(sys.executable).with_name("torchquiz"))


def test_v1_world_follows_the_protocol():
    world = build_world("v1", 20240607, 50)
    labels = np.array(world.labels)
    assert len(labels) == 600 and all((labels == l).sum() == 200 for l in ("easy", "medium", "hard"))
    for label, mean in (("easy", -1.2), ("medium", 0.0), ("hard", 1.2)):
        b = world.b[labels == label]
        assert b.mean() == pytest.approx(mean, abs=0.08) and b.std() == pytest.approx(0.35, abs=0.06)
        assert sorted(np.bincount(world.topics[labels == label])) == [33, 33, 33, 33, 34, 34]
    assert 0.8 <= world.a.min() and world.a.max() <= 1.8
    assert world.u.shape == (50, 600) and len(set(labels[:200])) == 3   # ids are permuted
    assert len(set(world.templates)) == 600                             # v1: no template knowledge


def test_v2_world_matches_the_protocols_check_values():
    world = build_world("v2")
    assert (world.templates[0], world.labels[0], world.topics[0]) == (2, "medium", 2)
    assert (world.a[0], world.b[0]) == pytest.approx((1.377602, 0.585380), abs=1e-6)
    assert world.b.sum() == pytest.approx(-42.907181, abs=1e-5)
    assert (world.theta[0], world.u[0, 0]) == pytest.approx((2.168310, 0.438025), abs=1e-6)
    multi = build_world("v2", topic_rho=0.6)
    assert (multi.theta[0], multi.u[0, 0]) == pytest.approx((1.475293, 0.902374), abs=1e-6)
    # fewer learners are the first learners of the full run
    assert np.array_equal(build_world("v2", n_learners=10).u, world.u[:10])


def test_multi_topic_target_is_the_mean_topic_ability():
    world = build_world("v1", 3, 2000, topic_rho=0.6)
    corr = np.corrcoef(world.theta_topic.T)
    assert corr[~np.eye(6, dtype=bool)].mean() == pytest.approx(0.6, abs=0.04)
    assert np.allclose(world.theta, world.theta_topic.mean(axis=1))
    with pytest.raises(ValueError, match="topic_rho=1.5"):
        build_world("v1", 3, 10, topic_rho=1.5)
    with pytest.raises(ValueError, match="version='v3'"):
        build_world("v3")


@pytest.fixture(scope="module")
def shared_run(tmp_path_factory):
    """Simulated learners take quizzes in a store we keep, then a real learner arrives."""
    world = build_world("v2", n_learners=30)
    path = tmp_path_factory.mktemp("sim") / "sim.db"
    log = sim.RunLog(np.zeros((30, 10)), np.zeros((30, 10), np.int64), np.zeros((30, 10), bool))
    with Store.open(path) as store:
        store.add_questions(sim.question_records(world))
        for learner in range(30):
            sim.take_quiz(store, world, learner, 10, sim.SEED, log)
    return world, path, log


def test_simulated_answers_are_the_stores_attempts(shared_run):
    world, path, log = shared_run
    with Store.open(path) as store:
        rows = store.conn.execute("SELECT question_id, correct FROM attempts ORDER BY id").fetchall()
        assert len(rows) == 300
        assert [int(q.rsplit(".", 1)[1]) for q, _ in rows] == list(log.items.ravel())
        assert [bool(c) for _, c in rows] == list(log.correct.ravel())
        assert store.conn.execute("SELECT count(*) FROM sessions WHERE status = 'finished'").fetchone()[0] == 30
        assert store.meta("refit_attempts") is not None          # finish() refitted on its schedule


def test_a_real_quiz_sees_the_simulations_exposure(shared_run):
    """The exposure the quiz caps is the one the simulation recorded: one code path."""
    world, path, log = shared_run
    counts = np.bincount(log.items.ravel(), minlength=600)
    with Store.open(path) as store:
        session = QuizSession.start(store, "ada", length=5, seed=1)
        for item in session.pool.items:  # shares of the 30 learners there when ada's pool loaded
            assert session.pool.exposure[session.pool.index[item.id]] == pytest.approx(
                counts[int(item.id.rsplit(".", 1)[1])] / 30)
        capped = {item.id for item in session.pool.items
                  if session.pool.exposure[session.pool.index[item.id]] >= 0.15}
        assert session.pool.exposure.max() > 0.1                 # 30 learners made some items popular
        while (record := session.next_question()) is not None:  # ...and ada is not shown them
            assert record["id"] not in capped
            session.answer(record, sim.grade(record, "A"))


def test_metrics_of_a_small_run_are_sane():
    result = sim.simulate(world="v2", learners=25, length=10)
    assert 0.4 <= result["success_rate"] <= 0.9
    assert 0 < result["rmse_10"] < result["rmse_5"] < 1.2
    assert result["max_exposure"] <= 0.5 and result["topics_first10"] >= 4
    assert result["wall_seconds"] > 0
    again = sim.simulate(world="v2", learners=25, length=10)
    assert again["rmse_by_k"] == result["rmse_by_k"]              # seeded: the same run twice


def test_cold_start_keeps_nothing_between_learners():
    world = build_world("v1", n_learners=4)
    log = sim.run(world, length=5, cold_start=True)
    again = sim.RunLog(np.zeros((4, 5)), np.zeros((4, 5), np.int64), np.zeros((4, 5), bool))
    with sim.world_store(world) as path, Store.open(path) as store:
        sim.take_quiz(store, world, 3, 5, sim.SEED, again)       # learner 3 alone on a fresh store
    assert list(again.items[3]) == list(log.items[3])




def test_cli_json_and_table():
    out = subprocess.run([TORCHQUIZ, "simulate", "--world", "v2", "--learners", "8", "--length", "6", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert list(data)[: len(sim.METRIC_KEYS)] == list(sim.METRIC_KEYS)
    assert data["rmse_10"] is None and data["bias_15"] is None and data["wall_seconds"] > 0
    out = subprocess.run([TORCHQUIZ, "simulate", "--learners", "5", "--length", "5", "--topic-rho", "0.6"],
                         capture_output=True, text=True, check=True)
    assert "adaptive-sim-v1" in out.stdout and "rho=0.6" in out.stdout and "run time" in out.stdout
    bad = subprocess.run([TORCHQUIZ, "simulate", "--world", "v3"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--world" in bad.stderr


def test_simulation_never_imports_torch():
    code = ("import sys; from torchquiz.engine.simulate import simulate; simulate(learners=3, length=3);"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
