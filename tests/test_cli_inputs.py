"""The CLI's bad-input table (issue 12): each case gives its one-line error, or does the right thing.

Every case runs the real command in a subprocess, the way a user runs it. A case names its
arguments (with {tmp}, {db} and {bank} filled in), the exit code, what must be on the first
line of the error or in the output, and what must not exist afterwards. Cases that would
write or generate check their paths before doing any work, so they finish in seconds.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from torchquiz.engine import progress
from torchquiz.engine.store import Store
from quiz_fixtures import shape_question

TORCHQUIZ = str(Path(sys.executable).parent / "torchquiz")
BROKEN_TEMPLATE = "id: broken.thing\ntitle: Broken\nfamily: shape\nparams:\n  a: {int: [1, 3]\n  b: 2\n"


def run(args, cwd, env=None):
    started = time.monotonic()
    result = subprocess.run([TORCHQUIZ, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                            env={**os.environ, "TORCHQUIZ_DB": "", **(env or {})}, stdin=subprocess.DEVNULL)
    return result, time.monotonic() - started


@pytest.fixture
def places(tmp_path, db, write_bank):
    """A store with a learner 'ada', a set with two bad lines, a bank with one broken template."""
    with Store.open(db) as store:
        progress.learner_id(store, "ada")
    lines = ['{"not": "a question"}', "{broken json", json.dumps(shape_question(1))]
    (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "good.jsonl").write_text(json.dumps(shape_question(2)) + "\n")
    (tmp_path / "exists.jsonl").write_text("keep me\n")
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "parts-B.html").mkdir()   # a folder where an exam version would go
    bank = write_bank({"shape/broken.yaml": BROKEN_TEMPLATE})
    return {"tmp": tmp_path, "db": db, "bank": bank}


# (id, arguments, exit code, text the output must hold, paths that must not exist afterwards)
CASES = [
    ("quiz-db-folder-missing", ["quiz", "--db", "{tmp}/nowhere/x.db", "--no-generate"], 1,
     "folder {tmp}/nowhere does not exist", ["{tmp}/nowhere"]),
    ("quiz-db-missing", ["quiz", "--db", "{tmp}/typo.db", "--no-generate"], 1,
     "no torchquiz database at {tmp}/typo.db", ["{tmp}/typo.db"]),
    ("report-db-missing", ["report", "--learner", "ada", "--db", "{tmp}/typo.db"], 1,
     "no torchquiz database at {tmp}/typo.db", ["{tmp}/typo.db"]),
    ("import-db-folder-missing", ["bank", "import", "{tmp}/exists.jsonl", "--db", "{tmp}/nowhere/x.db"], 1,
     "folder {tmp}/nowhere does not exist", ["{tmp}/nowhere"]),
    ("report-unknown-learner-json", ["report", "--learner", "nobody", "--json", "--db", "{db}"], 1,
     '{{"error": "no learner named \'nobody\'', []),
    ("preview-unknown-template-json", ["preview", "shape.no_such_thing", "--json"], 1,
     '{{"error": "unknown template', []),
    ("bank-stats-unknown-family-json", ["bank", "stats", "--family", "shap", "--json"], 1,
     "Did you mean 'shape'?", []),
    ("report-unknown-learner-names-nobody-else", ["report", "--learner", "nobody", "--db", "{db}"], 1,
     "Error: no learner named 'nobody'", []),
    ("generate-family-that-is-a-topic", ["generate", "--family", "attention", "--count", "1", "-o", "{tmp}/a.jsonl"],
     1, "unknown family 'attention'. It is a topic: use --topic attention.", ["{tmp}/a.jsonl"]),
    ("generate-output-folder-missing", ["generate", "--count", "1", "-o", "{tmp}/nowhere/set.jsonl"], 1,
     "folder {tmp}/nowhere does not exist", ["{tmp}/nowhere"]),
    ("generate-output-exists", ["generate", "--count", "1", "-o", "{tmp}/exists.jsonl"], 1,
     "{tmp}/exists.jsonl exists: add --force to overwrite it", []),
    ("generate-output-not-writable", ["generate", "--count", "1", "-o", "/proc/version"], 1,
     "Error: /proc/version", []),
    ("export-output-folder-missing", ["export", "html", "{tmp}/good.jsonl", "-o", "{tmp}/nowhere/q.html"], 1,
     "{tmp}/nowhere", ["{tmp}/nowhere"]),
    ("export-every-bad-line", ["export", "html", "{tmp}/bad.jsonl", "-o", "{tmp}/q.html"], 1,
     "bad.jsonl:2:", ["{tmp}/q.html"]),
    ("import-every-bad-line", ["bank", "import", "{tmp}/bad.jsonl", "--db", "{db}"], 1, "bad.jsonl:2:", []),
    ("param-outside-choices", ["preview", "shape.recurrent_output", "--param", "layer=Rnn"], 2,
     "Invalid value for --param: layer='Rnn' is not one of the template's choices ('RNN', 'GRU', 'LSTM'). "
     "Did you mean 'RNN'?", []),
    ("reproduce-keeps-every-pin", ["preview", "shape.recurrent_output", "--param", "input_size=5", "--param",
                                   "hidden_size=5", "--param", "layer=GRU"],
     1, "--param input_size=5 --param hidden_size=5 --param 'layer=\"GRU\"'", []),
    ("generate-device-misspelt", ["generate", "--device", "tpu", "--count", "1", "-o", "{tmp}/d.jsonl"], 2,
     "Invalid value for '--device': unknown device 'tpu'; use cpu, cuda, cuda:N, mps or auto", ["{tmp}/d.jsonl"]),
    ("quiz-device-misspelt", ["quiz", "--db", "{db}", "--device", "cdua"], 2,
     "unknown device 'cdua'", []),
    ("param-not-an-integer", ["preview", "shape.recurrent_output", "--param", "batch=abc"], 2,
     "batch='abc' is not an integer (the template's range is 2..8)", []),
    ("param-derived", ["preview", "attention.causal_mask", "--difficulty", "hard", "--param", "t=5"], 2,
     "t is worked out from the other parameters", []),
    ("param-constant", ["preview", "pipeline.last_hidden", "--difficulty", "hard", "--type", "multiresponse",
                        "--param", "bidirectional=true"], 2,
     "bidirectional is False in every variant at this level; it cannot be pinned to True", []),
    ("no-builtin-without-bank", ["bank", "validate", "--no-builtin"], 2, "--no-builtin needs --bank DIR", []),
    ("generate-filters-that-meet-nowhere", ["generate", "--family", "metrics", "--topic", "attention",
                                            "-o", "{tmp}/e.jsonl"], 1,
     "no template matches --family metrics and --topic attention together", ["{tmp}/e.jsonl"]),
    ("export-over-its-own-set", ["export", "moodle", "{tmp}/good.jsonl", "-o", "{tmp}/good.jsonl"], 1,
     "is the set being exported", []),
    ("export-parts-all-or-none", ["export", "html", "{tmp}/good.jsonl", "-o", "{tmp}/parts.html", "--mode", "exam",
                                  "--versions", "3"], 1,
     "{tmp}/parts-B.html is a folder, not a file: nothing written", ["{tmp}/parts-A.html", "{tmp}/parts-C.html"]),
    ("import-empty-set", ["bank", "import", "{tmp}/empty.jsonl", "--db", "{tmp}/new.db"], 1,
     "holds no question records; nothing imported", ["{tmp}/new.db"]),
    ("verify-empty-set", ["bank", "verify", "{tmp}/empty.jsonl"], 1, "holds no question records", []),
    ("build-that-fails-makes-no-store", ["bank", "build", "--template", "shape.no_such", "--db", "{tmp}/built.db"],
     1, "unknown template", ["{tmp}/built.db"]),
    ("generate-count-too-large", ["generate", "--count", "100000000", "-o", "{tmp}/c.jsonl"], 2,
     "100000000 is not in the range 1<=x<=10000", ["{tmp}/c.jsonl"]),
    ("stats-html-folder-missing", ["stats", "--by-template", "--html", "{tmp}/nowhere/r.html", "--db", "{db}"], 1,
     "folder {tmp}/nowhere does not exist", ["{tmp}/nowhere"]),
    ("broken-template-named-with-file-and-line", ["generate", "--bank", "{bank}", "--template", "broken.thing",
                                                  "--count", "1", "-o", "{tmp}/b.jsonl"], 1,
     "broken.yaml:", ["{tmp}/b.jsonl"]),
]


def fill(text, places):
    return text.format(**{k: str(v) for k, v in places.items()})


@pytest.mark.parametrize("name, args, code, expected, absent", CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_line_error(places, name, args, code, expected, absent):
    result, seconds = run([fill(a, places) for a in args], cwd=places["tmp"])
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert fill(expected, places) in output, output
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    if not name.endswith("json"):
        assert len(errors) >= 1 and len(errors[0]) > 10, output
    for path in absent:
        assert not Path(fill(path, places)).exists(), path
    if name.startswith("report"):
        assert "ada" not in output  # never another learner's name
    if name.startswith("generate-output"):
        assert seconds < 20, seconds  # checked before any generation
    if name.endswith("json"):
        assert set(json.loads(result.stdout)) == {"error"}  # the whole of stdout is one JSON object
    if name.endswith("bad-line"):
        assert "bad.jsonl:1:" in output and "bad.jsonl:2:" in output  # every bad line, not the first only


def test_export_and_import_describe_a_bad_line_in_the_same_words(places):
    exported, _ = run(["export", "html", str(places["tmp"] / "bad.jsonl"), "-o", str(places["tmp"] / "q.html")],
                      places["tmp"])
    imported, _ = run(["bank", "import", str(places["tmp"] / "bad.jsonl"), "--db", str(places["db"])], places["tmp"])
    def lines(text):  # each bad line as described, whether or not "Error: " leads the first
        described = [line.removeprefix("Error: ") for line in text.splitlines()]
        return sorted(line for line in described if re.match(r"\S*bad\.jsonl:\d+: ", line))
    assert lines(exported.stdout + exported.stderr) == lines(imported.stdout + imported.stderr) != []
    for result, verb in ((exported, "exported"), (imported, "imported")):  # then one error line each
        assert f"Error: 2 bad line(s) in {places['tmp'] / 'bad.jsonl'}; nothing {verb}" in result.stderr


def test_a_broken_template_does_not_block_other_families(places):
    result, _ = run(["generate", "--bank", str(places["bank"]), "--family", "metrics", "--count", "1",
                     "--workers", "1", "-o", str(places["tmp"] / "metrics.jsonl")], places["tmp"])
    assert result.returncode == 0, result.stderr
    assert (places["tmp"] / "metrics.jsonl").read_text().count("\n") > 3


def test_a_second_live_quiz_for_the_same_learner_is_refused(tmp_path, db):
    env = {**os.environ, "TERM": "dumb"}
    env.pop("TORCHQUIZ_DB", None)
    first = pexpect.spawn(TORCHQUIZ, ["quiz", "--db", str(db), "--learner", "ada", "--length", "3", "--no-generate"],
                          env=env, encoding="utf-8", timeout=30, dimensions=(40, 100))
    try:
        first.expect(r"Answer \(")
        second, _ = run(["quiz", "--db", str(db), "--learner", "ada", "--no-generate"], tmp_path)
        assert second.returncode == 1
        assert f"ada already has a quiz running on this store (process {first.pid}" in second.stderr
        assert f"torchquiz quiz --learner ada --resume --db {db}" in second.stderr
        other, _ = run(["quiz", "--db", str(db), "--learner", "bea", "--length", "1", "--no-generate"], tmp_path)
        assert "already has a quiz running" not in other.stderr  # other learners are not held up
    finally:
        first.sendline("q")
        first.expect(pexpect.EOF)
    with Store.open(db) as store:  # the first quiz's session is still its own, open to resume
        assert progress.open_session(store, progress.learner_id(store, "ada", create=False)) is not None


def test_a_damaged_store_is_one_line_and_a_wrong_query_stays_a_bug(db, tmp_path):
    """A store whose items table is damaged (its b-tree page type overwritten) fails deep in a command:
    one line, with what to do. An SQLite error that is not about the file (a wrong query) is not dressed
    up as the user's problem."""
    import sqlite3

    from torchquiz.cli.main import store_problem

    with Store.open(db) as store:
        progress.learner_id(store, "ada")
    conn = sqlite3.connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()[0]
    conn.close()
    data = bytearray(db.read_bytes())
    data[(root - 1) * page_size] = 0x55   # not a b-tree page type
    db.write_bytes(bytes(data))
    result, _ = run(["quiz", "--learner", "ada", "--no-generate", "--db", str(db)], cwd=tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in output, output
    assert "Error: the quiz store: database disk image is malformed: the store file is damaged" in output
    try:
        sqlite3.connect(":memory:").execute("SELECT nope FROM nowhere")
    except sqlite3.OperationalError as exc:
        assert store_problem(exc) is None
