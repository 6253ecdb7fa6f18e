"""After an import: refit the bank from every stored attempt, then place the imported learners.

The refit is the store's own (`progress.calibrate`, the same entry point the quiz and
`torchquiz calibrate` use), so Moodle and practice answers calibrate exactly like terminal
answers and the next terminal quiz selects with the new difficulties. Imported learners
never took a terminal quiz, so nothing else would estimate their ability: we give them an
EAP estimate (overall and per topic) on the refitted items, with its posterior SD.
"""
import numpy as np

from torchquiz.engine import progress
from torchquiz.engine.external_attempts import external_learners
from torchquiz.engine.irt import GRID
from torchquiz.engine.store import OVERALL, now


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
    stamp, out = now(), []
    start = 0
    while start < len(rows):  # whole learners per chunk: cut only where the learner changes
        end = min(start + _CHUNK, len(rows))
        while end < len(rows) and rows[end][0] == rows[end - 1][0]:
            end += 1
        out += _abilities(rows[start:end], stamp)
        start = end
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


def _abilities(rows, stamp):
    """EAP (irt.eap's grid and N(0, 1) prior) for every learner overall and per topic, vectorised:
    one log-likelihood row per answer, summed per (learner, topic) group."""
    learner = np.array([r[0] for r in rows])
    topic = np.array([r[1] for r in rows], dtype=object)
    b, a, y = (np.array([r[k] for r in rows], float) for k in (2, 3, 4))
    z = a[:, None] * (GRID[None, :] - b[:, None])
    ll = -np.logaddexp(0.0, -(2 * y[:, None] - 1) * z)
    out = []
    for keys in (list(zip(learner.tolist(), [OVERALL] * len(rows))), list(zip(learner.tolist(), topic.tolist()))):
        groups, index = {}, np.empty(len(rows), np.int64)
        for i, key in enumerate(keys):
            index[i] = groups.setdefault(key, len(groups))
        total = np.zeros((len(groups), len(GRID)))
        np.add.at(total, index, ll)
        post = total - 0.5 * GRID**2
        post = np.exp(post - post.max(axis=1, keepdims=True))
        post /= post.sum(axis=1, keepdims=True)
        mean = post @ GRID
        sd = np.sqrt(np.maximum((post * (GRID[None, :] - mean[:, None]) ** 2).sum(axis=1), 0.0))
        counts = np.bincount(index, minlength=len(groups))
        out += [(lid, name, float(mean[g]), float(sd[g]), int(counts[g]), stamp) for (lid, name), g in groups.items()]
    return out
