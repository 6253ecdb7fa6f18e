"""One GenerationSettings reaches every place that loads templates or runs torch: `bank build --bank`,
the worker pool, and the near variants a quiz asks for in the background."""
import argparse
import json

from torchquiz.engine.near_variants import NearVariantMaker
from torchquiz.engine.session import QuizSession
from torchquiz.engine.store import Store
from torchquiz.generator.settings import GenerationSettings
from torchquiz.record.grading import grade

from conftest import torchquiz
from test_templates import GOOD


def test_settings_survive_the_command_line_round_trip(tmp_path):
    settings = GenerationSettings(device="cpu", workers=3, time_limit=7.5, bank_dirs=[tmp_path, "other"],
                                  include_builtin=False)
    parser = argparse.ArgumentParser()
    GenerationSettings.add_arguments(parser)
    assert GenerationSettings.from_arguments(parser.parse_args(settings.command_line())) == settings
    assert settings.bank_dirs == (str(tmp_path), "other")


def test_bank_build_and_the_quiz_near_variants_use_the_given_bank(write_bank, tmp_path):
    root = write_bank({"shape/fixture.yaml": GOOD})
    db = tmp_path / "mine.db"
    result = torchquiz("bank", "build", "--bank", str(root), "--template", "shape.fixture", "--count", "3",
                       "--seed", "2", "--workers", "1", "--db", str(db))
    assert "Stored 3 new question(s)" in result.stdout, result.stdout + result.stderr
    with Store.open(db) as store:
        records = [store.question(i) for (i,) in store.conn.execute("SELECT id FROM questions")]
        assert {r["template"] for r in records} == {"shape.fixture"}
        # The quiz's near variants come from the same bank: the fixture template exists nowhere else.
        maker = NearVariantMaker(db, GenerationSettings(bank_dirs=[root], workers=1))
        session = QuizSession.start(store, "ada", length=3, seed=1, near_variants=maker)
        record = session.next_question()
        wrong = next(o for o in record["options"] if o["misconception"])
        session.answer(record, grade(record, wrong["text"]))
        maker.wait(timeout=180)
        assert not maker.failures, maker.failures
        assert session.collect_arrivals() >= 1
        arrived = [store.question(i) for (i,) in store.conn.execute("SELECT id FROM questions")]
        assert len(arrived) > len(records)
        assert all(r["template"] == "shape.fixture" for r in arrived)


def test_without_the_bank_the_near_variant_fails_and_names_the_template(write_bank, tmp_path):
    root = write_bank({"shape/fixture.yaml": GOOD})
    db = tmp_path / "mine.db"
    torchquiz("bank", "build", "--bank", str(root), "--template", "shape.fixture", "--count", "1",
              "--difficulty", "hard", "--workers", "1", "--db", str(db))
    with Store.open(db) as store:                                  # bank build narrows as generate does
        assert [d for (d,) in store.conn.execute("SELECT difficulty FROM questions")] == ["hard"]
    maker = NearVariantMaker(db, GenerationSettings(workers=1))  # the built-in bank only
    maker.request("shape.fixture", "swap_batch_seq", seed=3)
    maker.wait(timeout=180)
    assert maker.arrived() == []
    assert "shape.fixture" in json.dumps(maker.failures)
