"""Shared fixtures: the question schema, a generated set (real torch, real workers), fixture banks."""
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_SCHEMA = ROOT.parent / "shared" / "question.schema.json"
PACKAGED_SCHEMA = ROOT / "record" / "question.schema.json"


def torchquiz(*args, check=True, env=None, **kwargs):
    """Run the real `torchquiz` CLI in a subprocess (the way users run it)."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([sys.executable, "-m", "torchquiz.cli", *args], capture_output=True, text=True,
                            env=full_env, cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"torchquiz {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def schema():
    path = SHARED_SCHEMA if SHARED_SCHEMA.exists() else PACKAGED_SCHEMA
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def validate_record(schema):
    validator = jsonschema.Draft202012Validator(schema)

    def validate(record):
        errors = sorted(validator.iter_errors(record), key=str)
        assert not errors, f"{record.get('id')}: {errors[0].message} at {list(errors[0].path)}"

    return validate


@pytest.fixture(scope="session")
def generated_set(tmp_path_factory):
    """A set over the whole bank, 3 variants per template (one per level), from the real CLI with 2 workers."""
    path = tmp_path_factory.mktemp("set") / "set.jsonl"
    torchquiz("generate", "--count", "3", "--seed", "7", "--workers", "2", "-o", str(path))
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return path, records


@pytest.fixture
def write_bank(tmp_path):
    """Write fixture template files: write_bank({"shape/x.yaml": text}) -> bank dir."""
    def write(files, catalogue=None):
        root = tmp_path / "bank"
        for name, text in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        if catalogue is not None:
            (root / "misconceptions.yaml").write_text(catalogue)
        root.mkdir(exist_ok=True)
        return root

    return write


@pytest.fixture
def db(tmp_path):
    """A real quiz database file holding 48 hand-written questions (tests/quiz_fixtures.py)."""
    from torchquiz.engine.store import Store
    from quiz_fixtures import bank

    path = tmp_path / "quiz.db"
    with Store.open(path) as store:
        store.add_questions(bank(48))
    return path


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A real headless Chromium for one test module (tests/browser_page.py)."""
    from browser_page import start_chromium

    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()
