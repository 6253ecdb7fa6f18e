"""When to re-check a diagnosed misconception with a near variant, and with which item.

After a wrong answer that names a misconception, the quiz queues a near variant: a later
question of the same template whose options test the same misconception.  Learners
noticed three things that this module rules out:
- a near variant harder than the question they just missed (it comes at the same level
  or an easier one);
- the missed templates coming back in the order they were missed (due variants are
  served in random order, with a random delay, at most one in any `SPACING` questions);
- a quiz made mostly of replays (at most SHARE of a quiz is near variants).
Pure functions over an `ItemPool`; the session keeps the queue in the store.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from torchquiz.engine.selection import LEVELS, Item, ItemPool, Response, as_pool, predicted_success

SPACING = 3          # at most one near variant in any 3 consecutive questions
# At most this share of a quiz's questions are near variants: each is a forced pick, so it
# buys a re-check at the cost of measurement (adaptive-sim-v2, 400 learners: none at all gave
# RMSE@15 0.384 instead of 0.442 after the first 100 learners at 0.15).
SHARE = 0.1


@dataclass(frozen=True)
class NearVariant:
    """A pending re-check of a diagnosed misconception on the same template."""

    template: str
    misconception: str
    due: int                    # may be asked once this many items are answered
    level: int = 2              # the missed question's level: the variant is at most this hard


def allowance(length: int) -> int:
    """Near variants one quiz of `length` questions may schedule."""
    return max(1, int(length * SHARE))


def schedule_near_variant(
    pending: Sequence[NearVariant],
    item: Item,
    response: Response,
    *,
    position: int,
    delay: int = 3,
    rng: random.Random | None = None,
    room: int | None = None,
) -> tuple[NearVariant, ...]:
    """Queue a near variant after a wrong answer that names a misconception.

    position: items answered so far (including this one); the variant becomes due
    `delay` (plus 0-2 at random, given rng) items later, so the learner has read the
    feedback but not just memorised it.  One pending variant per (template,
    misconception); room: how many more this quiz may schedule (None: no limit).
    """
    pending = tuple(pending)
    if response.correct or not response.misconception or room == 0:
        return pending
    if any(v.template == item.template and v.misconception == response.misconception for v in pending):
        return pending
    jitter = rng.randrange(3) if rng is not None else 0
    level = LEVELS[item.label]
    return pending + (NearVariant(item.template, response.misconception, position + delay + jitter, level),)


def find_near_variant(pool: Sequence[Item] | ItemPool, variant: NearVariant, seen_ids: Iterable[str],
                      max_exposure: float = 1.0, max_level: int | None = None,
                      aim: tuple | None = None) -> Item | None:
    """An unseen item of the same template, at the variant's level or easier, whose options
    test the misconception: the nearest level first, then the one testing the fewest other
    misconceptions (it isolates this one best).  Items shown to `max_exposure` of learners
    or more are left out: a re-check must not break the exposure cap; max_level lowers the
    level ceiling further (the quiz's cap after a run of wrong answers).

    aim: (ability, sd, target success), the ability and its posterior sd each one number
    or a mapping topic -> value (a topic it lacks: the mean of the others).  The candidate
    whose predicted success (`selection.predicted_success`, the selector's own rule) is
    nearest the target then comes first, so the re-check sits where the learner can show
    the misconception is fixed: the variant at the level just missed is, for a learner who
    just missed it, the one most likely to be missed again.  Without aim, the nearest level."""
    pool = as_pool(pool)
    ceiling = variant.level if max_level is None else min(variant.level, max_level)
    seen = set(seen_ids)
    best = None
    for i in pool.by_template.get(variant.template, ()):
        item = pool.items[i]
        level = int(pool.level[i])
        if item.id in seen or variant.misconception not in item.misconceptions or level > ceiling:
            continue
        if pool.exposure[i] >= max_exposure:
            continue
        if aim is None:
            key = (variant.level - level, len(item.misconceptions), item.id)
        else:
            theta, sd, target = aim
            p = predicted_success(_of_topic(theta, item.topic), pool.b[i], pool.a[i], _of_topic(sd, item.topic))
            key = (abs(float(p) - target), len(item.misconceptions), item.id)
        if best is None or key < best[0]:
            best = (key, i)
    return None if best is None else pool.item(best[1])


def _of_topic(value, topic):
    """value itself, or its entry for topic when it is a mapping topic -> value (missing: the mean)."""
    if isinstance(value, Mapping):
        return value.get(topic, sum(value.values()) / max(len(value), 1))
    return value


def due_near_variant(pools: Sequence[ItemPool], pending: Sequence[NearVariant], seen_ids: Iterable[str],
                     position: int, rng: random.Random, max_exposure: float = 1.0,
                     max_level: int | None = None, aim: tuple | None = None) -> Item | None:
    """A servable due variant's item, chosen at random among the due ones, or None (aim: see `find_near_variant`)."""
    seen_ids = set(seen_ids)
    due = [v for v in pending if v.due <= position]
    rng.shuffle(due)
    for variant in due:
        for pool in pools:
            item = find_near_variant(pool, variant, seen_ids, max_exposure, max_level, aim)
            if item is not None:
                return item
    return None


def replay(asked: Sequence[tuple[Item, str | None]], length: int) -> tuple[int, int]:
    """(near variants scheduled, position of the last one served, or -SPACING) of a quiz of `length` whose
    questions so far were `asked`, each as (item, the misconception its answer showed or None): what a resumed
    quiz must know so that it neither schedules more than its allowance nor serves the next one too soon.
    It replays `schedule_near_variant`'s rule; the random delay does not change either figure."""
    pending: list[tuple[str, str]] = []
    scheduled, last = 0, -SPACING
    for position, (item, misconception) in enumerate(asked):
        served = [p for p in pending if p[0] == item.template and p[1] in item.misconceptions]
        if served:
            last = position
            pending = [p for p in pending if p not in served]
        if misconception and scheduled < allowance(length) and (item.template, misconception) not in pending:
            pending.append((item.template, misconception))
            scheduled += 1
    return scheduled, last


def settle_pending(pending: Sequence[NearVariant], item: Item) -> tuple[NearVariant, ...]:
    """Drop the pending variants that `item` serves."""
    return tuple(v for v in pending
                 if not (v.template == item.template and v.misconception in item.misconceptions))
