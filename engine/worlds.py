"""The simulated worlds of ../shared/adaptive-sim.md: adaptive-sim-v1 and v2 (template bank).

A world is the hidden truth (2PL item parameters, learners' abilities, one shared U matrix
so every engine faces the same coin for the same pair) plus what the engine may know of
each item: its label, topic and, in v2, its template.  The draws follow the protocol's
order exactly, for all 2,000 learners, so a run over the first n learners meets the same
learners as the full run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from torchquiz.record.schema import LEVELS

SEED = 20240607
N_ITEMS = 600
N_LEARNERS = 2000
N_TOPICS = 6
LABEL_NAMES = LEVELS  # the record schema's levels, in order of difficulty
WORLDS = ("v1", "v2")


@dataclass
class World:
    """The hidden truth of one simulation run, and what the engine may know."""

    name: str
    labels: list[str]            # per item
    topics: np.ndarray           # per item, 0..5
    templates: np.ndarray        # per item; v1: every item its own (the engine knows no template)
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

    def wrong_choice(self, learner: int, item: int, n_wrong: int) -> int:
        """Which wrong option a wrong answer picks: read from the same coin, so it is fixed too."""
        p = self.p_true(learner, item)
        return min(n_wrong - 1, int((self.u[learner, item] - p) / max(1.0 - p, 1e-12) * n_wrong))


def build_world(version: str = "v1", seed: int = SEED, n_learners: int = N_LEARNERS,
                topic_rho: float | None = None) -> World:
    if version not in WORLDS:
        raise ValueError(f"version={version!r}: expected one of {', '.join(WORLDS)}")
    if topic_rho is not None and not 0.0 <= topic_rho <= 1.0:
        raise ValueError(f"topic_rho={topic_rho!r}: must lie in [0, 1]")
    if not 1 <= n_learners <= N_LEARNERS:
        raise ValueError(f"n_learners={n_learners!r}: must lie in 1..{N_LEARNERS}")
    world = (_v1 if version == "v1" else _v2)(seed, topic_rho)
    world.theta, world.theta_topic, world.u = (world.theta[:n_learners], world.theta_topic[:n_learners],
                                               world.u[:n_learners])
    return world


def _v1(seed, topic_rho):
    """Draw order: b, a, id permutation, abilities, U."""
    rng = np.random.default_rng(seed)
    per_label = N_ITEMS // len(LABEL_NAMES)
    labels = np.repeat(np.arange(len(LABEL_NAMES)), per_label)
    topics = np.tile(np.arange(per_label) % N_TOPICS, len(LABEL_NAMES))
    b = rng.normal(np.array([-1.2, 0.0, 1.2])[labels], 0.35)
    a = rng.uniform(0.8, 1.8, N_ITEMS)
    perm = rng.permutation(N_ITEMS)           # ids carry no information
    labels, topics, b, a = labels[perm], topics[perm], b[perm], a[perm]
    if topic_rho is None:
        theta = rng.normal(0.0, 1.0, N_LEARNERS)
        theta_topic = np.repeat(theta[:, None], N_TOPICS, axis=1)
    else:
        common = rng.normal(0.0, 1.0, (N_LEARNERS, 1))
        own = rng.normal(0.0, 1.0, (N_LEARNERS, N_TOPICS))
        theta_topic = math.sqrt(topic_rho) * common + math.sqrt(1.0 - topic_rho) * own
        theta = theta_topic.mean(axis=1)
    u = rng.random((N_LEARNERS, N_ITEMS))
    return World("v1", [LABEL_NAMES[k] for k in labels], topics, np.arange(N_ITEMS), b, a, theta, theta_topic, u)


def _v2(seed, topic_rho):
    """40 templates x 3 levels x 5 variants; the draw order of the protocol's steps 1-9."""
    rng = np.random.default_rng([seed, 2])
    t = rng.normal(0, 0.45, 40)
    a_t = rng.uniform(0.8, 1.8, 40)
    d_tl = rng.normal(0, 0.30, (40, 3))
    d_v = rng.normal(0, 0.15, (40, 3, 5))
    e_a = rng.normal(0, 0.10, (40, 3, 5))
    j = np.arange(N_ITEMS)
    template, level, variant = j // 15, (j // 5) % 3, j % 5
    b = t[template] + np.array([-1.1, 0.0, 1.1])[level] + d_tl[template, level] + d_v[template, level, variant]
    a = a_t[template] * np.exp(e_a[template, level, variant])
    perm = rng.permutation(N_ITEMS)           # item id i is item j = perm[i]
    template, level, b, a = template[perm], level[perm], b[perm], a[perm]
    g = rng.normal(0, 1, N_LEARNERS)
    if topic_rho is None:
        theta_topic = np.repeat(g[:, None], N_TOPICS, axis=1)
        theta = g
    else:
        e = rng.normal(0, 1, (N_LEARNERS, N_TOPICS))
        theta_topic = math.sqrt(topic_rho) * g[:, None] + math.sqrt(1.0 - topic_rho) * e
        theta = theta_topic.mean(axis=1)
    u = rng.random((N_LEARNERS, N_ITEMS))
    return World("v2", [LABEL_NAMES[k] for k in level], template % N_TOPICS, template, b, a, theta, theta_topic, u)
