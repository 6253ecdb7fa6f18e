"""After an import: refit the bank from every stored attempt, then place the imported learners.

The refit is the store's own (`progress.calibrate`, the same entry point the quiz and
`torchquiz calibrate` use), so Moodle and practice answers calibrate exactly like terminal
answers and the next terminal quiz selects with the new difficulties. Imported learners
never took a terminal quiz, so nothing else would estimate their ability: we give them an
EAP estimate (overall and per topic) on the refitted items, with its posterior SD.
"""
from collections import defaultdict

import numpy as np

from torchquiz.engine import progress
from torchquiz.engine.external_attempts import external_learners
from torchquiz.engine.irt import eap
from torchquiz.engine.store import OVERALL, now


def calibrate_after_import(store):
    """Refit items, then store abilities for every imported learner; returns
    (items changed, attempts used, learners placed)."""
    changed, attempts = progress.calibrate(store)
    learners = set(external_learners(store))
    if not learners:
        return changed, attempts, 0
    rows = store.conn.execute(
        "SELECT a.learner_id, i.topic, i.b, i.a, a.correct FROM attempts a JOIN items i ON i.question_id = a.question_id "
        "WHERE a.correct IS NOT NULL ORDER BY a.learner_id").fetchall()
    by_learner = defaultdict(list)
    for learner, topic, b, a, correct in rows:
        if learner in learners:
            by_learner[learner].append((topic, b, a, correct))
    stamp, out = now(), []
    for learner, answers in by_learner.items():
        topic, b, a, y = (np.array(c) for c in zip(*answers))
        b, a, y = b.astype(float), a.astype(float), y.astype(float)
        mean, sd = eap(b, a, y)
        out.append((learner, OVERALL, mean, sd, len(y), stamp))
        for name in sorted(set(topic)):
            sel = topic == name
            m, s = eap(b[sel], a[sel], y[sel])
            out.append((learner, str(name), m, s, int(sel.sum()), stamp))
    with store.write() as conn:
        conn.executemany("INSERT OR REPLACE INTO abilities (learner_id, topic, mean, sd, n, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", out)
    return changed, attempts, len(by_learner)
