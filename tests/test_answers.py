"""Canonical answer forms: every spelling of a shape means the same shape (property-tested)."""
from hypothesis import given, strategies as st

from torchquiz.record.answers import (canonical_line, format_number, format_shape, matches_numerical, matches_shortanswer,
                               parse_number, parse_shape, shape_spellings, tolerance_for)

shapes = st.lists(st.integers(min_value=0, max_value=4096), min_size=0, max_size=5).map(tuple)


@given(shapes)
def test_every_spelling_parses_back_to_the_shape(shape):
    for spelling in shape_spellings(shape):
        assert parse_shape(spelling) == shape, spelling


@given(shapes)
def test_shortanswer_accepts_every_spelling_and_rejects_other_shapes(shape):
    answer = {"text": format_shape(shape), "accepted": shape_spellings(shape)[1:]}
    for spelling in shape_spellings(shape):
        assert matches_shortanswer(spelling, answer)
        assert matches_shortanswer("  " + spelling.replace(", ", " ,  ") + " ", answer)
    assert not matches_shortanswer(format_shape(shape + (1,)), answer)


@given(shapes)
def test_a_printed_torch_size_becomes_the_canonical_tuple(shape):
    printed = "torch.Size([" + ", ".join(map(str, shape)) + "])"
    assert canonical_line(printed) == format_shape(shape)


def test_printed_lists_stay_lists():
    assert canonical_line("[3, 2, 1]") == "[3, 2, 1]"
    assert canonical_line("  True ") == "True"


def test_one_dimensional_shape_keeps_its_comma():
    assert format_shape((4,)) == "(4,)"
    assert parse_shape("(4,)") == (4,)
    assert parse_shape("4, 7, 6") == (4, 7, 6)


def test_not_shapes():
    for text in ["(2, 3", "hello", "(a, b)", "2.5", "", "[[1, 2]]"]:
        assert parse_shape(text) is None, text


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=0, max_value=6))
def test_rounded_numbers_lie_within_their_tolerance(value, decimals):
    shown = format_number(value, decimals)
    assert "," not in shown
    assert abs(float(shown) - value) <= tolerance_for(decimals) + 1e-9 * max(1, abs(value))


def test_numerical_matching():
    answer = {"text": "0.91", "value": 0.91, "tolerance": tolerance_for(2)}
    assert matches_numerical("0.91", answer)
    assert matches_numerical(".912", answer)
    assert matches_numerical("91%", answer)
    assert not matches_numerical("0.92", answer)
    assert matches_numerical("0,91", answer) is None  # a comma decimal is not a number here
    assert parse_number("abc") is None
