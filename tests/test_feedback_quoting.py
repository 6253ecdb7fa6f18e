"""Feedback cites the option it explains in curly quotes, the one way in every output (issue 11):
spliced in bare, "…two directions. gets the cost the wrong way round" reads as a broken sentence."""


from export_records import generated_set_or_skip
from torchquiz.generator.feedback import _feedback, quote_option
from torchquiz.record.jsonl import load_records


def test_the_option_arrives_quoted_in_misconception_feedback():
    source = "{{ wrong }} gets the cost the wrong way round; the key is {{ key }}."
    text = _feedback(source, {"wrong": "Run both directions, then average.", "key": "(4, 7, 6)"})
    # The quotation drops its full stop inside the sentence (issue 12): no "….” gets".
    assert text == "“Run both directions, then average” gets the cost the wrong way round; the key is (4, 7, 6)."
    assert quote_option("(11, 7, 7)") == "“(11, 7, 7)”"


def test_a_sentence_key_at_the_end_of_a_sentence_ends_it_once():
    source = "{{ wrong }} is not it. The right answer is {{ key }}. Then x[..., 0]... and so on."
    text = _feedback(source, {"wrong": "(2, 3)", "key": "Packing skips the padded steps."})
    assert text == "“(2, 3)” is not it. The right answer is Packing skips the padded steps. Then x[..., 0]... and so on."
    assert _feedback("Is it {{ key }}.", {"key": "this?"}) == "Is it this?"
    assert _feedback("for t = 0 .. {{ key }}.", {"key": "4"}) == "for t = 0 .. 4."


def test_no_generated_feedback_splices_an_option_in_bare_or_quotes_it_twice(tmp_path_factory):
    path = generated_set_or_skip(tmp_path_factory)
    quoted = 0
    for record in load_records(path):
        for wrong in [o for o in record["options"] if not o["correct"]] + record.get("misconception_answers", []):
            feedback, text = wrong["feedback"], wrong["text"]
            assert not feedback.startswith(text), (record["id"], feedback)
            assert "““" not in feedback and "””" not in feedback, (record["id"], feedback)
            quoted += quote_option(text) in feedback or quote_option(text.removesuffix(".")) in feedback
    assert quoted > 50  # most misconception feedback opens by quoting its option
