"""benchmarks/adaptive.py: the cold-start bound it prints beside the quiz is a real bound."""
import importlib.util
from pathlib import Path

import numpy as np

from torchquiz.engine.simulate import COLD_LENGTH, metrics
from torchquiz.engine.worlds import build_world

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "adaptive.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("adaptive_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_label_only_bound_beats_random_order_on_the_same_learners():
    bench = load_benchmark()
    world = build_world("v1", n_learners=300)
    bound = metrics(world, bench.label_bayes_cold(world, COLD_LENGTH, seed=1))
    labels = np.array([bench.LABEL_PRIOR[label] for label in world.labels])
    shuffled = metrics(world, bench.random_order(world, np.ones(len(labels)), labels, COLD_LENGTH, seed=1))
    assert bound["rmse_10"] < shuffled["rmse_10"] - 0.02
    assert abs(bound["bias_10"]) < 0.1
    # it asks the label that measures best: at the prior mean of 0, medium
    first = [world.labels[i] for i in bench.label_bayes_cold(world, 1, seed=1).items[:, 0]]
    assert set(first) == {"medium"}


def test_perturbed_worlds_change_only_the_hidden_item_parameters():
    bench = load_benchmark()
    plain = build_world("v2", n_learners=5)
    for name in bench.PERTURBATIONS:
        world = bench.world_for("v2", 20240607, 5, None, name)
        assert world.labels == plain.labels and (world.templates == plain.templates).all()
        assert (world.theta == plain.theta).all() and (world.u == plain.u).all()
        assert not ((world.b == plain.b).all() and (world.a == plain.a).all())
    harder = bench.world_for("v2", 20240607, 5, None, "harder")
    assert np.allclose(harder.b - plain.b, 0.8)
