"""adaptive-sim-v1: the seeded simulation that measures the adaptive engine.

The protocol is ../shared/adaptive-sim.md.  One `numpy.random.default_rng`
builds the world (600 items, 2PL truth hidden from the engine, learners, one
shared U matrix so every engine faces the same coin for the same pair); the
engine sees only ids, labels and topics, and runs its own selection
(`torchquiz.engine.selection.select_next`) and calibration code (online steps after
every attempt, an MML refit with the label prior as learners accumulate).
Everything runs in memory.
"""
from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

import numpy as np

from torchquiz.engine.calibration import CalibrationState, calibrate
from torchquiz.engine.irt import online_update
from torchquiz.engine.topic_ability import bifactor_eap, fit_topic_sd
from torchquiz.engine.selection import Item, ItemPool, Response, select_next

SEED = 20240607
N_ITEMS = 600
N_LEARNERS = 2000
LENGTH = 20
N_TOPICS = 6
LABEL_NAMES = ("easy", "medium", "hard")
LABEL_MEAN = {"easy": -1.2, "medium": 0.0, "hard": 1.2}
CHECKPOINTS = (5, 10, 15, 20)
METRIC_KEYS = ("rmse_5", "rmse_10", "rmse_15", "rmse_20", "bias_15", "success_rate", "in_zone",
               "max_exposure", "bank_used", "topics_first10", "select_ms_p99")


@dataclass
class World:
    """The hidden truth of one simulation run."""

    labels: list[str]            # per item
    topics: np.ndarray           # per item, 0..5
    b: np.ndarray                # true difficulty per item
    a: np.ndarray                # true discrimination per item
    theta: np.ndarray            # per learner: the target of estimation
    theta_topic: np.ndarray      # learner x topic ability that generates responses
    u: np.ndarray                # learner x item uniform draws

    @property
    def n_learners(self) -> int:
        return len(self.theta)

    def p_true(self, learner: int, item: int) -> float:
        t = self.theta_topic[learner, self.topics[item]]
        return 1.0 / (1.0 + math.exp(-self.a[item] * (t - self.b[item])))

    def answer(self, learner: int, item: int) -> bool:
        return bool(self.u[learner, item] < self.p_true(learner, item))


def build_world(seed: int = SEED, n_learners: int = N_LEARNERS, topic_rho: float | None = None) -> World:
    """The adaptive-sim-v1 world.  Draw order: b, a, id permutation, abilities, U."""
    if topic_rho is not None and not 0.0 <= topic_rho <= 1.0:
        raise ValueError(f"topic_rho={topic_rho!r}: must lie in [0, 1]")
    rng = np.random.default_rng(seed)
    per_label = N_ITEMS // len(LABEL_NAMES)
    labels = np.repeat(np.arange(len(LABEL_NAMES)), per_label)
    topics = np.tile(np.arange(per_label) % N_TOPICS, len(LABEL_NAMES))
    b = rng.normal(np.array([LABEL_MEAN[n] for n in LABEL_NAMES])[labels], 0.35)
    a = rng.uniform(0.8, 1.8, N_ITEMS)
    perm = rng.permutation(N_ITEMS)           # ids carry no information
    labels, topics, b, a = labels[perm], topics[perm], b[perm], a[perm]
    if topic_rho is None:
        theta = rng.normal(0.0, 1.0, n_learners)
        theta_topic = np.repeat(theta[:, None], N_TOPICS, axis=1)
    else:
        common = rng.normal(0.0, 1.0, (n_learners, 1))
        own = rng.normal(0.0, 1.0, (n_learners, N_TOPICS))
        theta_topic = math.sqrt(topic_rho) * common + math.sqrt(1.0 - topic_rho) * own
        theta = theta_topic.mean(axis=1)
    u = rng.random((n_learners, N_ITEMS))
    return World([LABEL_NAMES[k] for k in labels], topics, b, a, theta, theta_topic, u)


@dataclass
class RunLog:
    """What one engine did in a run; `metrics` turns it into the table's row."""

    estimates: np.ndarray        # learner x k: ability estimate after k+1 items
    items: np.ndarray            # learner x k: administered item index
    correct: np.ndarray          # learner x k
    select_seconds: list[float] = field(default_factory=list)


def metrics(world: World, log: RunLog) -> dict[str, float]:
    n, length = log.items.shape
    err = log.estimates - world.theta[:, None]
    rmse = np.sqrt((err**2).mean(axis=0))
    p = np.array([[world.p_true(l, i) for i in row] for l, row in enumerate(log.items)])
    exposure = np.bincount(log.items.ravel(), minlength=N_ITEMS) / n
    first = log.items[:, : min(10, length)]
    # checkpoints the test did not reach are None (JSON null)
    out = {f"rmse_{k}": float(rmse[k - 1]) if k <= length else None for k in CHECKPOINTS}
    out.update(
        bias_15=float(err[:, 14].mean()) if length >= 15 else None,
        success_rate=float(log.correct.mean()),
        in_zone=float(((p >= 0.60) & (p <= 0.85)).mean()),
        max_exposure=float(exposure.max()),
        bank_used=float((exposure > 0).mean()),
        topics_first10=float(np.mean([len(set(world.topics[row])) for row in first])),
        select_ms_p99=float(np.percentile(log.select_seconds, 99) * 1000) if log.select_seconds else 0.0,
    )
    out["rmse_by_k"] = [float(x) for x in rmse]
    return out


