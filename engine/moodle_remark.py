"""Moodle's own marks given later: an attempt imported without the Grades report had its marks worked out by
Moodle's rules, and the same attempt imported again with the Grades report takes Moodle's marks (only each
answer's mark, right/wrong and misconception change). `moodle_graded` keeps the keys of the attempts whose
marks are Moodle's, so an attempt stored with a Grades report keeps the marks it gave."""

# The external_sessions keys of Moodle attempts whose marks came from a Grades report (made by the first
# import with one, like the tables of external_attempts). An attempt not listed was marked by our rules,
# or imported before this table: a Grades report given later replaces its marks where they differ.
GRADED_TABLE = "CREATE TABLE IF NOT EXISTS moodle_graded (key TEXT PRIMARY KEY)"


def remark(conn, stored_key, session, result):
    """Give the Moodle attempt stored under `stored_key` (with marks of our rules) the marks of `session`
    (Moodle's, from the Grades report): each answer's right/wrong, misconception and partial mark become
    what an import with the Grades report stores. Nothing else changes. False, changing nothing, when the
    stored attempt does not hold `session`'s questions in its slots."""
    rows = conn.execute(
        "SELECT a.position, a.id, a.question_id, a.skipped, a.correct, a.misconception, m.attempt_id IS NOT NULL, "
        "m.mark FROM external_sessions e JOIN attempts a ON a.session_id = e.session_id "
        "LEFT JOIN external_marks m ON m.attempt_id = a.id WHERE e.key = ? AND e.source = 'moodle'",
        (stored_key,)).fetchall()
    by_slot = {row[0]: row[1:] for row in rows}
    if len(by_slot) != len(rows) or len(rows) != len(session.answers) or any(
            a.slot not in by_slot or by_slot[a.slot][1] != a.question_id
            or bool(by_slot[a.slot][2]) != (a.correct is None) for a in session.answers):
        result.not_remarked += 1
        return False
    changed = 0
    for a in session.answers:
        attempt_id, _, _, correct, misconception, has_mark, mark = by_slot[a.slot]
        correct_now = None if a.correct is None else int(a.correct)
        # as SessionWriter stores it: a whole mark is `correct` again, only partial credit and blanks get a row
        row_now = a.correct is None or (a.mark is not None and a.mark != float(a.correct))
        mark_now = a.mark if row_now else None
        if (correct, misconception, bool(has_mark), mark) == (correct_now, a.misconception, row_now, mark_now):
            continue
        # counted when the score statistics read changes (a blank's mark None and 0 both count 0)
        changed += (mark if mark is not None else correct or 0) != (
            mark_now if mark_now is not None else correct_now or 0)
        conn.execute("UPDATE attempts SET correct = ?, misconception = ? WHERE id = ?",
                     (correct_now, a.misconception, attempt_id))
        conn.execute("DELETE FROM external_marks WHERE attempt_id = ?", (attempt_id,))
        if row_now:
            conn.execute("INSERT INTO external_marks (attempt_id, slot, mark) VALUES (?, ?, ?)",
                         (attempt_id, a.slot, a.mark))
    result.remarked += changed > 0
    result.remarked_marks += changed
    return True
