"""Canonical answer forms: the grammar of a shape's spellings, and numbers as Moodle reads them
(property-tested; tests/test_grading_agreement.py checks the same table in all three graders)."""
import re

import pytest
from hypothesis import given, strategies as st

from torchquiz.record.answers import (SHAPE_PATTERN, accepted_spellings, canonical_line, format_number, format_shape,
                                      matches_numerical, matches_shortanswer, parse_number, parse_shape,
                                      response_form, shape_spellings, tolerance_for)

shapes = st.lists(st.integers(min_value=0, max_value=4096), min_size=0, max_size=5).map(tuple)


@given(shapes)
def test_every_spelling_parses_back_to_the_shape(shape):
    for spelling in shape_spellings(shape):
        assert parse_shape(spelling) == shape, spelling


@given(shapes)
def test_shortanswer_accepts_exactly_the_spellings_and_asks_again_for_loose_ones(shape):
    answer = {"text": format_shape(shape), "accepted": []}
    assert [s.lower() for s in accepted_spellings(answer)] == [s.lower() for s in shape_spellings(shape)]
    for spelling in shape_spellings(shape):
        assert matches_shortanswer(spelling, answer) is True
        assert matches_shortanswer(" \t" + spelling.upper() + "\n", answer) is True
        if ", " in spelling:  # Moodle compares whole strings: other spaces get 0 there, so ask again
            assert matches_shortanswer(spelling.replace(", ", " , "), answer) is None
    assert matches_shortanswer(format_shape(shape + (1,)), answer) is False


def test_shape_spellings_are_the_grammar():
    assert shape_spellings((60, 4)) == [
        "(60, 4)", "(60, 4,)", "(60,4)", "(60,4,)", "[60, 4]", "[60, 4,]", "[60,4]", "[60,4,]",
        "torch.Size([60, 4])", "torch.Size([60, 4,])", "torch.Size([60,4])", "torch.Size([60,4,])",
        "60, 4", "60, 4,", "60,4", "60,4,"]
    assert shape_spellings((4,)) == ["(4,)", "[4]", "[4,]", "torch.Size([4])", "torch.Size([4,])", "4,"]
    assert shape_spellings(()) == ["()", "[]", "torch.Size([])"]
    with pytest.raises(ValueError, match="negative"):
        shape_spellings((4, -1))


PIECES = st.sampled_from(["(", ")", "[", "]", "torch.Size(", "TORCH.SIZE(", ",", ", ", " ", "  ", "4", "60", "0",
                          "07", "-1", "+2", "x", "\t"])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_the_pattern_recognises_spellings_and_nothing_else(text):
    shape = parse_shape(text)
    spelled = any(response_form(text) == s.lower() for s in shape_spellings(shape)) if shape is not None else False
    assert (shape is not None) == spelled == bool(re.fullmatch(SHAPE_PATTERN, response_form(text)))


@given(shapes)
def test_a_printed_torch_size_becomes_the_canonical_tuple(shape):
    printed = "torch.Size([" + ", ".join(map(str, shape)) + "])"
    assert canonical_line(printed) == format_shape(shape)


def test_printed_lists_stay_lists():
    assert canonical_line("[3, 2, 1]") == "[3, 2, 1]"
    assert canonical_line("  True ") == "True"


def test_one_dimensional_shape_keeps_its_comma():
    assert format_shape((4,)) == "(4,)"
    assert parse_shape("(4,)") == (4,) == parse_shape("[4]")
    assert parse_shape("(4)") is None and parse_shape("4") is None  # the number 4
    assert parse_shape("4, 7, 6") == (4, 7, 6)


def test_not_shapes():
    for text in ["(2, 3", "hello", "(a, b)", "2.5", "", "[[1, 2]]", "( 2, 3 )", "(2 , 3)", "(02, 3)", "(2,3, 4)"]:
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
    assert matches_numerical("9.1e-1", answer) and matches_numerical("9.1x10^-1", answer)
    assert matches_numerical("91%", answer) is None  # Moodle: a unit where the question has none
    assert not matches_numerical("0.92", answer)
    assert matches_numerical("0,91", answer) is None  # Moodle reads a comma by the site's language
    assert parse_number("abc") is None and parse_number("1_000") is None and parse_number("inf") is None
    assert parse_number(" 2 560 ") == 2560
