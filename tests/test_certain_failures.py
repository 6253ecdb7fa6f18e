"""A draw that fails for good stops at once, at the template's file:line; a draw that may succeed next
time is drawn again, as templates that resample on purpose rely on."""
import pytest

from torchquiz.generator.catalogue import load_misconceptions
from torchquiz.generator.errors import VariantError
from torchquiz.generator.snippets import CachedRunner
from torchquiz.generator.templates import load_template
from torchquiz.generator.variant import MAX_ATTEMPTS, build_variant

TYPED = """\
id: my.typed
title: Typed
family: shape
topics: [rnn]
type: shortanswer
params:
  n: {int: [1, 9]}
code: |
  values = list(range({{ n }}))
  print(len(vaules))
stem: What does this print?
answer: stdout
solution: ["It prints {{ key }}."]
hint: Count.
"""


class Counting(CachedRunner):
    """A runner that counts the snippets it is asked to run."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self, code):
        self.calls += 1
        return super().__call__(code)


def build(write_bank, text, pins=None, level="easy"):
    path = write_bank({"shape/typed.yaml": text}) / "shape" / "typed.yaml"
    template = load_template(path)
    runner = Counting()
    try:
        return build_variant(template, level, 0, runner, load_misconceptions(), {}, pins), runner, path
    except VariantError as exc:
        return exc, runner, path


@pytest.mark.parametrize("old, new, line, error", [
    ("  print(len(vaules))", "  print(len(vaules))", 10, "code raised NameError: name 'vaules' is not defined"),
    ("  values = list(range({{ n }}))", "  import torch_extras\n  values = list(range({{ n }}))", 9,
     "code raised ModuleNotFoundError: No module named 'torch_extras'"),
    ("  values = list(range({{ n }}))", "  values = list(range({{ n }})", 9, "code raised SyntaxError"),
    ("  values = list(range({{ n }}))", "  import collections\n  values = collections.Countr(range({{ n }}))", 10,
     "code raised AttributeError: module 'collections' has no attribute 'Countr'"),
])
def test_a_snippet_that_fails_for_any_draw_fails_at_once_at_its_line(write_bank, old, new, line, error):
    failure, runner, path = build(write_bank, TYPED.replace(old, new))
    assert isinstance(failure, VariantError)
    assert runner.calls == 1, "drawn again although no draw can mend it"
    assert failure.message.startswith(f"{path}:{line}: {error}"), failure.message
    assert ", in `" in failure.message and failure.message.endswith("; no other draw changes that (a bug in the "
                                                                   "template, not a draw to resample)")


def test_a_compute_snippet_that_fails_for_any_draw_names_its_line(write_bank):
    text = TYPED.replace("answer: stdout", "answer: computed.total").replace(
        "code: |", "compute: |\n  import math\n  result = {\"total\": math.prod(range(1, {{ n }}))\n"
        "                  + math.factorail({{ n }})}\ncode: |")
    failure, runner, path = build(write_bank, text)
    assert runner.calls == 1
    assert failure.message.startswith(f"{path}:11: compute raised AttributeError: module 'math' has no attribute "
                                      "'factorail', in `+ math.factorail(")  # the snippet's line 3, in the file


def test_draws_that_fail_on_purpose_are_still_drawn_again(write_bank):
    """An AssertionError (templates assert to ask for another draw) and an AttributeError of a value, which
    depends on the draw, are drawn again until a draw succeeds."""
    text = TYPED.replace("  print(len(vaules))", "  assert {{ n }} > 3, 'draw again'\n"
                                                  "  shown = ({{ n }},) if {{ n }} < 6 else 'abc'\n"
                                                  "  print(shown.upper())")
    record, runner, _ = build(write_bank, text)
    assert not isinstance(record, VariantError), record
    assert record["params"]["n"] >= 6 and record["answer"]["text"] == "ABC" and runner.calls > 1


def test_a_draw_that_cannot_change_stops_after_a_few_identical_failures(write_bank):
    text = TYPED.replace("  print(len(vaules))", "  assert {{ n }} > 3, 'draw again'\n  print(len(values))")
    failure, runner, _ = build(write_bank, text, pins={"n": 2})
    assert runner.calls == 3 < MAX_ATTEMPTS
    assert failure.message.startswith("every draw has the same parameters (pinned, or one value each) and failed "
                                      "the same way 3 times: the snippet did not produce an answer (it raised "
                                      "AssertionError: draw again)"), failure.message
    record, _, _ = build(write_bank, text, pins={"n": 5})
    assert record["answer"]["text"] == "5"
    # a level whose only parameter has one value is a draw that cannot change too
    one_value = text.replace("params:\n  n: {int: [1, 9]}", "params:\n  n: {choice: [1]}")
    failure, runner, _ = build(write_bank, one_value)
    assert runner.calls == 3 and "failed the same way 3 times" in failure.message
