"""Grading: letters, numbers and typed answers in every canonical spelling; malformed answers."""
import pytest
from hypothesis import given, strategies as st

from torchquiz.record.grading import Grade, Malformed, grade
from torchquiz.record.answers import shape_spellings
from quiz_fixtures import (multiresponse_question, numerical_question, shape_question, truefalse_question,
                           typed_shape_question)


def key_letter(record):
    return "ABCD"[[o["correct"] for o in record["options"]].index(True)]


@pytest.mark.parametrize("position", range(4))
def test_letter_and_number_choose_the_option(position):
    record = shape_question(3, correct_index=position)
    for response in ("ABCD"[position], "abcd"[position], f" {'ABCD'[position]} ", str(position + 1)):
        result = grade(record, response)
        assert isinstance(result, Grade) and result.correct and result.chosen == (position,)
        assert result.response == "ABCD"[position]
        assert result.misconception is None


def test_wrong_option_carries_its_misconception_and_feedback():
    record = shape_question(4, correct_index=0)
    result = grade(record, "B")
    assert not result.correct
    assert result.misconception == record["options"][1]["misconception"] == "ignore_batch_first"
    assert result.feedback == record["options"][1]["feedback"]


@pytest.mark.parametrize("n", range(6))
def test_typed_shape_in_any_spelling_picks_the_option(n):
    record = shape_question(n)
    letter = key_letter(record)
    shape = tuple(int(x) for x in record["answer"]["text"].strip("()").split(","))
    for spelling in shape_spellings(shape) + [", ".join(map(str, shape))]:
        result = grade(record, spelling)
        assert isinstance(result, Grade), spelling
        assert result.correct and result.response == letter, spelling


def test_typed_text_of_a_wrong_option_is_wrong_with_its_misconception():
    record = shape_question(2, correct_index=3)
    wrong = record["options"][0]
    result = grade(record, wrong["text"].replace(" ", ""))
    assert not result.correct and result.misconception == wrong["misconception"]


@pytest.mark.parametrize("response", ["", "   ", "E", "Z", "0", "5", "(2, 3", "(99, 99, 99)", "banana"])
def test_malformed_choice_is_asked_again(response):
    result = grade(shape_question(1), response)
    assert isinstance(result, Malformed)
    assert result.message


def test_a_number_that_is_one_options_value_and_another_options_position_is_asked_again():
    """Among options 2/4/8/16, typing 4 may mean the value 4 (B) or option number 4 (D): the learner is
    asked for the letter (it does not count) instead of being marked on a guess."""
    record = {**shape_question(0), "options": [
        {"text": "2", "correct": False, "feedback": "", "misconception": "x"},
        {"text": "4", "correct": True, "feedback": "", "misconception": None},
        {"text": "8", "correct": False, "feedback": "", "misconception": "y"},
        {"text": "16", "correct": False, "feedback": "", "misconception": "z"}]}
    for typed, value, position in (("4", "B", "D"), ("2", "A", "B")):
        result = grade(record, typed)
        assert isinstance(result, Malformed) and f"type the letter ({value} or {position})" in result.message
    assert grade(record, "3").chosen == (2,)   # no option reads 3: the third option
    assert grade(record, "16").correct is False and grade(record, "16").chosen == (3,)  # no option number 16
    assert grade(record, "B").correct is True
    multiple = {**record, "type": "multiresponse"}
    assert isinstance(grade(multiple, "B,4"), Malformed) and grade(multiple, "B,3").chosen == (1, 2)


def test_a_value_spelt_differently_names_the_option_that_reads_as_it():
    def options(*texts):
        return {**shape_question(0), "options": [{"text": t, "correct": k == 1, "feedback": "",
                                                  "misconception": None if k == 1 else "m"} for k, t in enumerate(texts)]}
    printed = options("-0.020", "0.500", "0.374", "2.500")
    for typed in ("0.5", ".5", "5e-1", " 0.50 "):
        assert grade(printed, typed).chosen == (1,), typed
    assert isinstance(grade(printed, "0.37"), Malformed)          # a different value is not an option
    assert grade(printed, "4").chosen == (3,)                      # no option reads 4: still the fourth option
    tensors = options("[1.0, 0.0]", "[0.0, 0.0]", "(3,)", "1408")
    assert grade(tensors, "[0,0]").chosen == (1,) and grade(tensors, "[0., 0.]").chosen == (1,)
    assert grade(tensors, "1408.0").chosen == (3,)


