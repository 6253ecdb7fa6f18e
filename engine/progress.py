"""A learner's progress in the store: learners, quiz sessions, attempts and abilities.

Functions over an open `torchquiz.engine.store.Store`. Each answer is one write transaction
(the attempt, the item's online difficulty step, the learner's abilities and the
session's cursor together), so Ctrl-C or a crash between answers loses nothing and
never leaves half an answer behind.
"""
import json
import math
from dataclasses import dataclass, field

from torchquiz.engine.store import StoreError, now
from torchquiz.record.suggest import did_you_mean


class UnknownLearner(StoreError):
    """A learner name that the store does not hold."""


@dataclass
class SessionRow:
    id: int
    learner_id: int
    status: str
    length: int
    target: float
    filters: dict
    seed: int
    current_question_id: str | None
    pending: list = field(default_factory=list)


@dataclass(frozen=True)
class Attempt:
    """One answered or skipped question, as recorded."""
    question_id: str
    response: str | None
    correct: bool | None  # None when skipped
    misconception: str | None = None
    hint_used: bool = False
    seconds: float = 0.0
    theta_before: float = float("nan")

    @property
    def skipped(self):
        return self.correct is None


def _containing(name, names, most=3):
    """` Did you mean ...?` for the names holding a word of `name` (a Moodle student's name against e-mail
    addresses: 'Calib001 Student' -> 'calib001@example.com'), or ''."""
    words = [w for w in name.casefold().split() if len(w) >= 3]
    found = [n for n in names if any(w in n.casefold() for w in words)]
    if not found or len(found) > most:
        return ""
    return " Did you mean " + " or ".join(f"'{n}'" for n in found) + "?"


def learner_id(store, name, create=True):
    row = store.conn.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()
    if row:
        return row[0]
    if not create:
        names = learner_names(store)
        hint = did_you_mean(name, names) or _containing(name, names)
        if not hint and any("@" in n for n in names):
            hint = " Learners imported from Moodle are named by their e-mail address."
        raise UnknownLearner(f"no learner named {name!r}.{hint}")
    with store.write() as conn:
        conn.execute("INSERT OR IGNORE INTO learners (name, created_at) VALUES (?, ?)", (name, now()))
    return store.conn.execute("SELECT id FROM learners WHERE name = ?", (name,)).fetchone()[0]


def learner_names(store):
    return [r[0] for r in store.conn.execute("SELECT name FROM learners ORDER BY name")]


_SESSION_COLUMNS = "id, learner_id, status, length, target, filters, seed, current_question_id, pending"


def _session(row):
    if row is None:
        return None
    sid, lid, status, length, target, filters, seed, current, pending = row
    return SessionRow(sid, lid, status, length, target, json.loads(filters or "{}"), seed, current,
                      json.loads(pending or "[]"))


def start_session(store, learner, *, length, target, filters, seed):
    with store.write() as conn:
        cursor = conn.execute(
            "INSERT INTO sessions (learner_id, status, length, target, filters, seed, pending, started_at) "
            "VALUES (?, 'open', ?, ?, ?, ?, '[]', ?)",
            (learner, length, target, json.dumps(filters, sort_keys=True), seed, now()))
        return get_session(store, cursor.lastrowid, conn)


def get_session(store, session_id, conn=None):
    conn = conn or store.conn
    return _session(conn.execute(f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)).fetchone())


def open_session(store, learner):
    """The learner's most recent unfinished session, or None."""
    return _session(store.conn.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE learner_id = ? AND status = 'open' "
        "ORDER BY id DESC LIMIT 1", (learner,)).fetchone())


def set_current(store, session, question_id, pending=None):
    """Remember the question on screen, so --resume shows it again."""
    pending = session.pending if pending is None else pending
    with store.write() as conn:
        conn.execute("UPDATE sessions SET current_question_id = ?, pending = ? WHERE id = ?",
                     (question_id, json.dumps(pending), session.id))
    session.current_question_id, session.pending = question_id, pending


def finish_session(store, session, status="finished"):
    with store.write() as conn:
        conn.execute("UPDATE sessions SET status = ?, finished_at = ?, current_question_id = NULL WHERE id = ?",
                     (status, now(), session.id))
    session.status = status


