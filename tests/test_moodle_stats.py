"""Moodle's item statistics, checked against Moodle's own fixture (../shared/moodle-stats/) and
against the statistics CSV a real Moodle 4.3 wrote for a torchquiz set (../shared/moodle-reports/)."""
import csv
import os
from decimal import Decimal
from pathlib import Path

import pytest

from torchquiz.engine.moodle_stats import QuestionAttempt, Slot, moodle_statistics

SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURE = SHARED / "moodle-stats"


def require(path):
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must check Moodle's figures, not skip them")
        pytest.skip(f"{path} is not here (outside CI the shared data is optional)")
    return path


def matches_shown(value, shown):
    """`value` equals `shown` to the decimals `shown` has (one unit in the last place of slack,
    because Moodle's fixture sometimes truncates where Python rounds)."""
    if shown in ("**NULL**", ""):
        return value is None
    if value is None:
        return False
    exponent = Decimal(shown).as_tuple().exponent
    return abs(Decimal(repr(value)) - Decimal(shown)) <= Decimal(1).scaleb(exponent)


def fixture_attempts():
    steps = {r["quizattempt"]: r for r in csv.DictReader(open(require(FIXTURE / "steps00.csv")))}
    attempts = []
    for row in csv.DictReader(open(FIXTURE / "results00.csv")):
        usage = row["quizattempt"]
        for slot in range(1, 8):
            question = steps[usage]["randqs.1"] if slot == 1 else f"slot{slot}"
            variant = int(steps[usage]["variants.2"]) if slot == 2 else 1
            attempts.append(QuestionAttempt(usage, slot, question, float(row[f"slots.{slot}.mark"]), variant))
    return attempts


COLUMNS = ("s", "facility", "sd", "effectiveweight", "covariance", "markvariance", "othermarkvariance",
           "discriminationindex", "covariancemax", "discriminativeefficiency", "maxmark")


def test_matches_moodles_qstats00_fixture():
    expected = list(csv.DictReader(open(require(FIXTURE / "qstats00.csv"))))
    slots = [Slot(n, 1.0, random=(n == 1)) for n in range(1, 8)]
    result = moodle_statistics(fixture_attempts(), slots)
    by_slot = {s.slot: s for s in result["slots"]}
    checked = 0
    for row in expected:
        stats = by_slot[int(row["slot"])]
        if row["subqname"]:
            stats = result["questions"][row["subqname"]]
        if row["variant"]:
            stats = next(v for v in stats.variants if v.variant == int(row["variant"]))
        for column in COLUMNS:
            if row[column] == "":  # the fixture does not check this cell
                continue
            value = getattr(stats, column)
            assert matches_shown(value, row[column]), (row["slot"], row["subqname"], row["variant"], column,
                                                       value, row[column])
            checked += 1
    assert checked == 98  # every cell the fixture gives


def test_random_question_correlates_with_the_whole_total():
    # Moodle's rule for a drawn question: its own mark stays in the "other" total, so a question that
    # everyone gets right or wrong together with the rest gets a higher index than its slot.
    attempts = [QuestionAttempt(u, 1, "q", m) for u, m in enumerate([1, 0, 1, 0])] + \
               [QuestionAttempt(u, 2, "r", m) for u, m in enumerate([1, 0, 0, 1])]
    result = moodle_statistics(attempts, [Slot(1, random=True), Slot(2)])
    assert result["slots"][0].discriminationindex == pytest.approx(0.0)
    # totals 2, 0, 1, 1: cov(q, total) = 1/3, var q = 1/3, var total = 2/3, so 100 / sqrt(2)
    assert result["questions"]["q"].discriminationindex == pytest.approx(100 / 2 ** 0.5)


def test_one_attempt_leaves_the_spread_undefined():
    result = moodle_statistics([QuestionAttempt("a", 1, "q", 1.0)], [Slot(1)])
    stats = result["slots"][0]
    assert stats.facility == 1.0 and stats.sd is None and stats.discriminationindex is None
    assert stats.effectiveweight is None


def test_unknown_slot_is_refused():
    with pytest.raises(ValueError, match="slot 3"):
        moodle_statistics([QuestionAttempt("a", 3, "q", 1.0)], [Slot(1)])
