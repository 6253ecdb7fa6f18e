"""A quiz session: pick the next question, grade the answer, remember it, adapt.

The session loads the learner's history and the matching questions from the store
once, selects in memory with `torchquiz.engine.selection`, and commits every completed answer
immediately (see `torchquiz.engine.progress.record_attempt`), so Ctrl-C loses nothing and
`resume` picks up the open session where it stopped: the question on screen, the
pending near variants and the count so far. Nothing here imports torch.
"""
import random

import numpy as np

from torchquiz.engine import irt, near_schedule, progress, selection
from torchquiz.engine.quiz_pool import NoQuestions, load_pool  # noqa: F401 (NoQuestions: the session's error)
from torchquiz.engine.report import progress_report
from torchquiz.engine.store import OVERALL, StoreError
from torchquiz.engine.topic_ability import estimate_across_topics, learner_estimates

# Until the store has been refitted, its difficulties are the labels' coarse, off-centre
# guesses, and answers to questions picked for more than 50% success over-read the easy
# side; the quiz then aims at 50% throughout (adaptive-sim-v1, cold start, 10 items:
# RMSE@10 0.515 -> 0.504 and bias@10 +0.032 -> +0.006 against routing then 70%; a 60% aim
# gave 0.536 and +0.10).  A store is refitted when its first quiz ends, so this is the
# first learner's quiz on a fresh store.
# Once refitted, while a learner's ability is uncertain (posterior SD above ROUTING_SD),
# questions aim at 60% (a routing stage): its information is 96% of 50%'s, and the
# learner meets fewer misses (v1, 2,000 learners: success 0.629 -> 0.652, in-zone 0.526 ->
# 0.537, RMSE@15 +0.01).  Calibrated items get the SD there in 3-5 answers.  Then the
# quiz's own target.
ROUTING_SD = 0.6
ROUTING_TARGET_LABELS = 0.5
ROUTING_TARGET = 0.6
# After routing the aim is the target itself.  Making up for the quiz's success so far was
# measured and dropped: in adaptive-sim-v1 (2,000 learners) up to 0.05 of catch-up gave
# success +0.01, in-zone -0.02 and RMSE@15 +0.01.
# Aim at the success averaged over the ability's posterior, not at its mean: an uncertain
# estimate flattens the curve, and the plug-in aim overshoots the target's difficulty.
# adaptive-sim-v1, 2,000 learners: success 0.626 -> 0.629, RMSE@15 0.406 -> 0.401.
PREDICTIVE = True
MAX_EXPOSURE = 0.15           # share of learners an item may reach before it is held back
WRONG_RUN = 2                 # after this many wrong answers in a row, nothing harder than the missed ones
# Early in a quiz, a run of right answers climbs: in the first CLIMB_WITHIN questions, after
# RIGHT_RUN right answers in a row, the next is at least one label above the easier of them,
# so a learner who answers everything right meets a hard question within CLIMB_WITHIN.
RIGHT_RUN = 2
CLIMB_WITHIN = 5
LEVEL_NAMES = {index: name for name, index in selection.LEVELS.items()}


class NothingToResume(StoreError):
    """--resume, but the learner has no unfinished quiz."""