def record_attempt(store, session, attempt, *, item_b=None, abilities=None, pending=None):
    """Commit one answer with everything it changes, in a single transaction.

    `item_b` is the item's new online difficulty (None leaves it; skips do not move it),
    `abilities` maps topic (and OVERALL) to (mean, sd, n).
    """
    stamp = now()
    pending = session.pending if pending is None else pending
    with store.write() as conn:
        position = conn.execute("SELECT count(*) FROM attempts WHERE session_id = ?", (session.id,)).fetchone()[0] + 1
        conn.execute(
            "INSERT INTO attempts (session_id, learner_id, question_id, position, response, correct, skipped, "
            "misconception, hint_used, seconds, theta_before, answered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (session.id, session.learner_id, attempt.question_id, position, attempt.response,
             None if attempt.correct is None else int(attempt.correct), int(attempt.skipped),
             attempt.misconception, int(attempt.hint_used), float(attempt.seconds),
             None if math.isnan(attempt.theta_before) else attempt.theta_before, stamp))
        if item_b is not None:
            conn.execute("UPDATE items SET b = ?, n_seen = n_seen + 1, source = CASE WHEN source = 'refit' "
                         "THEN 'refit+online' ELSE 'online' END, updated_at = ? WHERE question_id = ?",
                         (float(item_b), stamp, attempt.question_id))
        for topic, (mean, sd, n) in (abilities or {}).items():
            conn.execute("INSERT OR REPLACE INTO abilities (learner_id, topic, mean, sd, n, updated_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)", (session.learner_id, topic, float(mean), float(sd), int(n), stamp))
        conn.execute("UPDATE sessions SET current_question_id = NULL, pending = ? WHERE id = ?",
                     (json.dumps(pending), session.id))
    session.current_question_id, session.pending = None, pending
    return position


def session_attempts(store, session_id):
    rows = store.conn.execute(
        "SELECT question_id, response, correct, misconception, hint_used, seconds, theta_before "
        "FROM attempts WHERE session_id = ? ORDER BY position", (session_id,)).fetchall()
    return [Attempt(q, r, None if c is None else bool(c), m, bool(h), s or 0.0,
                    float("nan") if t is None else t) for q, r, c, m, h, s, t in rows]


def history(store, learner, session_last=None):
    """Every answered (not skipped) attempt of the learner as selection.Response, oldest first,
    with each item's current difficulty; the answers of session `session_last` come last (a running quiz's own,
    after answers another command stored meanwhile: the quiz reads its own as the history's end)."""
    from torchquiz.engine.selection import Response
    rows = store.conn.execute(
        "SELECT a.question_id, i.topic, i.b, i.a, a.correct, a.misconception FROM attempts a "
        "JOIN items i ON i.question_id = a.question_id WHERE a.learner_id = ? AND a.correct IS NOT NULL "
        "ORDER BY a.session_id IS ?, a.id", (learner, session_last)).fetchall()
    with store.numbers_checked():  # float(): text in a damaged file's b is one line here, not a numpy traceback
        return [Response(item_id=q, topic=t, b=float(b), a=float(a), correct=bool(c), misconception=m)
                for q, t, b, a, c, m in rows]


def answered_by(store, learner):
    """How many answered (not skipped) attempts the learner has: the length of `history`."""
    return store.conn.execute("SELECT count(*) FROM attempts a JOIN items i ON i.question_id = a.question_id "
                              "WHERE a.learner_id = ? AND a.correct IS NOT NULL", (learner,)).fetchone()[0]


def item_exposure(store, floor=20):
    """question id -> share of learners who answered it (answers / learners, at least `floor`
    learners so the first few do not lock every item out); items never answered are left out."""
    learners = max(store.conn.execute("SELECT count(*) FROM learners").fetchone()[0], floor)
    return {q: n / learners for q, n in store.conn.execute("SELECT question_id, n_seen FROM items WHERE n_seen > 0")}


def abilities(store, learner):
    """topic -> (mean, sd, n); OVERALL holds the all-topics estimate."""
    rows = store.conn.execute("SELECT topic, mean, sd, n FROM abilities WHERE learner_id = ? ORDER BY topic",
                              (learner,)).fetchall()
    return {t: (m, s, n) for t, m, s, n in rows}


def misconception_counts(store, learner, session_id=None):
    """[(misconception id, times hit)] most frequent first."""
    sql = ("SELECT misconception, count(*) AS n FROM attempts WHERE learner_id = ? AND misconception IS NOT NULL"
           + (" AND session_id = ?" if session_id else "") + " GROUP BY misconception ORDER BY n DESC, misconception")
    args = (learner, session_id) if session_id else (learner,)
    return store.conn.execute(sql, args).fetchall()


def misconception_topics(store, learner, session_id=None):
    """{misconception id: the topic of the questions where the learner showed it most}."""
    sql = ("SELECT a.misconception, i.topic, count(*) AS n FROM attempts a JOIN items i ON i.question_id = a.question_id "
           "WHERE a.learner_id = ? AND a.misconception IS NOT NULL" + (" AND a.session_id = ?" if session_id else "")
           + " GROUP BY a.misconception, i.topic ORDER BY n DESC, i.topic")
    topics = {}
    for misconception, topic, _ in store.conn.execute(sql, (learner, session_id) if session_id else (learner,)):
        topics.setdefault(misconception, topic)
    return topics


def misconception_feedback(store, misconception):
    """The feedback text of a stored wrong option produced by `misconception` (None if none)."""
    row = store.conn.execute(
        "SELECT json_extract(o.value, '$.feedback') FROM items i JOIN questions q ON q.id = i.question_id, "
        "json_each(q.record, '$.options') o WHERE ',' || i.misconceptions || ',' LIKE '%,' || ? || ',%' "
        "AND json_extract(o.value, '$.misconception') = ? LIMIT 1", (misconception, misconception)).fetchone()
    return row[0] if row else None


