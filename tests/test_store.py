"""The SQLite store: creation, migrations, refusing foreign files, questions, concurrency."""
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from torchquiz.engine import progress
from torchquiz.engine.store import (SCHEMA_VERSION, NewerSchemaError, NoStore, NotATorchquizDatabase, Store, UnknownQuestion,
                          default_db_path)
from quiz_fixtures import bank, shape_question, typed_shape_question

ROOT = Path(__file__).resolve().parents[1]
TORCHQUIZ = str(Path(sys.executable).parent / "torchquiz")


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "quiz.db") as opened:
        yield opened


def test_new_store_is_versioned_and_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "dir" / "quiz.db"
    with Store.open(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.meta("app") == "torchquiz"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert {"questions", "question_topics", "items", "learners", "sessions", "attempts",
                "abilities"} <= set(store.db.table_names())
    with Store.open(path) as again:  # reopening does not migrate twice
        assert again.schema_version() == SCHEMA_VERSION


def test_default_location_follows_env(monkeypatch, tmp_path):
    monkeypatch.delenv("TORCHQUIZ_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "torchquiz" / "torchquiz.db"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_db_path() == tmp_path / "home" / ".local" / "share" / "torchquiz" / "torchquiz.db"
    monkeypatch.setenv("TORCHQUIZ_DB", str(tmp_path / "env.db"))
    assert default_db_path() == tmp_path / "env.db"
    with Store.open() as store:
        assert store.path == tmp_path / "env.db"


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("shopping list\n")
    with pytest.raises(NotATorchquizDatabase, match="not an SQLite file"):
        Store.open(path)
    assert path.read_text() == "shopping list\n"  # untouched


def test_other_apps_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    before = path.read_bytes()
    with pytest.raises(NotATorchquizDatabase, match="another application.*invoices"):
        Store.open(path)
    assert path.read_bytes() == before   # not a byte changed: no torchquiz tables, no switch to WAL


def test_an_empty_file_is_not_filled_by_a_command_that_only_reads(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(NoStore, match="empty file"):
        Store.open(path, create=False)
    assert path.read_bytes() == b""
    with Store.open(path, create=True) as store:   # bank build and bank import may fill it
        assert store.schema_version() > 0


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    with Store.open(path) as store, store.write():
        store.set_meta("schema_version", SCHEMA_VERSION + 1)
    with pytest.raises(NewerSchemaError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade torchquiz"):
        Store.open(path)


def only_the_marker(path):
    """A file that says it is a current torchquiz store and holds nothing else (crafted, or restored in part)."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE torchquiz_meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.executemany("INSERT INTO torchquiz_meta VALUES (?, ?)",
                         [("app", "torchquiz"), ("schema_version", str(SCHEMA_VERSION))])
    conn.close()


def test_a_store_that_lacks_a_table_of_its_schema_is_refused_when_opened(tmp_path):
    """Each of report, stats, calibrate and quiz ended in `sqlite3.OperationalError: no such table`."""
    only_the_marker(tmp_path / "marker.db")
    with pytest.raises(NotATorchquizDatabase, match=r"marker.db is not a usable torchquiz database: tables "
                       r"questions, question_topics, items, learners, sessions, attempts, abilities are missing"):
        Store.open(tmp_path / "marker.db", create=False)
    path = tmp_path / "half.db"
    with Store.open(path) as store:
        store.add_questions(bank(4))
        store.conn.execute("DROP TABLE abilities")
        store.conn.execute("DROP TABLE learners")
    with pytest.raises(NotATorchquizDatabase, match=re.escape(
            f"{path} is not a usable torchquiz database: tables learners, abilities are missing; "
            "restore it from a copy")):
        Store.open(path)
    with Store.open(tmp_path / "whole.db") as store:
        store.conn.execute("DROP TABLE items")
        store.set_meta("schema_version", "one")
    with pytest.raises(NotATorchquizDatabase, match="schema_version is 'one', not a number"):
        Store.open(tmp_path / "whole.db")


def test_a_store_whose_item_difficulty_is_text_is_damaged_not_a_traceback(store):
    """UPDATE items SET b = 'abc': stats ended in a TypeError, calibrate and the quiz in a ValueError."""
    from torchquiz.engine.item_stats import item_statistics
    from torchquiz.engine.store import DamagedStore

    store.add_questions(bank(6))
    learner = progress.learner_id(store, "ada")
    session = progress.start_session(store, learner, length=5, target=0.7, filters={}, seed=1)
    ids = [item.id for item in store.pool_items()]
    for n, qid in enumerate(ids):
        progress.record_attempt(store, session, progress.Attempt(qid, "A", n % 2 == 0), abilities={"*": (0.0, 1.0, n)})
    store.conn.execute("UPDATE items SET b = 'abc' WHERE question_id = ?", (ids[2],))
    damaged = re.escape(f"the store file is damaged: items.b of question {ids[2]} is 'abc', not a number")
    from torchquiz.engine.template_report import template_report
    for use in (store.pool_items, lambda: item_statistics(store, min_attempts=1), lambda: progress.calibrate(store),
                lambda: progress.history(store, learner), lambda: template_report(store)):
        with pytest.raises(DamagedStore, match=damaged):
            use()
    store.conn.execute("UPDATE items SET b = 0.5, a = NULL WHERE question_id = ?", (ids[2],))
    with pytest.raises(DamagedStore, match=f"items.a of question {re.escape(ids[2])} is None, not a number"):
        store.pool_items()
    store.conn.execute("UPDATE items SET a = 1.0")
    with pytest.raises(TypeError), store.numbers_checked():  # a failure the data does not explain stays a bug
        len(5)


@pytest.mark.parametrize("kind", ["text", "other_app", "newer", "only_marker", "half_restored", "text_b"])
def test_bad_database_is_a_clear_cli_error(tmp_path, kind):
    path = tmp_path / "bad.db"
    if kind == "text":
        path.write_bytes(b"\x00\x01 definitely not sqlite" * 10)
    elif kind == "other_app":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE photos (id INTEGER)")
    elif kind == "only_marker":
        only_the_marker(path)
    elif kind in ("half_restored", "text_b"):
        with Store.open(path) as store:
            store.add_questions(bank(6))
            if kind == "half_restored":
                store.conn.execute("DROP TABLE attempts")
            else:
                learner = progress.learner_id(store, "ada")
                session = progress.start_session(store, learner, length=5, target=0.7, filters={}, seed=1)
                qid = store.pool_items()[0].id
                progress.record_attempt(store, session, progress.Attempt(qid, "A", True),
                                        abilities={"*": (0.0, 1.0, 1)})
                store.conn.execute("UPDATE items SET b = 'abc'")
    else:
        with Store.open(path) as store, store.write():
            store.set_meta("schema_version", 99)
    for command in (["quiz", "--learner", "ada"], ["report", "--learner", "ada"], ["stats"], ["calibrate"]):
        if kind == "text_b" and command[0] == "report":  # the report reads no difficulty: it works
            continue
        done = subprocess.run([TORCHQUIZ, *command, "--db", str(path)], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.startswith("Error: "), done.stderr
        assert "Traceback" not in done.stderr
        assert str(path) in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_add_questions_deduplicates_by_id(store):
    records = bank(24)
    assert store.add_questions(records) == (24, 0)
    assert store.add_questions(records[:5] + [shape_question(999)]) == (1, 5)
    assert store.count_questions() == 25
    assert store.question(records[3]["id"]) == records[3]
    with pytest.raises(UnknownQuestion):
        store.question("shape.nothing:000000000000")


def test_indexed_columns_and_filters(store):
    store.add_questions(bank(40))
    assert store.count_questions(topics=["gru"]) == len(store.pool_items(topics=["gru"]))
    assert all("gru" in store.question(i.id)["topics"] for i in store.pool_items(topics=["gru"]))
    assert {store.question(i.id)["family"] for i in store.pool_items(families=["metrics"])} == {"metrics"}
    assert store.count_questions(topics=["gru"], families=["metrics"]) == 0
    plan = " ".join(r[3] for r in store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM questions WHERE template = 'x'"))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan


def test_items_start_at_label_prior_and_carry_misconceptions(store):
    from torchquiz.engine.irt import LABEL_PRIOR
    easy = shape_question(1, difficulty="easy")
    typed = typed_shape_question(2, difficulty="hard")
    store.add_questions([easy, typed])
    items = {i.id: i for i in store.pool_items()}
    assert items[easy["id"]].b == LABEL_PRIOR["easy"]
    assert items[typed["id"]].b == LABEL_PRIOR["hard"]
    assert "ignore_batch_first" in items[easy["id"]].misconceptions
    assert items[typed["id"]].misconceptions == {"ignore_batch_first"}  # from misconception_answers


def test_stored_feedback_explains_a_misconception_only_from_options_that_carry_it(store):
    record = shape_question(1)
    record["options"][[o["misconception"] for o in record["options"]].index("swap_input_hidden")]["feedback"] = "Own."
    store.add_questions([record, shape_question(2)])
    assert progress.misconception_feedback(store, "swap_input_hidden") == "Own."
    assert progress.misconception_feedback(store, "swap_input") is None  # a prefix is not the id
    assert progress.misconception_feedback(store, "never_seen") is None


def test_attempt_is_atomic(store):
    store.add_questions(bank(8))
    learner = progress.learner_id(store, "ada")
    session = progress.start_session(store, learner, length=5, target=0.7, filters={}, seed=1)
    qid = store.pool_items()[0].id
    bad = progress.Attempt("shape.missing:000000000000", "A", True)  # violates the foreign key
    with pytest.raises(sqlite3.IntegrityError):
        progress.record_attempt(store, session, bad, abilities={"*": (0.5, 0.9, 1)})
    assert progress.abilities(store, learner) == {}  # nothing half-written
    progress.record_attempt(store, session, progress.Attempt(qid, "A", False, "ignore_batch_first"),
                            item_b=0.2, abilities={"*": (-0.3, 0.9, 1)})
    assert progress.session_attempts(store, session.id)[0].misconception == "ignore_batch_first"
    assert store.item(qid)["b"] == 0.2 and store.item(qid)["n_seen"] == 1
    assert progress.misconception_counts(store, learner) == [("ignore_batch_first", 1)]


WRITER = textwrap.dedent("""
    import sys
    from torchquiz.engine import progress
    from torchquiz.engine.store import Store
    store = Store.open(sys.argv[1])
    learner = progress.learner_id(store, sys.argv[2])
    session = progress.start_session(store, learner, length=1000, target=0.7, filters={}, seed=0)
    ids = [i.id for i in store.pool_items()]
    for n in range(int(sys.argv[3])):
        progress.record_attempt(store, session, progress.Attempt(ids[n % len(ids)], "A", n % 2 == 0),
                                item_b=0.0, abilities={"*": (0.0, 1.0, n)})
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.db"
    with Store.open(path) as store:
        store.add_questions(bank(16))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "300"], cwd=ROOT,
                                stderr=subprocess.PIPE, text=True) for name in ("ada", "bob", "cy")]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    with Store.open(path) as store:
        counts = dict(store.conn.execute(
            "SELECT l.name, count(*) FROM attempts a JOIN learners l ON l.id = a.learner_id GROUP BY l.name"))
        assert counts == {"ada": 300, "bob": 300, "cy": 300}
        assert store.conn.execute("SELECT sum(n_seen) FROM items").fetchone()[0] == 900


def test_every_kind_of_store_trouble_has_its_advice():
    """The store decides what an SQLite error means (engine/sqlite_errors.py), the command line what to do
    about it (cli/main.py): one kind each, no kind without advice."""
    from torchquiz.cli.main import STORE_ADVICE
    from torchquiz.engine.sqlite_errors import SQLITE_PROBLEMS

    assert [kind for kind, _, _ in SQLITE_PROBLEMS] == list(STORE_ADVICE)


def test_a_value_too_big_for_sqlite_is_one_line_of_advice():
    """SQLite's own limits (here its maximum string length, lowered so the test is small) are trouble with
    the data, not a bug: the command line says so in one line."""
    import sqlite3

    from torchquiz.cli.main import store_problem

    conn = sqlite3.connect(":memory:")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 100)
    with pytest.raises(sqlite3.DatabaseError) as caught:
        conn.execute("SELECT ?", ("x" * 1000,))
    assert store_problem(caught.value) == ("the quiz store: string or blob too big: one value is larger than "
                                           "this SQLite allows; check the input for an oversized question or answer")
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT * FROM no_such_table")
    assert store_problem(caught.value) is None  # a wrong query stays a bug, with its traceback
