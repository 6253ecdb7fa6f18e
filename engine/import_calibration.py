"""After an import: refit the bank from every stored attempt, then place the imported learners.

The refit is the store's own (`progress.calibrate`, the same entry point the quiz and
`torchquiz calibrate` use), so Moodle and practice answers calibrate exactly like terminal
answers and the next terminal quiz selects with the new difficulties. Imported learners
never took a terminal quiz, so nothing else would estimate their ability: we give them the
estimate a quiz stores (overall and per topic, `topic_ability.learner_estimates`) on the refitted
items, with its posterior SD.
"""
from itertools import groupby

from torchquiz.engine import progress
from torchquiz.engine.external_attempts import external_learners
from torchquiz.engine.selection import Response
from torchquiz.engine.store import OVERALL, now
from torchquiz.engine.topic_ability import learner_estimates


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


def _abilities(rows, stamp, topics, topic_sd):
    """Each learner's overall and per-topic (mean, sd, answers) by `learner_estimates`, the rule a quiz stores
    its learners' by: rows are (learner, topic, b, a, correct), whole learners in order."""
    out = []
    for learner, group in groupby(rows, key=lambda r: r[0]):
        history = [Response(str(k), t, float(b), bool(y), None, float(a)) for k, (_, t, b, a, y) in enumerate(group)]
        overall, by_topic = learner_estimates(history, topics, topic_sd)
        out += [(learner, t, *estimate, stamp) for t, estimate in sorted({**by_topic, OVERALL: overall}.items())]
    return out
