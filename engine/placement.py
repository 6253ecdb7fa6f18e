"""Every learner's stored abilities, placed again on the items as they are now.

A learner's abilities are written with each answer, on the difficulties of that moment; a refit then moves
the difficulties, and abilities written before it went stale: a quiz learner and an imported learner with the
same answers showed different figures and advice after a refit, and a quiz learner's next (right) answer
dropped the overall from 83% to 69%.  `progress.calibrate` therefore places every learner again after each
refit, by the rule the quiz stores its learners' by (`topic_ability.place_learners`).
"""
from torchquiz.engine.store import OVERALL, now
from torchquiz.engine.topic_ability import place_learners

_CHUNK = 20_000  # answers per vectorised pass: 20,000 x 81 grid points stay a few MB


def place_all(store):
    """Store every learner's overall and per-topic abilities from their answers on the current items; returns
    the learners placed.  A row for which the store already holds more answers (a quiz stored one meanwhile)
    is left as the quiz wrote it."""
    rows = store.conn.execute(
        "SELECT a.learner_id, i.topic, i.b, i.a, a.correct FROM attempts a JOIN items i ON i.question_id = a.question_id "
        "WHERE a.correct IS NOT NULL ORDER BY a.learner_id").fetchall()
    with store.numbers_checked():
        out = abilities(rows, now(), store.primary_topics(), float(store.meta("topic_sd", 0.0) or 0.0))
    with store.write() as conn:
        conn.executemany("INSERT INTO abilities (learner_id, topic, mean, sd, n, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                         "ON CONFLICT (learner_id, topic) DO UPDATE SET mean = excluded.mean, sd = excluded.sd, "
                         "n = excluded.n, updated_at = excluded.updated_at WHERE excluded.n >= abilities.n", out)
    return {r[0] for r in out}


def abilities(rows, stamp, topics, topic_sd):
    """Ability rows (learner, topic, mean, sd, answers, stamp), overall and per topic, by `place_learners`: rows
    are (learner, topic, b, a, correct), whole learners in order, placed in chunks."""
    out, start = [], 0
    while start < len(rows):  # whole learners per chunk: cut only where the learner changes
        end = min(start + _CHUNK, len(rows))
        while end < len(rows) and rows[end][0] == rows[end - 1][0]:
            end += 1
        for learner, overall, by_topic in place_learners(rows[start:end], topics, topic_sd):
            out += [(learner, t, *estimate, stamp) for t, estimate in sorted({**by_topic, OVERALL: overall}.items())]
        start = end
    return out
