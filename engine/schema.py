"""The store's tables, one migration per schema version (engine/store.py applies them in order).

A new version adds `_migration_N` (it brings version N-1 up to N) to MIGRATIONS and raises
SCHEMA_VERSION; a file that a newer torchquiz wrote is refused by the store, never touched.
"""

SCHEMA_VERSION = 1


def _migration_1(db):
    db["torchquiz_meta"].create({"key": str, "value": str}, pk="key")
    db["questions"].create(
        {"id": str, "template": str, "family": str, "difficulty": str, "type": str,
         "topic": str, "topics": str, "params": str, "record": str, "added_at": str},
        pk="id", not_null=["template", "family", "difficulty", "topic", "record"])
    for column in ("template", "family", "difficulty", "topic"):
        db["questions"].create_index([column])
    db["question_topics"].create({"question_id": str, "topic": str}, pk=("topic", "question_id"),
                                 foreign_keys=[("question_id", "questions", "id")])
    db["question_topics"].create_index(["question_id"])
    # What selection needs per item, in one narrow table: the pool loads from here without
    # touching the wide `questions` rows (100,000 records are ~300 MB; these rows ~10 MB).
    # template/family/topic/label/misconceptions are copied from the record and never change.
    db["items"].create(
        {"question_id": str, "template": str, "family": str, "topic": str, "label": str, "b": float,
         "a": float, "n_seen": int, "source": str, "misconceptions": str, "updated_at": str},
        pk="question_id", foreign_keys=[("question_id", "questions", "id")],
        defaults={"a": 1.0, "n_seen": 0, "source": "label"})
    db["items"].create_index(["family"])
    db["learners"].create({"id": int, "name": str, "created_at": str}, pk="id", not_null=["name"])
    db["learners"].create_index(["name"], unique=True)
    db["sessions"].create(
        {"id": int, "learner_id": int, "status": str, "length": int, "target": float,
         "filters": str, "seed": int, "current_question_id": str, "pending": str,
         "started_at": str, "finished_at": str},
        pk="id", foreign_keys=[("learner_id", "learners", "id")], defaults={"status": "open"})
    db["sessions"].create_index(["learner_id", "status"])
    db["attempts"].create(
        {"id": int, "session_id": int, "learner_id": int, "question_id": str, "position": int,
         "response": str, "correct": int, "skipped": int, "misconception": str,
         "hint_used": int, "seconds": float, "theta_before": float, "answered_at": str},
        pk="id", foreign_keys=[("session_id", "sessions", "id"), ("learner_id", "learners", "id"),
                               ("question_id", "questions", "id")],
        defaults={"skipped": 0, "hint_used": 0})
    db["attempts"].create_index(["learner_id", "question_id"])
    db["attempts"].create_index(["session_id", "position"])
    db["attempts"].create_index(["question_id"])
    db["abilities"].create(
        {"learner_id": int, "topic": str, "mean": float, "sd": float, "n": int, "updated_at": str},
        pk=("learner_id", "topic"), foreign_keys=[("learner_id", "learners", "id")])


MIGRATIONS = {1: _migration_1}  # version -> function that brings version-1 up to it

# Every table of the current schema. A file that says it is a current store but lacks one (restored in
# part, or made by hand) is refused when it is opened, not halfway through a command. The first import
# creates external_sessions and external_marks (engine/external_attempts.py), so a store may lack those.
TABLES = ("torchquiz_meta", "questions", "question_topics", "items", "learners", "sessions", "attempts", "abilities")



def schema_problem(version, tables):
    """Why a store whose torchquiz_meta says `version` and that holds `tables` cannot be used, or None."""
    if not (isinstance(version, str) and version.isascii() and version.isdigit()):
        return f"its schema_version is {repr(version)[:30]}, not a number"
    missing = [t for t in TABLES if t not in tables] if int(version) == SCHEMA_VERSION else []
    if len(missing) > 1:
        return f"tables {', '.join(missing)} are missing"
    return f"table {missing[0]} is missing" if missing else None


def not_a_number(conn):
    """The first item whose b or a is no number (text, NULL), as 'items.b of question ID is 'abc'', or None.
    torchquiz writes only floats there, so one means the file was edited or damaged. It reads every item
    (0.1 s for 100,000), so it runs only to explain a failure, never when a store is opened."""
    found = conn.execute(
        "SELECT question_id, typeof(b) IN ('real', 'integer') AS b_ok, b, a FROM items "
        "WHERE typeof(b) NOT IN ('real', 'integer') OR typeof(a) NOT IN ('real', 'integer') LIMIT 1").fetchone()
    if found is None:
        return None
    question, b_ok, b, a = found
    return f"items.{'a' if b_ok else 'b'} of question {question} is {repr(a if b_ok else b)[:40]}, not a number"


def filter_sql(topics, families, alias, id_column="id"):
    """SQL (starting with AND) restricting questions to any of `topics` and any of `families`."""
    where, args = "", []
    if families:
        where += f" AND {alias}.family IN ({','.join('?' * len(families))})"
        args += list(families)
    if topics:
        where += (f" AND EXISTS (SELECT 1 FROM question_topics t WHERE t.question_id = {alias}.{id_column} "
                  f"AND t.topic IN ({','.join('?' * len(topics))}))")
        args += list(topics)
    return where, args