def items_to_match(rmse_by_k: list[float], reference: float) -> int | None:
    """Fewest items after which RMSE is at or below `reference` (None: never)."""
    return next((k + 1 for k, r in enumerate(rmse_by_k) if r <= reference), None)


def refit_due(learners_done: int) -> bool:
    """Refit often while the bank is raw, then less often as it settles."""
    if learners_done <= 20:
        return True
    if learners_done <= 200:
        return learners_done % 5 == 0
    if learners_done <= 600:
        return learners_done % 20 == 0
    return learners_done % 50 == 0


def run_engine(
    world: World,
    *,
    length: int = LENGTH,
    seed: int = SEED,
    target: float = 0.70,
    calibrate_items: bool = True,
    item_a: bool = True,
    online: bool = True,
    refit_iterations: int = 4,
    fixed_a: float | None = None,
    oracle: bool = False,
    select_options: dict | None = None,
    topic_model: bool = True,
) -> RunLog:
    """The engine: its own selection on a pool calibrated from earlier learners.

    Learners run one after another.  After every answer the item gets an
    online difficulty step; after some learners (`refit_due`) every item is
    refitted by MML with the label prior, and now and then (`topic_fit_due`)
    the spread of topic abilities is refitted.  The keyword switches are
    ablations for benchmarks/adaptive.py and the note: item_a (per-item
    discrimination), online, refit_iterations, fixed_a, topic_model, and
    oracle (the hidden true parameters, no calibration).
    """
    state = CalibrationState.from_labels(world.labels)
    items = [Item(f"item{j:03d}", f"template{j:03d}", f"topic{world.topics[j]}", world.labels[j],
                  float(state.b[j]), float(state.a[j])) for j in range(N_ITEMS)]
    pool = ItemPool(items)
    if fixed_a is not None:
        state.a[:] = fixed_a
        pool.a[:] = fixed_a
    if oracle:  # true parameters, for checking the selection alone
        pool.b[:], pool.a[:] = world.b, world.a
        calibrate_items = False
    rng = random.Random(seed)
    n = world.n_learners
    log = RunLog(np.zeros((n, length)), np.zeros((n, length), np.int64), np.zeros((n, length), bool))
    n_seen = np.zeros(N_ITEMS, np.int64)
    topic_sd = 0.0       # spread of topic abilities, fitted from earlier learners
    done_items, done_learners, done_correct = [], [], []
    for learner in range(n):
        history: list[Response] = []
        adm: list[int] = []
        for k in range(length):
            started = time.perf_counter()
            item = select_next(pool, history, rng, target=target, topic_sd=topic_sd, **(select_options or {}))
            log.select_seconds.append(time.perf_counter() - started)
            i = pool.index[item.id]
            correct = world.answer(learner, i)
            if calibrate_items and online:
                theta_before = ability(pool, adm, log.correct[learner, :k], world.topics, topic_sd)[2][world.topics[i]]
                pool.b[i] = online_update(pool.b[i], theta_before, correct, int(n_seen[i]), a=pool.a[i])
            n_seen[i] += 1
            adm.append(i)
            log.items[learner, k], log.correct[learner, k] = i, correct
            history.append(Response(item.id, item.topic, float(pool.b[i]), correct, None, float(pool.a[i])))
            log.estimates[learner, k] = ability(pool, adm, log.correct[learner, : k + 1], world.topics, topic_sd)[0]
        pool.exposure = n_seen / max(learner + 1, 20)
        done_items.append(log.items[learner]); done_correct.append(log.correct[learner])
        done_learners.append(np.full(length, learner))
        if calibrate_items and refit_due(learner + 1):
            state.b, state.a = pool.b.copy(), pool.a.copy()
            calibrate(state, np.concatenate(done_items), np.concatenate(done_learners),
                      np.concatenate(done_correct), iterations=refit_iterations, item_a=item_a,
                      fit_a=fixed_a is None)
            pool.b[:], pool.a[:] = state.b, state.a
        if topic_model and topic_fit_due(learner + 1):
            recent = range(max(0, learner + 1 - 500), learner + 1)
            topic_sd = fit_topic_sd(((pool.b[log.items[l]], pool.a[log.items[l]], log.correct[l],
                                      world.topics[log.items[l]]) for l in recent), N_TOPICS)
    return log


def topic_fit_due(learners_done: int) -> bool:
    return learners_done in (50, 100, 200, 400, 700, 1000, 1500)


def ability(pool: ItemPool, adm: list[int], correct: np.ndarray, topics: np.ndarray, topic_sd: float):
    """(overall EAP, its SD, per-topic EAP means) after the answers so far."""
    mean, sd, topic_means, _ = bifactor_eap(pool.b[adm], pool.a[adm], correct, topics[adm], N_TOPICS, topic_sd)
    return mean, sd, topic_means


def simulate(
    *,
    learners: int = N_LEARNERS,
    length: int = LENGTH,
    seed: int = SEED,
    topic_rho: float | None = None,
    target: float = 0.70,
    item_a: bool = True,
) -> dict[str, float]:
    """Run adaptive-sim-v1 against the engine and return its metrics."""
    if learners < 1:
        raise ValueError(f"learners={learners!r}: must be at least 1")
    if not 1 <= length <= N_ITEMS:
        raise ValueError(f"length={length!r}: must lie in 1..{N_ITEMS}")
    world = build_world(seed, learners, topic_rho)
    return metrics(world, run_engine(world, length=length, seed=seed, target=target, item_a=item_a))
