"""Feedback over a full-bank generated set reads as sentences (issue 12): every option it cites is
quoted the one way (curly quotes), and no sentence goes on in lower case after a quoted option
that ended in a full stop ("“…directions.” gets the cost…")."""
import re

from torchquiz.generator.feedback import quote_option

CONTINUED = re.compile(r"[.!?]” [a-z]")


def cited(text, feedback):
    """How `feedback` cites the option `text`: 'quoted', 'bare' or None (not at all)."""
    for form in (text, text.removesuffix(".")):
        if quote_option(form) in feedback:
            return "quoted"
    return "bare" if len(text) > 12 and text in feedback else None


def test_feedback_quotes_options_one_way_and_never_continues_after_a_full_stop(generated_set):
    _, records = generated_set
    checked = quoted = 0
    for record in records:
        cited_answers = record["options"] + record.get("misconception_answers", [])
        for answer in cited_answers:
            feedback = answer["feedback"]
            assert not CONTINUED.search(feedback), (record["id"], feedback)
            assert "““" not in feedback and "””" not in feedback, (record["id"], feedback)
            if answer.get("correct"):
                continue
            how = cited(answer["text"], feedback)
            assert how != "bare", (record["id"], answer["text"], feedback)
            quoted += how == "quoted"
            checked += 1
    templates = {r["template"] for r in records}
    assert len(templates) > 40 and checked > 200  # a set over the whole bank
    assert quoted > 50
