"""Adaptive selection of the next question.  Pure: no I/O, no clock, no globals.

It takes the pool, the learner's history and a `random.Random`, and picks an
unseen item whose predicted success is near a target (0.70 by default: hard
enough to teach, easy enough to keep going).  The choice is random among the
best few, to limit how often one item is shown; topics are balanced by
charging a small cost for a topic the learner has seen more of.  Because the
target tracks the ability estimate, the level moves easy -> medium -> hard as
the learner improves.  The quiz and the simulation share this code.

For big pools, build an `ItemPool` once (numpy arrays) and pass it instead of
a list: selection is then a few vectorised passes, about a millisecond per
100,000 items.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from torchquiz.engine.irt import estimate_ability
from torchquiz.engine.topic_ability import estimate_across_topics
from torchquiz.record import schema

LEVELS = {level: index for index, level in enumerate(schema.LEVELS)}  # easy 0, medium 1, hard 2


@dataclass(frozen=True)
class Item:
    """One question in the pool, as the selector sees it."""

    id: str
    template: str
    topic: str                  # primary topic (first of the record's topics)
    label: str                  # "easy" | "medium" | "hard"
    b: float                    # current calibrated difficulty (starts at the label prior)
    a: float = 1.0              # current calibrated discrimination
    misconceptions: frozenset[str] = frozenset()   # ids behind its wrong options


@dataclass(frozen=True)
class Response:
    item_id: str
    topic: str
    b: float
    correct: bool
    misconception: str | None = None
    a: float = 1.0


class ItemPool:
    """The pool as numpy arrays, prepared once so selection is vectorised."""

    def __init__(self, items: Iterable[Item]):
        self.items: list[Item] = list(items)
        self.index = {item.id: i for i, item in enumerate(self.items)}
        self.topics = sorted({item.topic for item in self.items})
        topic_code = {t: k for k, t in enumerate(self.topics)}
        self.topic = np.array([topic_code[item.topic] for item in self.items], np.int64)
        self.b = np.array([item.b for item in self.items], float)
        self.a = np.array([item.a for item in self.items], float)
        # Share of learners who have seen each item; the quiz fills it from the
        # store's attempt counts, the simulation from its own.  Zeros: no limit.
        self.exposure = np.zeros(len(self.items), float)
        # Level index (easy 0, medium 1, hard 2): a cap after wrong answers is a cap on labels.
        self.level = np.array([LEVELS[item.label] for item in self.items], np.int64)
        self.template_code = {}
        self.template = np.array([self.template_code.setdefault(item.template, len(self.template_code))
                                  for item in self.items], np.int64)
        self.by_template: dict[str, list[int]] = {}
        for i, item in enumerate(self.items):
            self.by_template.setdefault(item.template, []).append(i)

    def __len__(self) -> int:
        return len(self.items)

    def set_parameters(self, item_id: str, b: float, a: float | None = None) -> None:
        """Record a recalibrated item (after an online step or a refit)."""
        i = self.index[item_id]
        self.b[i] = b
        if a is not None:
            self.a[i] = a

    def item(self, i: int) -> Item:
        """The item at index i, carrying its current parameters."""
        item = self.items[i]
        b, a = float(self.b[i]), float(self.a[i])
        if item.b == b and item.a == a:
            return item
        return Item(item.id, item.template, item.topic, item.label, b, a, item.misconceptions)


def predicted_success(theta, b, a, theta_sd=0.0):
    """P(correct) averaged over the ability's posterior N(theta, theta_sd^2), elementwise.

    An uncertain estimate flattens the curve (probit approximation); theta_sd = 0 is the
    success at the posterior mean.  The one rule for "how likely is this learner to get
    this item right" that every aim of the quiz uses: the next question and a near variant.
    """
    slope = a / np.sqrt(1.0 + (np.pi / 8.0) * (a * theta_sd) ** 2)
    return 1.0 / (1.0 + np.exp(-slope * (np.asarray(theta, float) - b)))


def as_pool(pool: Sequence[Item] | ItemPool) -> ItemPool:
    return pool if isinstance(pool, ItemPool) else ItemPool(pool)


def select_index(
    pool: ItemPool,
    seen: np.ndarray,
    topic_counts: np.ndarray,
    theta: float | np.ndarray,
    rng: random.Random,
    *,
    target: float = 0.70,
    top_k: int = 5,
    window: float = 0.05,
    topic_weight: float = 0.10,
    info_weight: float = 0.3,
    max_exposure: float = 0.15,
    theta_sd: float | np.ndarray = 0.0,
    band: float | None = None,
    max_level: int | None = None,
    min_level: int | None = None,
    used_templates: np.ndarray | None = None,
    template_weight: float = 0.15,
) -> int | None:
    """Index of the next item, or None when every item is seen.

    seen: boolean mask over the pool; topic_counts: items answered per topic
    code; theta (and theta_sd, if the success should be averaged over the
    posterior): the ability, or one per topic code.

    cost = |predicted success - target|
           + topic_weight x (answers in this topic - in the least-answered one)
           - info_weight x log a          (steeper items measure more)
    Items shown to at least `max_exposure` of learners are left out unless
    nothing else is left.  The pick is uniform among the top_k cheapest and
    every item within `window` of the cheapest, which spreads exposure
    without leaving the zone.
    max_level: no item of a harder label (after a run of wrong answers) unless none is left, and then one label
    harder at most: None when that is gone too (the quiz ends early rather than give hard ones after missed easy ones).
    min_level: no item of an easier label (after a run of right answers early in a quiz), unless none is left.
    used_templates: boolean mask over template codes already asked in this quiz; their
    other variants cost `template_weight` more, so a quiz does not replay its templates.
    """
    if len(pool) == 0:
        return None
    unseen = ~seen
    if not unseen.any():
        return None
    available = np.bincount(pool.topic[unseen], minlength=len(pool.topics)) > 0
    extra = topic_counts - topic_counts[available].min()
    if np.ndim(theta):
        theta = np.asarray(theta)[pool.topic]
    if np.ndim(theta_sd):
        theta_sd = np.asarray(theta_sd)[pool.topic]
    miss = np.abs(predicted_success(theta, pool.b, pool.a, theta_sd) - target)
    cost = miss + topic_weight * extra[pool.topic]
    if info_weight:  # information is a^2 p (1 - p)
        cost -= info_weight * np.log(pool.a)
    if used_templates is not None and template_weight:
        cost += template_weight * used_templates[pool.template]
    # Each restriction applies only while something unseen is left under it: a small pool
    # bends the rule rather than ending the quiz.
    allowed = unseen.copy()
    restrictions = [pool.exposure >= max_exposure]  # over-shown items only as a last resort
    if band is not None:
        restrictions.append(miss > band)
    # A level rule with nothing unseen left under it gives way one label at a time: after a run of misses
    # on the last easy questions, medium comes next, not hard.
    levels = int(pool.level.max())
    if max_level is not None:
        capped = max_level
        while max_level < levels and not (unseen & (pool.level <= max_level)).any():
            max_level += 1
        if max_level > capped + 1:  # never two labels above the misses: no item, rather than hard after easy ones
            return None
        restrictions.append(pool.level > max_level)
    if min_level is not None:
        while min_level > 0 and not (unseen & (pool.level >= min_level)).any():
            min_level -= 1
        restrictions.append(pool.level < min_level)
    for banned in reversed(restrictions):  # the level rules first, exposure last
        if (allowed & ~banned).any():
            allowed &= ~banned
    cost[~allowed] = np.inf
    n_open = int(np.isfinite(cost).sum())
    k = min(top_k, n_open)
    kth = np.partition(cost, k - 1)[k - 1]
    best = cost.min()
    candidates = np.flatnonzero(cost <= max(kth, best + window))
    return int(candidates[rng.randrange(len(candidates))])


def history_state(pool: ItemPool, history: Sequence[Response], counted_from: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(seen mask, answered-per-topic counts) of a history against a pool; the topics counted from the
    answer at `counted_from` on (the quiz counts its own answers)."""
    seen = np.zeros(len(pool), bool)
    counts = np.zeros(len(pool.topics), np.int64)
    topic_code = {t: k for k, t in enumerate(pool.topics)}
    for n, r in enumerate(history):
        i = pool.index.get(r.item_id)
        if i is not None:
            seen[i] = True
        k = topic_code.get(r.topic) if n >= counted_from else None
        if k is not None:
            counts[k] += 1
    return seen, counts


def selection_ability(pool: ItemPool, history: Sequence[Response], topic_sd: float = 0.0):
    """(mean, sd) of the ability the selection aims at: one number, or one per topic code of the pool
    when topic_sd > 0 (each topic predicted from its own ability, bi-factor EAP)."""
    if topic_sd > 0.0:
        _overall, topic_abilities = estimate_across_topics(history, pool.topics, topic_sd)
        return (np.array([topic_abilities[t][0] for t in pool.topics]),
                np.array([topic_abilities[t][1] for t in pool.topics]))
    return estimate_ability(history)