def test_shortanswer_accepts_every_spelling_and_refuses_non_shapes():
    record = typed_shape_question(1)
    seq, batch, hidden = (int(x) for x in record["answer"]["text"].strip("()").split(","))
    for spelling in shape_spellings((seq, batch, hidden)):
        result = grade(record, spelling)
        assert result.correct and result.response == record["answer"]["text"]
    assert isinstance(grade(record, "(2, 3"), Malformed)
    assert isinstance(grade(record, "seven"), Malformed)
    loose = grade(record, record["answer"]["text"].replace(", ", " , "))  # Moodle gives it 0
    assert isinstance(loose, Malformed) and "(4,)" in loose.message
    assert grade(record, "(1, 1, 1)").correct is False
    assert grade(record, "(1, 1, 1)").misconception is None


def test_shortanswer_wrong_answer_is_diagnosed_from_misconception_answers():
    record = typed_shape_question(2)
    typed = record["misconception_answers"][0]["text"].replace(" ", "")
    result = grade(record, f"torch.Size([{typed.strip('()')}])")
    assert not result.correct and result.misconception == "ignore_batch_first"


def test_numerical_tolerance_percent_and_diagnosis():
    record = numerical_question(0)  # precision 6 / 8 = 0.75, recall 6 / 9 = 0.67
    assert grade(record, "0.75").correct
    assert grade(record, ".75").correct
    assert "not a percentage" in grade(record, "75%").message  # Moodle refuses the unit: asked again
    assert grade(record, "0.754").correct
    assert not grade(record, "0.76").correct
    wrong = grade(record, "0.67")
    assert not wrong.correct and wrong.misconception == "precision_recall_confusion"
    assert isinstance(grade(record, "0,75"), Malformed)  # comma decimals are refused, not misread
    assert isinstance(grade(record, "three quarters"), Malformed)


def test_truefalse_accepts_words_and_letters():
    record = truefalse_question()
    for response in ("B", "2", "false", "False", "f", "no"):
        assert grade(record, response).correct, response
    result = grade(record, "true")
    assert not result.correct and result.misconception == "unbatched_input_invalid"


def test_multiresponse_needs_exactly_the_correct_set():
    record = multiresponse_question()
    for response in ("A,B", "a b", "AB", "B;A", "1,2"):
        assert grade(record, response).correct, response
    partial = grade(record, "A")
    assert not partial.correct and partial.misconception is None
    wrong = grade(record, "A,B,C")
    assert not wrong.correct and wrong.misconception == "gru_has_cell_state"
    assert isinstance(grade(record, "A,Q"), Malformed)


@given(st.lists(st.integers(1, 64), min_size=1, max_size=4), st.sampled_from(range(4)))
def test_any_spelling_of_the_key_is_right(shape, position):
    record = shape_question(1, correct_index=position)
    text = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    record["options"][position]["text"] = text
    texts = [o["text"] for o in record["options"]]
    if len(set(texts)) < 4:
        return
    for spelling in shape_spellings(shape):
        assert grade(record, spelling).correct, (spelling, texts)


def test_a_partly_right_multiresponse_answer_names_the_right_options_it_left_out():
    record = multiresponse_question()
    partly = grade(record, "A")
    assert partly.correct is False and partly.feedback.endswith("You did not pick B, which is also right.")
    with_wrong = grade(record, "A,C")
    assert "C: A GRU has no cell state." in with_wrong.feedback and "You did not pick B" in with_wrong.feedback
    assert "did not pick" not in grade(record, "A,B").feedback
    assert "did not pick" not in grade(record, "C").feedback  # nothing right ticked: the key line says it all


@pytest.mark.parametrize("make", [shape_question, multiresponse_question, numerical_question, truefalse_question,
                                  typed_shape_question])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=8) | st.sampled_from(
    ["²", "¹²", "a ²", "½", "Ⅻ", "٣", "１", "1e999", "nan", "-0", "(²,)"]))
def test_any_typed_text_is_graded_or_asked_again(make, text):
    # '²' passed str.isdigit() and crashed int(): the quiz died with a traceback on a superscript digit.
    assert isinstance(grade(make(), text), (Grade, Malformed))


def test_a_record_with_more_options_than_letters_is_refused():
    from torchquiz.record.validate import LETTERS, answer_problems

    record = shape_question()
    record["options"] += [{"text": f"({n}, {n})", "correct": False, "feedback": "", "misconception": None}
                          for n in range(100, 100 + len(LETTERS))]
    assert any("more than the letters A to Z" in p for p in answer_problems(record))


def test_preview_names_every_option_by_its_letter():
    # preview's formatter had its own 8 letters and raised IndexError on a ninth option.
    from torchquiz.cli.generate import format_question

    record = shape_question()
    record["options"] += [{"text": f"({n}, {n})", "correct": False, "feedback": "f", "misconception": "m"}
                          for n in range(100, 106)]
    text = format_question({**record, "title": "t", "template": "x", "difficulty": "easy", "code": "",
                            "answer": {"text": "k"}, "solution": [], "hint": ""})
    assert "  J. (105, 105)" in text and "  J (wrong · m): f" in text
