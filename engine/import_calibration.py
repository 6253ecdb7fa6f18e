"""After an import: refit the bank from every stored attempt, then place the imported learners.

The refit is the store's own (`progress.calibrate`, the same entry point the quiz and
`torchquiz calibrate` use), so Moodle and practice answers calibrate exactly like terminal
answers and the next terminal quiz selects with the new difficulties. Imported learners
never took a terminal quiz, so nothing else would estimate their ability: the refit places every
learner, theirs included, by the rule a quiz stores its learners' by (`placement.place_all`), with
the posterior SD.
"""
from torchquiz.engine import progress
from torchquiz.engine.external_attempts import external_learners
from torchquiz.engine.store import OVERALL


def calibrate_after_import(store):
    """Refit items, which places every learner again (`placement.place_all`); returns
    (items changed, attempts used, imported learners placed)."""
    changed, attempts = progress.calibrate(store)
    learners = set(external_learners(store))
    if not learners:
        return changed, attempts, 0
    return changed, attempts, len(learners & _placed(store))


def unplaced_learners(store):
    """Imported learners with graded answers but no ability yet: an import whose refit was interrupted
    or skipped (--no-calibrate). The next import or `torchquiz calibrate` places them."""
    learners = set(external_learners(store))
    if not learners:
        return 0
    graded = {r[0] for r in store.conn.execute("SELECT DISTINCT learner_id FROM attempts WHERE correct IS NOT NULL")}
    return len((learners & graded) - _placed(store))


def _placed(store):
    """Learners the store holds an overall ability for."""
    return {r[0] for r in store.conn.execute("SELECT learner_id FROM abilities WHERE topic = ?", (OVERALL,))}
