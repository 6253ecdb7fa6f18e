"""A quiz session: pick the next question, grade the answer, remember it, adapt.

The session loads the learner's history and the matching questions from the store
once, selects in memory with `torchquiz.engine.selection`, and commits every completed answer
immediately (see `torchquiz.engine.progress.record_attempt`), so Ctrl-C loses nothing and
`resume` picks up the open session where it stopped: the question on screen, the
pending near variants and the count so far. Nothing here imports torch.
"""
import random
from dataclasses import dataclass, field

from torchquiz.engine import irt, progress, selection
from torchquiz.engine.store import OVERALL, StoreError

MASTERY_REFERENCE = "medium"  # mastery = predicted success on a medium question
REFIT_EVERY = 500             # new attempts between automatic refits of item difficulty


class NoQuestions(StoreError):
    """The store holds no question matching the quiz's filters."""


class NothingToResume(StoreError):
    """--resume, but the learner has no unfinished quiz."""


@dataclass
class TopicAbility:
    topic: str
    mean: float
    sd: float
    n: int

    @property
    def mastery(self):
        return irt.p_correct(self.mean, irt.LABEL_PRIOR[MASTERY_REFERENCE])


@dataclass
class Summary:
    answered: int
    correct: int
    skipped: int
    length: int
    abilities: list            # [TopicAbility], this session's topics then the overall one
    overall: TopicAbility
    misconceptions: list       # [(id, count, explanation)] hit in this session, most frequent first
    practise: list = field(default_factory=list)  # suggestions, one line each


class QuizSession:
    """One learner's quiz over a store. Build it with `start` or `resume`."""

    def __init__(self, store, learner_name, row, pool, *, rng=None, near_variants=None):
        self.store, self.learner_name, self.row = store, learner_name, row
        self.pool = pool
        self.rng = rng or random.Random(row.seed)
        self.near_variants = near_variants
        self.history = progress.history(store, row.learner_id)
        done = progress.session_attempts(store, row.id)
        self.session_ids = {a.question_id for a in done}
        self.answered = sum(1 for a in done if not a.skipped)
        self.correct = sum(1 for a in done if a.correct)
        self.skipped = sum(1 for a in done if a.skipped)
        self.arrivals = selection.ItemPool([])  # near variants generated during this session

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def start(cls, store, learner_name, *, topics=(), families=(), length=10, target=0.70, seed=None,
              near_variants=None):
        if length < 1:
            raise ValueError(f"length={length!r}: must be at least 1")
        if not 0.0 < target < 1.0:
            raise ValueError(f"target={target!r}: must lie strictly between 0 and 1")
        pool = _load_pool(store, topics, families)
        learner = progress.learner_id(store, learner_name)
        stale = progress.open_session(store, learner)
        if stale is not None:  # a new quiz replaces an unfinished one; its answers stay recorded
            progress.finish_session(store, stale, status="abandoned")
        seed = random.SystemRandom().randrange(2**31) if seed is None else seed
        row = progress.start_session(store, learner, length=length, target=target, seed=seed,
                                     filters={"topics": list(topics), "families": list(families)})
        return cls(store, learner_name, row, pool, near_variants=near_variants)

    @classmethod
    def resume(cls, store, learner_name, *, near_variants=None):
        learner = progress.learner_id(store, learner_name, create=False)
        row = progress.open_session(store, learner)
        if row is None:
            raise NothingToResume(f"{learner_name!r} has no unfinished quiz to resume")
        pool = _load_pool(store, row.filters.get("topics", ()), row.filters.get("families", ()))
        done = len(progress.session_attempts(store, row.id))
        # A different but reproducible stream for each resume point.
        return cls(store, learner_name, row, pool, rng=random.Random(row.seed * 1009 + done),
                   near_variants=near_variants)

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
        theta, _ = ability_of(self.history)
        response = selection.Response(item_id=qid, topic=item["topic"], b=item["b"], a=item["a"],
                                      correct=grade.correct, misconception=grade.misconception)
        new_b = irt.online_update(item["b"], theta, grade.correct, item["n_seen"], item["a"])
        self.history.append(response)
        pending = self._schedule(record, response)
        abilities = self._abilities(item["topic"])
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
            progress.calibrate_if_due(self.store, every=REFIT_EVERY)
        return self.summary()

    # -- selection ------------------------------------------------------------------------
    def _seen_ids(self):
        return {r.item_id for r in self.history} | self.session_ids

    def _select(self):
        seen_ids = self._seen_ids()
        for variant in sorted(self._pending(), key=lambda v: v.due):
            if variant.due <= len(self.history):
                item = (selection.find_near_variant(self.arrivals, variant, seen_ids)
                        or selection.find_near_variant(self.pool, variant, seen_ids))
                if item is not None:
                    return item
        # The calibration's topic spread (0 until enough learners) makes this the simulation's selection.
        theta, _ = selection.selection_ability(self.pool, self.history, float(self.store.meta("topic_sd", 0.0)))
        seen, counts = selection.history_state(self.pool, self.history)
        for qid in self.session_ids:
            if qid in self.pool.index:
                seen[self.pool.index[qid]] = True
        target = self.row.target
        index = selection.select_index(self.pool, seen, counts, theta, self.rng, target=target)
        if index is None:  # everything seen before: allow repeats from earlier sessions, never this one's
            seen[:] = False
            for qid in self.session_ids:
                if qid in self.pool.index:
                    seen[self.pool.index[qid]] = True
            index = selection.select_index(self.pool, seen, counts, theta, self.rng, target=target)
        return None if index is None else self.pool.item(index)

    def _pending(self):
        return [selection.NearVariant(**v) for v in self.row.pending]

    def _settle(self, item):
        return [vars(v) for v in selection.settle_pending(self._pending(), item)]

    def _schedule(self, record, response):
        """Queue a near variant after a diagnosed wrong answer; start generating it if the pool has none."""
        item = self.pool.item(self.pool.index[record["id"]]) if record["id"] in self.pool.index else \
            selection.Item(record["id"], record["template"], response.topic, record["difficulty"], response.b)
        before = self._pending()
        after = selection.schedule_near_variant(before, item, response, position=len(self.history))
        for variant in after[len(before):]:
            if self.near_variants is not None and not (
                    selection.find_near_variant(self.pool, variant, self._seen_ids() | {record["id"]})):
                self.near_variants.request(variant.template, variant.misconception, seed=self.rng.randrange(2**31))
        return [vars(v) for v in after]

    def collect_arrivals(self):
        """Add near variants generated in the background since the last call to the pool."""
        if self.near_variants is None:
            return 0
        ids = self.near_variants.arrived()
        if not ids:
            return 0
        items = [i for i in self.store.pool_items(ids=ids) if i.id not in self._seen_ids()]
        self.arrivals = selection.ItemPool(self.arrivals.items + items)
        return len(items)

    def _abilities(self, topic):
        overall = ability_of(self.history)
        in_topic = [r for r in self.history if r.topic == topic]
        mean, sd = ability_of(in_topic)
        return {topic: (mean, sd, len(in_topic)), OVERALL: (*overall, len(self.history))}

    # -- summary --------------------------------------------------------------------------
    def summary(self):
        learner = self.row.learner_id
        stored = progress.abilities(self.store, learner)
        session_topics = sorted({self.store.item(a.question_id)["topic"]
                                 for a in progress.session_attempts(self.store, self.row.id) if not a.skipped})
        abilities = [TopicAbility(t, *stored[t]) for t in session_topics if t in stored]
        mean, sd = ability_of(self.history)
        overall = TopicAbility("overall", mean, sd, len(self.history))
        hits = progress.misconception_counts(self.store, learner, self.row.id)
        misconceptions = [(m, n, explain_misconception(self.store, m)) for m, n in hits]
        return Summary(self.answered, self.correct, self.skipped, self.length, abilities, overall,
                       misconceptions, practise_next(abilities, misconceptions))


