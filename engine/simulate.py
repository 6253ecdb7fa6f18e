"""adaptive-sim (../shared/adaptive-sim.md) run through the product: real quizzes over a real store.

The world's 600 items become multiple-choice question records in an SQLite store (label,
topic and, in v2, template: all the engine may know; each wrong option names a
misconception of its template, as a generated bank's do).  Each simulated learner then
takes a `QuizSession` exactly as `torchquiz quiz` runs it: `next_question`, then the
answer the world's coin decides, graded by `torchquiz.record.grading.grade` from the
option letter and handed to `QuizSession.answer`, then `finish` (which refits on the
store's schedule).  Selection, exposure from the store's counts, near variants and
calibration are therefore the quiz's own; there is no other engine loop.  The estimate
after k items is the overall ability the quiz stored after its k-th answer.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from torchquiz.engine import progress
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import OVERALL, Store
from torchquiz.engine.worlds import N_ITEMS, SEED, World, build_world
from torchquiz.record.grading import grade
from torchquiz.record.validate import LETTERS

LENGTH = 20
COLD_LENGTH = 10
CHECKPOINTS = (5, 10, 15, 20)
METRIC_KEYS = ("rmse_5", "rmse_10", "rmse_15", "rmse_20", "bias_5", "bias_10", "bias_15", "success_rate",
               "in_zone", "max_exposure", "bank_used", "topics_first10", "select_ms_p99", "hard_by_5")


def question_records(world: World) -> list[dict]:
    """The world's items as question records: the correct option first, three wrong ones."""
    records = []
    for i in range(N_ITEMS):
        template = f"sim.{world.name}.t{world.templates[i]:03d}"
        options = [{"text": "right", "correct": True, "misconception": None, "feedback": "Right."}]
        options += [{"text": f"wrong {k}", "correct": False, "misconception": f"{template}.m{k}",
                     "feedback": f"Misconception {k} of {template}."} for k in range(3)]
        records.append({"schema": "torchquiz/question@1", "id": f"sim.{world.name}.{i:03d}", "template": template,
                        "family": "sim", "topics": [f"topic{world.topics[i]}"], "difficulty": world.labels[i],
                        "type": "multichoice", "stem": f"Simulated item {i}.", "code": None, "run": None,
                        "answer_from": "computed", "options": options, "answer": {"text": "right"},
                        "solution": ["Step 1: simulated."], "hint": "", "common_mistakes": [],
                        "params": {"item": i}, "provenance": {"seed": 0}})
    return records


@dataclass
class RunLog:
    """What the quizzes did in a run; `metrics` turns it into the table's row."""

    estimates: np.ndarray        # learner x k: the stored overall ability after k+1 answers
    items: np.ndarray            # learner x k: administered item index
    correct: np.ndarray          # learner x k
    select_seconds: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0


def take_quiz(store: Store, world: World, learner: int, length: int, seed: int, log: RunLog) -> None:
    """One simulated learner takes one real quiz; answers enter as option letters."""
    session = QuizSession.start(store, f"learner{learner:04d}", length=length, seed=seed * 7919 + learner)
    k = 0
    while True:
        started = time.perf_counter()
        record = session.next_question()
        log.select_seconds.append(time.perf_counter() - started)
        if record is None:
            break
        i = int(record["params"]["item"])
        right = world.answer(learner, i)
        letter = "A" if right else LETTERS[1 + world.wrong_choice(learner, i, 3)]
        session.answer(record, grade(record, letter))
        log.items[learner, k], log.correct[learner, k] = i, right
        log.estimates[learner, k] = progress.abilities(store, session.row.learner_id)[OVERALL][0]
        k += 1
    log.select_seconds.pop()  # the last call only found the quiz finished
    session.finish()


@contextmanager
def world_store(world: World, directory: str | None = None):
    """A fresh store holding the world's bank, in a temporary directory."""
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        path = Path(tmp) / "world.db"
        with Store.open(path) as store:
            store.add_questions(question_records(world))
        yield path


def run(world: World, *, length: int = LENGTH, seed: int = SEED, cold_start: bool = False) -> RunLog:
    """Every learner of the world takes one quiz, one after another, over one store
    (cold_start: each over a fresh copy of the bank, so nothing learnt is kept)."""
    n = world.n_learners
    log = RunLog(np.zeros((n, length)), np.zeros((n, length), np.int64), np.zeros((n, length), bool))
    started = time.perf_counter()
    with world_store(world) as path:
        if cold_start:
            fresh = path.with_name("fresh.db")
            for learner in range(n):
                shutil.copyfile(path, fresh)
                with Store.open(fresh) as store:
                    take_quiz(store, world, learner, length, seed, log)
        else:
            with Store.open(path) as store:
                for learner in range(n):
                    take_quiz(store, world, learner, length, seed, log)
    log.wall_seconds = time.perf_counter() - started
    return log


def metrics(world: World, log: RunLog) -> dict:
    n, length = log.items.shape
    err = log.estimates - world.theta[:, None]
    rmse = np.sqrt((err**2).mean(axis=0))
    p = np.array([[world.p_true(l, i) for i in row] for l, row in enumerate(log.items)])
    exposure = np.bincount(log.items.ravel(), minlength=N_ITEMS) / n
    first = log.items[:, : min(10, length)]
    hard = np.array(world.labels) == "hard"
    strong = world.theta >= 1.0
    # checkpoints the test did not reach are None (JSON null)
    out = {f"rmse_{k}": float(rmse[k - 1]) if k <= length else None for k in CHECKPOINTS}
    out.update({f"bias_{k}": float(err[:, k - 1].mean()) if k <= length else None for k in (5, 10, 15)})
    out.update(
        success_rate=float(log.correct.mean()),
        in_zone=float(((p >= 0.60) & (p <= 0.85)).mean()),
        max_exposure=float(exposure.max()),
        bank_used=float((exposure > 0).mean()),
        topics_first10=float(np.mean([len(set(world.topics[row])) for row in first])),
        select_ms_p99=float(np.percentile(log.select_seconds, 99) * 1000) if log.select_seconds else 0.0,
        # strong learners (theta >= 1) who met a hard item within their first 5
        hard_by_5=float(hard[log.items[strong, :5]].any(axis=1).mean()) if strong.any() else None,
        wall_seconds=log.wall_seconds,
    )
    out["rmse_by_k"] = [float(x) for x in rmse]
    return out


def simulate(*, world: str = "v1", learners: int = 2000, length: int = LENGTH, seed: int = SEED,
             topic_rho: float | None = None, cold_start: bool = False) -> dict:
    """Run adaptive-sim `world` through real quizzes and return its metrics."""
    if learners < 1:
        raise ValueError(f"learners={learners!r}: must be at least 1")
    if not 1 <= length <= N_ITEMS:
        raise ValueError(f"length={length!r}: must lie in 1..{N_ITEMS}")
    built = build_world(world, seed, learners, topic_rho)
    return metrics(built, run(built, length=length, seed=seed, cold_start=cold_start))
