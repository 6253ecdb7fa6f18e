"""Numbers as a question shows them: as its code prints them, and rounded the way a learner rounds by hand."""
import math
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from torchquiz.generator.api import run_jobs
from torchquiz.generator.settings import GenerationSettings
from torchquiz.record.answers import canonical_line, format_number, last_line, printed_number, tolerance_for


@pytest.fixture(scope="module")
def regression_records():
    jobs = [{"template": "metrics.regression_error", "difficulty": level, "seed": seed, "pins": {}, "type": kind}
            for kind in ("multichoice", "numerical") for level in ("easy", "medium", "hard") for seed in range(6)]
    jobs = [{**job, "id": index} for index, job in enumerate(jobs)]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == [], "\n".join(f.message for f in result.failures)
    return result.records


def test_regression_error_shows_every_number_as_its_print_of_a_python_float_does(regression_records):
    # The snippet ends in print(round(error.item(), 3)): Python prints that float as repr() writes it (1.98, not 1.980).
    shorter = 0
    for record in regression_records:
        printed = canonical_line(last_line(record["run"]["stdout"]))
        assert record["answer"]["text"] == printed
        assert f"Torch prints {printed}." in record["solution"]
        shown = [o["text"] for o in record["options"]] + [e["text"] for e in record.get("misconception_answers", [])]
        for text in shown:
            assert text == repr(float(text)), (record["params"], text)
        shorter += sum(len(t.partition(".")[2]) < record["params"]["decimals"] for t in shown)
    assert shorter, "no draw printed a number with fewer places than it rounds to: the check above proved nothing"


@pytest.mark.parametrize("printed,decimals,shown", [
    ("1.98", 3, "1.98"), ("2.0", 3, "2.0"), ("-0.76", 3, "-0.76"), ("312", 0, "312"),   # already within `round`
    ("0.6666666865348816", 4, None), ("312.0", 0, None), ("1e-05", 3, None),             # longer: rounded
])
def test_a_printed_number_is_shown_as_printed_when_it_fits_its_places(printed, decimals, shown):
    assert printed_number(printed, decimals) == (shown or format_number(float(printed), decimals))
    assert printed_number("tensor(0.5)", 2) is None


def _decimal_text(units, places):
    """`units` hundredths (for places=2) written as a decimal, by integer arithmetic alone: 63, 2 -> '0.63'."""
    digits = str(units).rjust(places + 1, "0")
    return digits[:-places] + "." + digits[-places:] if places else digits


@given(st.integers(min_value=0, max_value=10 ** 6), st.integers(min_value=1, max_value=4))
def test_a_half_is_rounded_up_as_by_hand(units, places):
    # k followed by a 5 in the next place (0.625 for k = 62, places = 2) is shown as k + 1 in the last place.
    half = float(_decimal_text(10 * units + 5, places + 1))
    assert format_number(half, places) == _decimal_text(units + 1, places)
    assert format_number(-half, places) == "-" + _decimal_text(units + 1, places)
    # Either rounding of the half lies within the tolerance a typed answer gets.
    for shown in (_decimal_text(units, places), _decimal_text(units + 1, places)):
        assert abs(float(shown) - half) <= tolerance_for(places) + 1e-9 * max(1.0, half)


def test_a_rate_of_five_eighths_is_shown_as_a_learner_rounds_it():
    # Precision asked; the precision/recall mix-up answers the recall, tp / (tp + fn) = 5/8.
    pins = {"tp": 5, "fn": 3, "fp": 7, "tn": 20, "metric": "precision"}
    jobs = [{"id": 0, "template": "metrics.confusion_metric", "type": "numerical", "difficulty": "easy", "seed": 0,
             "pins": pins}]
    (record,) = run_jobs(jobs, GenerationSettings(workers=1)).records
    recall = Fraction(pins["tp"], pins["tp"] + pins["fn"])
    by_hand = _decimal_text(math.floor(recall * 100 + Fraction(1, 2)), 2)
    wrong = {e["misconception"]: e["text"] for e in record["misconception_answers"]}
    assert wrong["confuse_precision_recall"] == by_hand
    assert f"{float(recall):.2f}" != by_hand   # the half-to-even display this replaces


def test_the_accuracy_paradox_pages_show_their_rates_by_the_same_rule():
    # 40 fraud cases at a 12% catch rate: round(4.8) = 5 caught, a recall of 5/40 = 0.125 (12.5%).
    pins = {"setting": "fraud", "positives": 40, "negatives": 1120, "recall_pct": 12, "false_alarms": 14,
            "required": 80}
    jobs = [{"id": k, "template": template, "difficulty": "easy", "seed": 0, "pins": pins}
            for k, template in enumerate(["metrics.accuracy_paradox", "metrics.accuracy_paradox_verdict"])]
    records = run_jobs(jobs, GenerationSettings(workers=1)).records
    caught = round(pins["positives"] * pins["recall_pct"] / 100)
    recall = Fraction(caught, pins["positives"])
    rate = _decimal_text(math.floor(recall * 100 + Fraction(1, 2)), 2)
    percent = str(math.floor(recall * 100 + Fraction(1, 2)))
    assert len(records) == 2
    for record in records:
        assert f"{percent}% recall" in record["stem"]
        right = next(o for o in record["options"] if o["correct"])
        assert f"a recall of {rate}," in right["feedback"]
        assert f"= {caught} / {pins['positives']} = {rate}." in record["solution"][0]
    verdict = next(r for r in records if r["template"] == "metrics.accuracy_paradox_verdict")
    assert f"its recall ({rate})" in verdict["answer"]["text"]