class QuizSession:
    """One learner's quiz over a store. Build it with `start` or `resume`."""

    def __init__(self, store, learner_name, row, pool, *, rng=None, near_variants=None, refit=None):
        self.store, self.learner_name, self.row = store, learner_name, row
        self.pool = pool
        # What finish() does about a due refit: run it here (the default, and the simulation's),
        # or hand it to a background process (`torchquiz.engine.refit.BackgroundRefit`, the terminal quiz's).
        self.refit = refit or progress.calibrate_if_due
        self.rng = rng or random.Random(row.seed)
        self.near_variants = near_variants
        self.history = progress.history(store, row.learner_id)
        done = progress.session_attempts(store, row.id)
        self.session_ids = {a.question_id for a in done}
        self.answered = sum(1 for a in done if not a.skipped)
        self.correct = sum(1 for a in done if a.correct)
        self.skipped = sum(1 for a in done if a.skipped)
        self.arrivals = selection.ItemPool([])  # near variants generated during this session
        # The calibration's topic spread (0 until enough learners): abilities per topic, bi-factor.
        self.topic_sd = float(store.meta("topic_sd", 0.0) or 0.0)
        self.refitted = int(store.meta("refit_attempts", 0) or 0) > 0  # difficulties beyond the bare labels
        self.set_aside = None
        self.repeats_earlier = False  # every question that fits was seen in earlier quizzes: they come again
        self.store_topics = None  # read at the first answer
        self._ability = (None, None)  # (history key, ability()) of the last estimate
        # A resumed quiz goes on with its near variants where it stopped: no more than its allowance in all.
        self.variants_scheduled, self.last_variant_at = near_schedule.replay(
            self._asked(done, row.current_question_id), row.length)

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def start(cls, store, learner_name, *, topics=(), families=(), length=10, target=0.70, seed=None,
              near_variants=None, refit=None):
        if length < 1:
            raise ValueError(f"length={length!r}: must be at least 1")
        if not 0.0 < target < 1.0:
            raise ValueError(f"target={target!r}: must lie strictly between 0 and 1")
        pool = load_pool(store, topics, families)
        learner = progress.learner_id(store, learner_name)
        stale = progress.open_session(store, learner)
        set_aside = None
        if stale is not None:  # a new quiz replaces an unfinished one; its answers stay recorded
            progress.finish_session(store, stale, status="abandoned")
            set_aside = (len(progress.session_attempts(store, stale.id)), stale.length)
        seed = random.SystemRandom().randrange(2**31) if seed is None else seed
        row = progress.start_session(store, learner, length=length, target=target, seed=seed,
                                     filters={"topics": list(topics), "families": list(families)})
        session = cls(store, learner_name, row, pool, near_variants=near_variants, refit=refit)
        session.set_aside = set_aside  # (answered, length) of the unfinished quiz this one closed
        return session

    @classmethod
    def resume(cls, store, learner_name, *, near_variants=None, refit=None):
        learner = progress.learner_id(store, learner_name, create=False)
        row = progress.open_session(store, learner)
        if row is None:
            raise NothingToResume(f"{learner_name!r} has no unfinished quiz to resume")
        pool = load_pool(store, row.filters.get("topics", ()), row.filters.get("families", ()))
        done = len(progress.session_attempts(store, row.id))
        # A different but reproducible stream for each resume point.
        return cls(store, learner_name, row, pool, rng=random.Random(row.seed * 1009 + done),
                   near_variants=near_variants, refit=refit)

    # -- progress -------------------------------------------------------------------------
    @property
    def position(self):
        """Questions used so far in this session: answered plus skipped."""
        return self.answered + self.skipped

    @property
    def length(self):
        return self.row.length

    @property
    def finished(self):
        return self.position >= self.row.length

    def next_question(self):
        """The record to show next (the one on screen when resuming), or None when done."""
        if self.finished:
            return None
        if self.row.current_question_id:
            return self.store.question(self.row.current_question_id)
        item = self._select()
        if item is None:
            return None
        progress.set_current(self.store, self.row, item.id, self._settle(item))
        return self.store.question(item.id)

    def answer(self, record, grade, *, seconds=0.0, hint_used=False):
        """Record a graded answer (torchquiz.record.grading.Grade) with its consequences; returns its position."""
        qid = record["id"]
        item = self.store.item(qid)
        if progress.answered_by(self.store, self.row.learner_id) != len(self.history):
            # answers stored meanwhile by another command (an import of the learner's practice page): the ability
            # written below starts from every answer, not from the quiz's copy, which would drop them
            self.history = progress.history(self.store, self.row.learner_id, session_last=self.row.id)
        (theta, _), by_topic = self.ability()
        response = selection.Response(item_id=qid, topic=item["topic"], b=item["b"], a=item["a"],
                                      correct=grade.correct, misconception=grade.misconception)
        theta_topic = by_topic.get(item["topic"], (theta, 0.0))[0]
        new_b = irt.online_update(item["b"], theta_topic, grade.correct, item["n_seen"], item["a"])
        self.history.append(response)
        pending = self._schedule(record, response)
        abilities = self._abilities()
        position = progress.record_attempt(
            self.store, self.row,
            progress.Attempt(qid, grade.response, grade.correct, grade.misconception, hint_used, seconds, theta),
            item_b=new_b, abilities=abilities, pending=pending)
        if qid in self.pool.index:
            self.pool.set_parameters(qid, new_b)
        self.session_ids.add(qid)
        self.answered += 1
        self.correct += int(grade.correct)
        return position

    def skip(self, record, *, seconds=0.0, hint_used=False):
        progress.record_attempt(self.store, self.row, progress.Attempt(record["id"], None, None, None, hint_used,
                                                                       seconds))
        self.session_ids.add(record["id"])
        self.skipped += 1

    def finish(self):
        """Close the session (it ran its length, or the pool ran dry) and return its summary."""
        if self.row.status == "open":
            progress.finish_session(self.store, self.row)
            self.refit(self.store)
        return self.summary()

    # -- selection ------------------------------------------------------------------------
    def _asked(self, attempts, on_screen=None):
        """(item, misconception shown) of each attempt and of the question on screen (None: unanswered), for the
        items the store still holds."""
        asked = [(a.question_id, a.misconception) for a in attempts] + ([(on_screen, None)] if on_screen else [])
        items = {i.id: i for i in self.store.pool_items(ids=[q for q, _ in asked])} if asked else {}
        return [(items[q], m) for q, m in asked if q in items]

    def _seen_ids(self):
        return {r.item_id for r in self.history} | self.session_ids

    def _select(self):
        seen_ids = self._seen_ids()
        theta, theta_sd = selection.selection_ability(self.pool, self.history, self.topic_sd)
        theta_sd = theta_sd if PREDICTIVE else 0.0  # both aims below read the same success
        target, level_cap = self._target(), self._level_cap()
        if self.position - self.last_variant_at >= near_schedule.SPACING:
            ability, sd = ((dict(zip(self.pool.topics, map(float, v))) if np.ndim(v) else float(v))
                           for v in (theta, theta_sd))
            item = near_schedule.due_near_variant([self.arrivals, self.pool], self._pending(), seen_ids,
                                                  len(self.history), self.rng, MAX_EXPOSURE, level_cap,
                                                  aim=(ability, sd, target))
            if item is not None:
                self.last_variant_at = self.position
                return item
        # Topics are balanced within this quiz: counted over a learner's whole history, a topic answered often
        # in earlier quizzes outweighed the level, and the weakest learners met hard questions.
        seen, counts = selection.history_state(self.pool, self.history, len(self.history) - self.answered)
        in_session = [self.pool.index[q] for q in self.session_ids if q in self.pool.index]
        seen[in_session] = True
        used = np.zeros(len(self.pool.template_code), bool)
        used[self.pool.template[in_session]] = True
        options = dict(target=target, max_level=level_cap, min_level=self._level_floor(),
                       used_templates=used, max_exposure=MAX_EXPOSURE, theta_sd=theta_sd)
        index = selection.select_index(self.pool, seen, counts, theta, self.rng, **options)
        if index is None:  # everything seen before: allow repeats from earlier sessions, never this one's
            seen[:] = False
            seen[in_session] = True
            index = selection.select_index(self.pool, seen, counts, theta, self.rng, **options)
            self.repeats_earlier = index is not None
        return None if index is None else self.pool.item(index)

    def _target(self):
        """50% on a store never refitted; else 60% while the ability's posterior SD exceeds
        ROUTING_SD, then the quiz's target."""
        target = self.row.target
        if not self.refitted:
            return min(ROUTING_TARGET_LABELS, target)
        (_, sd), _ = self.ability()
        return min(ROUTING_TARGET, target) if sd > ROUTING_SD else target

    def _level_cap(self):
        """After WRONG_RUN wrong answers in a row, this quiz's or the end of the last one's: no label harder
        than the easiest missed in the whole run (a run that went on at medium because the easy ones ran out
        is still capped at easy)."""
        run = 0
        while run < len(self.history) and not self.history[-1 - run].correct:
            run += 1
        levels = self._run_levels(run, correct=False, across_quizzes=True) if run >= WRONG_RUN else []
        return min(levels) if levels else None

    def _level_floor(self):
        """In the quiz's first CLIMB_WITHIN questions, after RIGHT_RUN right answers in a row:
        nothing easier than one label above the easier of them (hard at most)."""
        levels = self._run_levels(RIGHT_RUN, correct=True) if self.position < CLIMB_WITHIN else []
        return min(min(levels) + 1, max(selection.LEVELS.values())) if levels else None

    def _run_levels(self, n, *, correct, across_quizzes=False):
        """Levels of this quiz's last n answers (or the learner's, across_quizzes) when all n were right
        (correct=True) or all wrong, else []."""
        recent = self.history[-n:]
        if (len(self.history) if across_quizzes else self.answered) < n or any(r.correct != correct for r in recent):
            return []
        return [int(self.pool.level[self.pool.index[r.item_id]]) for r in recent if r.item_id in self.pool.index]

    def _pending(self):
        return [near_schedule.NearVariant(**v) for v in self.row.pending]

    def _settle(self, item):
        return [vars(v) for v in near_schedule.settle_pending(self._pending(), item)]

    def _schedule(self, record, response):
        """Queue a near variant after a diagnosed wrong answer; start generating it if the pool has none."""
        item = self.pool.item(self.pool.index[record["id"]]) if record["id"] in self.pool.index else \
            selection.Item(record["id"], record["template"], response.topic, record["difficulty"], response.b)
        before = self._pending()
        room = near_schedule.allowance(self.length) - self.variants_scheduled
        after = near_schedule.schedule_near_variant(before, item, response, position=len(self.history),
                                                    rng=self.rng, room=room)
        for variant in after[len(before):]:
            self.variants_scheduled += 1
            if self.near_variants is not None and not (
                    near_schedule.find_near_variant(self.pool, variant, self._seen_ids() | {record["id"]})):
                self.near_variants.request(variant.template, variant.misconception, seed=self.rng.randrange(2**31),
                                           level=LEVEL_NAMES[variant.level], topics=self.row.filters.get("topics", ()))
        return [vars(v) for v in after]

    def collect_arrivals(self):
        """Add near variants generated in the background since the last call to the pool."""
        if self.near_variants is None:
            return 0
        ids = self.near_variants.arrived()
        if not ids:
            return 0
        # Only what the quiz's --topic and --family allow: a generated variant may have drawn another layer.
        items = [i for i in self.store.pool_items(self.row.filters.get("topics", ()), self.row.filters.get("families", ()),
                                                  ids=ids) if i.id not in self._seen_ids()]
        self.arrivals = selection.ItemPool(self.arrivals.items + items)
        return len(items)

    def ability(self):
        """((mean, sd) overall, {topic: (mean, sd)}) that selection aims with: with a fitted topic spread, a bi-factor
        EAP over the pool's topics (the overall is the mean topic ability); without one, one ability and no topics."""
        key = (self.history, len(self.history))  # the history only grows, or is replaced when reloaded
        if self._ability[0] is None or self._ability[0][0] is not key[0] or self._ability[0][1] != key[1]:
            self._ability = (key, estimate_across_topics(self.history, self.pool.topics, self.topic_sd)
                             if self.topic_sd > 0.0 else (irt.estimate_ability(self.history), {}))
        return self._ability[1]

    def _abilities(self):
        """What the store keeps after an answer: every answered topic and the overall (`learner_estimates`)."""
        if self.store_topics is None:  # over every topic of the store, not only this quiz's --topic
            filtered = self.row.filters.get("topics") or self.row.filters.get("families")
            self.store_topics = self.store.primary_topics() if filtered else self.pool.topics
        overall, by_topic = learner_estimates(self.history, self.store_topics, self.topic_sd)
        if self.topic_sd == 0.0 and set(by_topic) <= set(self.store_topics):  # ability()'s EAP: the next answer's
            self._ability = ((self.history, len(self.history)), (overall[:2], {}))
        return {**by_topic, OVERALL: overall}

    # -- summary --------------------------------------------------------------------------
    def summary(self):
        """This quiz's counts, abilities, misconceptions and advice (the same builder as `torchquiz report`)."""
        return progress_report(self.store, self.learner_name, session=self.row)