def ability_of(responses):
    """EAP (mean, sd) of responses; irt.eap over plain lists, which stays fast for long histories."""
    return irt.eap([r.b for r in responses], [r.a for r in responses], [float(r.correct) for r in responses])


def _load_pool(store, topics, families):
    items = store.pool_items(topics, families)
    if not items:
        wanted = " matching " + ", ".join(f"--topic {t}" for t in topics) + " ".join(
            f" --family {f}" for f in families) if topics or families else ""
        raise NoQuestions(f"{store.path} holds no questions{wanted}. Add some with "
                          "`torchquiz bank build` or `torchquiz bank import SET.jsonl`")
    return selection.ItemPool(items)


def practise_next(abilities, misconceptions, weakest=2):
    """What to do next: the weakest topics, and the most frequent misconception."""
    lines = []
    for ability in sorted(abilities, key=lambda a: a.mastery)[:weakest]:
        if ability.mastery < 0.8:
            lines.append(f"Practise {ability.topic}: torchquiz quiz --topic {ability.topic}")
    if misconceptions:
        lines.append(f"Review the misconception {misconceptions[0][0]!r} (explained above).")
    if not lines:
        lines.append("All topics of this quiz look solid: try a longer quiz or other topics.")
    return lines


_CATALOGUE = None


def explain_misconception(store, misconception):
    """The catalogue's explanation of a misconception, else the feedback of a stored option it produced."""
    global _CATALOGUE
    if _CATALOGUE is None:
        try:
            from torchquiz.generator.catalogue import load_misconceptions  # plain YAML, no torch
            _CATALOGUE = load_misconceptions()
        except Exception:  # the catalogue is optional for the engine: stored feedback still explains
            _CATALOGUE = {}
    entry = _CATALOGUE.get(misconception)
    text = getattr(entry, "description", None) or getattr(entry, "feedback", None)
    return text or progress.misconception_feedback(store, misconception) or ""


def mastery_bar(mastery, width=20):
    filled = max(0, min(width, int(round(mastery * width))))
    return "█" * filled + "░" * (width - filled)