def learner_summary(store, learner):
    row = store.conn.execute(
        "SELECT count(*), sum(correct), sum(skipped), count(DISTINCT session_id) FROM attempts WHERE learner_id = ?",
        (learner,)).fetchone()
    sessions = store.conn.execute(
        "SELECT sum(status = 'finished') FROM sessions s WHERE learner_id = ? "
        "AND EXISTS (SELECT 1 FROM attempts a WHERE a.session_id = s.id)", (learner,)).fetchone()
    # Quizzes are those with an answer or a skip: a quiz started and left at once is not counted.
    return {"attempts": row[0], "correct": row[1] or 0, "skipped": row[2] or 0,
            "sessions": row[3], "sessions_finished": sessions[0] or 0}


def answered_count(store):
    return store.conn.execute("SELECT count(*) FROM attempts WHERE correct IS NOT NULL").fetchone()[0]


def calibrate(store, *, fit_topics=None, **options):
    """Refit every item's difficulty b and discrimination a from all stored attempts, pooling
    each template's variants (`torchquiz.engine.calibration`), then place every learner again on the
    refitted items (`placement.place_all`); returns (items moved by 0.001 or more, attempts).
    fit_topics: also fit the spread of topic abilities (None: once TOPIC_FIT_FROM learners answered; with
    fewer, one import or `torchquiz calibrate` set it from a single learner, to 0.6 or 0.8, or reset it to 0).
    options go to `calibrate_records` (iterations, ...)."""
    from torchquiz.engine.calibration import calibrate_records
    from torchquiz.engine.placement import place_all

    rows = store.conn.execute(
        "SELECT question_id, learner_id, correct, theta_before FROM attempts WHERE correct IS NOT NULL ORDER BY id")
    attempts = [(q, lid, bool(c), t) for q, lid, c, t in rows]
    if not attempts:
        return 0, 0
    with store.numbers_checked():  # float(): text in a damaged file's b is one line here, not a traceback
        items = [(q, label, topic, float(b), float(a), template) for q, label, topic, b, a, template
                 in store.conn.execute("SELECT question_id, label, topic, b, a, template FROM items")]
    labels = {q: label for q, label, *_ in items}
    learners = len({lid for _, lid, _, _ in attempts})
    fit_topics = learners >= TOPIC_FIT_FROM if fit_topics is None else fit_topics
    fitted = calibrate_records(attempts, labels, initial={q: (b, a) for q, _, _, b, a, _ in items},
                               topics={q: topic for q, _, topic, *_ in items} if fit_topics else None,
                               templates={q: t for q, *_, t in items},
                               hyper=json.loads(store.meta("calibration_hyper", "null")), **options)
    current = {q: (b, a) for q, _, _, b, a, _ in items}
    changed = {q: (fitted.b[q], fitted.a[q]) for q in fitted.b
               if max(abs(fitted.b[q] - current[q][0]), abs(fitted.a[q] - current[q][1])) > 1e-9}
    store.set_difficulties(changed, source="refit")
    with store.write():
        store.set_meta("refit_attempts", len(attempts))
        store.set_meta("calibration_hyper", json.dumps(fitted.hyper))
        if fit_topics:
            store.set_meta("topic_sd", fitted.topic_sd)
            store.set_meta("topic_fit_learners", learners)
    place_all(store)
    # Reported as changed: what moved visibly (a refit of unchanged answers nudges every item by ~1e-6).
    moved = sum(1 for q, (b, a) in changed.items() if max(abs(b - current[q][0]), abs(a - current[q][1])) >= 0.001)
    return moved, len(attempts)


# Refit schedule: dense while the bank is raw, sparser as it settles.  A refit is due when
# the answers since the last one reach GROWTH of those it used (at least one learner's
# worth), so the first learners each trigger one and the cost stays a constant factor of
# one refit.  Warm-started from the stored parameters, a few EM iterations suffice.
REFIT_GROWTH = 0.05
REFIT_ITERATIONS = 5
TOPIC_FIT_FROM = 50           # learners before the topic spread is worth fitting, refitted as they double


def refit_due(store, *, growth=REFIT_GROWTH):
    """Whether enough answers arrived since the last refit (see REFIT_GROWTH)."""
    last = int(store.meta("refit_attempts", 0))
    return answered_count(store) - last >= max(1, growth * last)


def calibrate_if_due(store, *, growth=REFIT_GROWTH, iterations=REFIT_ITERATIONS):
    """Refit when enough answers arrived since the last refit; True if it ran."""
    if not refit_due(store, growth=growth):
        return False
    learners = store.conn.execute("SELECT count(DISTINCT learner_id) FROM attempts").fetchone()[0]
    topic_due = learners >= max(TOPIC_FIT_FROM, 2 * int(store.meta("topic_fit_learners", 0)))
    calibrate(store, fit_topics=topic_due, iterations=iterations)
    return True
