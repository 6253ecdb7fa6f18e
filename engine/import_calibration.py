"""After an import: refit the bank from every stored attempt, then place the imported learners.

The refit is the store's own (`progress.calibrate`, the same entry point the quiz and
`torchquiz calibrate` use), so Moodle and practice answers calibrate exactly like terminal
answers and the next terminal quiz selects with the new difficulties. Imported learners
never took a terminal quiz, so nothing else would estimate their ability: we give them the
estimate a quiz stores (overall and per topic, `topic_ability.place_learners`) on the refitted
items, with its posterior SD.
"""
from torchquiz.engine import progress
from torchquiz.engine.external_attempts import external_learners
from torchquiz.engine.store import OVERALL, now
from torchquiz.engine.topic_ability import place_learners


def calibrate_after_import(store):
    """Refit items, then store abilities for every imported learner; returns
    (items changed, attempts used, learners placed)."""
    changed, attempts = progress.calibrate(store)
    learners = set(external_learners(store))
    if not learners:
        return changed, attempts, 0
    rows = [r for r in store.conn.execute(
        "SELECT a.learner_id, i.topic, i.b, i.a, a.correct FROM attempts a JOIN items i ON i.question_id = a.question_id "
        "WHERE a.correct IS NOT NULL ORDER BY a.learner_id") if r[0] in learners]
    out = _abilities(rows, now(), store.primary_topics(), float(store.meta("topic_sd", 0.0) or 0.0))
    placed = {r[0] for r in out}
    with store.write() as conn:
        conn.executemany("INSERT OR REPLACE INTO abilities (learner_id, topic, mean, sd, n, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", out)
    return changed, attempts, len(placed)


def unplaced_learners(store):
    """Imported learners with graded answers but no ability yet: an import whose refit was interrupted
    or skipped (--no-calibrate). The next import or `torchquiz calibrate` places them."""
    learners = set(external_learners(store))
    if not learners:
        return 0
    placed = {r[0] for r in store.conn.execute("SELECT learner_id FROM abilities WHERE topic = ?", (OVERALL,))}
    graded = {r[0] for r in store.conn.execute("SELECT DISTINCT learner_id FROM attempts WHERE correct IS NOT NULL")}
    return len((learners & graded) - placed)


_CHUNK = 20_000  # answers per vectorised pass: 20,000 x 81 grid points stay a few MB


def _abilities(rows, stamp, topics, topic_sd):
    """Each learner's overall and per-topic (mean, sd, answers) by `place_learners`, the rule a quiz stores its
    learners' by: rows are (learner, topic, b, a, correct), whole learners in order, placed in chunks."""
    out, start = [], 0
    while start < len(rows):  # whole learners per chunk: cut only where the learner changes
        end = min(start + _CHUNK, len(rows))
        while end < len(rows) and rows[end][0] == rows[end - 1][0]:
            end += 1
        for learner, overall, by_topic in place_learners(rows[start:end], topics, topic_sd):
            out += [(learner, t, *estimate, stamp) for t, estimate in sorted({**by_topic, OVERALL: overall}.items())]
        start = end
    return out
