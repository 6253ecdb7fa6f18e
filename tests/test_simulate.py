"""adaptive-sim-v1: the world follows the protocol, the engine's run has the
properties the benchmark relies on, and `torchquiz simulate` reports them."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from torchquiz.engine.simulate import METRIC_KEYS, build_world, items_to_match, simulate

TORCHQUIZ = str(Path(sys.executable).with_name("torchquiz"))


@pytest.fixture(scope="module")
def small_run():
    return simulate(learners=200)


def test_world_follows_the_protocol():
    world = build_world(20240607, 50)
    labels = np.array(world.labels)
    assert len(labels) == 600 and all((labels == l).sum() == 200 for l in ("easy", "medium", "hard"))
    for label, mean in (("easy", -1.2), ("medium", 0.0), ("hard", 1.2)):
        b = world.b[labels == label]
        assert b.mean() == pytest.approx(mean, abs=0.08) and b.std() == pytest.approx(0.35, abs=0.06)
        assert sorted(np.bincount(world.topics[labels == label])) == [33, 33, 33, 33, 34, 34]
    assert 0.8 <= world.a.min() and world.a.max() <= 1.8
    assert world.u.shape == (50, 600)
    # ids are permuted: labels are not in blocks
    assert len(set(labels[:200])) == 3


def test_world_is_deterministic_for_a_seed():
    one, two, other = build_world(7, 20), build_world(7, 20), build_world(8, 20)
    assert np.array_equal(one.u, two.u) and np.array_equal(one.b, two.b)
    assert not np.array_equal(one.b, other.b)


def test_multi_topic_abilities_are_correlated_and_the_target_is_their_mean():
    world = build_world(3, 4000, topic_rho=0.6)
    corr = np.corrcoef(world.theta_topic.T)
    off_diagonal = corr[~np.eye(6, dtype=bool)]
    assert off_diagonal.mean() == pytest.approx(0.6, abs=0.03)
    assert np.allclose(world.theta, world.theta_topic.mean(axis=1))
    with pytest.raises(ValueError, match="topic_rho=1.5"):
        build_world(3, 10, topic_rho=1.5)


def test_engine_keeps_success_near_its_target(small_run):
    assert 0.62 <= small_run["success_rate"] <= 0.78
    assert small_run["in_zone"] > 0.4


def test_rmse_falls_as_items_accumulate(small_run):
    rmse = [small_run[f"rmse_{k}"] for k in (5, 10, 15, 20)]
    assert rmse == sorted(rmse, reverse=True)
    assert rmse[-1] < 0.5                   # far better than the prior's 1.0
    assert abs(small_run["bias_15"]) < 0.1


def test_exposure_and_topics(small_run):
    assert small_run["max_exposure"] <= 0.2
    assert small_run["topics_first10"] >= 5
    assert set(METRIC_KEYS) <= set(small_run)


def test_same_seed_same_result(small_run):
    again = simulate(learners=200)
    for key in METRIC_KEYS:
        if key != "select_ms_p99":          # a timing, not a result
            assert again[key] == small_run[key], key


def test_items_to_match():
    assert items_to_match([0.9, 0.6, 0.44, 0.40], 0.44) == 3
    assert items_to_match([0.9, 0.6], 0.1) is None


def test_cli_json_has_the_issue_keys_and_null_for_unreached_checkpoints():
    out = subprocess.run([TORCHQUIZ, "simulate", "--learners", "30", "--length", "12", "--json"],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    assert list(data)[: len(METRIC_KEYS)] == list(METRIC_KEYS)
    assert data["rmse_15"] is None and data["rmse_20"] is None and data["bias_15"] is None
    assert 0 < data["rmse_10"] < data["rmse_5"] < 1.2


def test_cli_table_and_usage_error():
    out = subprocess.run([TORCHQUIZ, "simulate", "--learners", "20", "--length", "5", "--topic-rho", "0.6"],
                         capture_output=True, text=True, check=True)
    assert "multi-topic, rho=0.6" in out.stdout and "RMSE@5" in out.stdout and "n/a" in out.stdout
    bad = subprocess.run([TORCHQUIZ, "simulate", "--topic-rho", "2"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--topic-rho" in bad.stderr
    assert "Examples" in subprocess.run([TORCHQUIZ, "simulate", "--help"], capture_output=True,
                                        text=True, check=True).stdout


def test_simulation_never_imports_torch():
    code = ("import sys; from torchquiz.engine.simulate import simulate; simulate(learners=5, length=3);"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
