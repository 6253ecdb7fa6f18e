"""Numbers as a question shows them: as its code prints them, and rounded the way a learner rounds by hand."""
import pytest

from torchquiz.generator.api import run_jobs
from torchquiz.generator.settings import GenerationSettings
from torchquiz.record.answers import canonical_line, last_line, printed_number


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
    from torchquiz.record.answers import format_number

    assert printed_number(printed, decimals) == (shown or format_number(float(printed), decimals))
    assert printed_number("tensor(0.5)", 2) is None
