"""Feedback text: an option or typed answer quoted the one way every output cites it."""
import re

from torchquiz.record.wording import listed

from .render import render


def quote_option(text):
    """An option's text as feedback cites it: in curly quotes, the one way in every output.

    Spliced in bare, an option reads as part of the sentence ("...between the two directions.
    gets the cost the wrong way round", "It runs and prints (11, 7, 7) (1, 7, 7) reads the
    call the Keras way"); quoted, it cannot (issue 11).
    """
    return f"“{text}”"


def _feedback(source, ctx):
    """Feedback text, with `wrong` (the option or typed answer it explains) quoted. `key` stays
    bare: templates compare it (`key == 'h_n[-1]'`) and call with it (`torch.allclose({{ key }}, ...)`)."""
    if isinstance(ctx.get("wrong"), str):
        ctx = {**ctx, "wrong": quote_option(ctx["wrong"])}
    text = _CONTINUED_AFTER_STOP.sub("” ", " ".join(render(source, ctx).split()))
    return _STOP_AFTER_STOP.sub("", text)


# A quoted option that ends in a full stop, followed by the sentence it is the subject of
# ("“…then average.” gets the cost…"), reads as a sentence that ended and went on in lower
# case. A quotation inside a sentence drops its full stop, as in print (issue 12).
_CONTINUED_AFTER_STOP = re.compile(r"\.” (?=[a-z])")
# A sentence that ends in a key which is itself a sentence ("The right answer is {{ key }}." with the key
# "Packing skips the padded steps.") ends once, not in "steps.."; an ellipsis ("...") is left alone.
_STOP_AFTER_STOP = re.compile(r"(?<=[^.\s][.!?])\.(?=\s|$)")


def naming_every_right_option(feedback, key, rights):
    """A multiple-response option's feedback that names the right answer names every right option:
    "The right answer is X." becomes "The right answers are X and Y." (the catalogue's sentences are
    written for one key; a learner told only X would take Y for wrong)."""
    if len(rights) < 2:
        return feedback
    every = listed(rights)
    for the in ("The", "the"):
        for noun in ("answer", "call"):
            feedback = feedback.replace(f"{the} right {noun} is {key}", f"{the} right {noun}s are {every}")
    return feedback
