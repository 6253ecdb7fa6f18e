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
    # torch answers a missing attribute in its own module __getattr__ (PEP 562): still the snippet's typo
    ("  values = list(range({{ n }}))", "  import torch\n  values = torch.arnage({{ n }}).tolist()", 10,
     "code raised AttributeError: module 'torch' has no attribute 'arnage'"),
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


# Templates whose key is an exception (answer: exception) or a probe's outcome: a bug in the template's own
# code must not become the key "It raises NameError".
RAISES = """\
id: my.raises
title: Raises
family: error
topics: [lstm]
type: multichoice
params:
  hidden: {int: [2, 9]}
  picture: as_written
  believed_error: none
code: |
  import torch
  import torch.nn as nn
  {% if believed_error != 'none' %}raise {{ believed_error }}("pictured"){% endif %}
  layer = nn.LSTM(4, {{ hidden }})
  x = torch.randn(3, 2, {{ 4 if picture == 'infer_input_size' else 5 }})
  output, _ = layer(x)
  print(tuple(output.shape))
stem: What happens when this runs?
answer: exception
distractors: [expects_value_error, expects_type_error, layer_infers_input_size]
solution: ["Torch says {{ key }}."]
hint: Count the features.
"""


def build_raises(write_bank, text, name="error/raises.yaml"):
    path = write_bank({name: text}) / name
    runner = Counting()
    try:
        return build_variant(load_template(path), "easy", 0, runner, load_misconceptions(), {}), runner, path
    except VariantError as exc:
        return exc, runner, path


def test_an_exception_key_that_torch_raised_is_still_the_key(write_bank):
    record, _, _ = build_raises(write_bank, RAISES)
    assert not isinstance(record, VariantError), record
    assert record["answer"]["text"] == "It raises RuntimeError"


@pytest.mark.parametrize("old, new, line, error", [
    ("  output, _ = layer(x)", "  output, _ = layr(x)", 16, "NameError: name 'layr' is not defined, in `output, _ = layr(x)`"),
    ("nn.LSTM(4,", "nn.LSMT(4,", 14, "AttributeError: module 'torch.nn' has no attribute 'LSMT', in `layer = nn.LSMT("),
    ("torch.randn(3", "torch.randm(3", 15, "AttributeError: module 'torch' has no attribute 'randm', in `x = torch.randm("),
    ("  output, _ = layer(x)", "  output, _ = layer(x", 16, "SyntaxError: '(' was never closed"),
    ("  import torch.nn as nn", "  import torch.nn as nn\n  from torch.nn import LSMT", 13,
     "ImportError: cannot import name 'LSMT' from 'torch.nn'"),
])
def test_an_exception_key_that_a_bug_in_the_code_raised_fails_at_its_line(write_bank, old, new, line, error):
    failure, runner, path = build_raises(write_bank, RAISES.replace(old, new))
    assert isinstance(failure, VariantError), f"the key became {failure['answer']['text']!r}"
    assert runner.calls == 1, "drawn again although no draw can mend it"
    assert failure.message.startswith(f"{path}:{line}: code raised {error}"), failure.message
    assert "a bug in the template's own code, not PyTorch" in failure.message
    assert f"`expects: {error.split(':')[0]}`" in failure.message  # how to say the question means it


def test_expects_lets_a_question_ask_about_an_error_of_the_learners_code(write_bank):
    """A question about a name the learner's code never defined: the misconceptions picture it defined."""
    text = RAISES.replace("  output, _ = layer(x)", "  output, _ = {{ 'layr' if picture == 'as_written' else 'layer' }}(x)")
    text = text.replace("answer: exception", "answer: exception\nexpects: NameError")
    record, _, _ = build_raises(write_bank, text)
    assert not isinstance(record, VariantError), record
    assert record["answer"]["text"] == "It raises NameError"
    # it names the exceptions it allows: another one still stops the variant
    other = text.replace("nn.LSTM(4,", "nn.LSMT(4,")
    failure, _, path = build_raises(write_bank, other)
    assert failure.message.startswith(f"{path}:14: code raised AttributeError: module 'torch.nn'"), failure.message


@pytest.mark.parametrize("value, answer, problem", [
    ("NameError", "exception", None),
    ("[NameError, AttributeError]", "exception", None),
    ("ModuleNotFoundError", "probe", None),
    ("RuntimeError", "exception", "RuntimeError needs no `expects`: only AttributeError, ImportError"),
    ("NameErorr", "exception", "Did you mean 'NameError'?"),
    ("NameError", "stdout", "only an answer that is an exception"),
    ("{a: 1}", "exception", "must be an exception name or a list of them"),
])
def test_expects_is_validated(write_bank, value, answer, problem):
    from torchquiz.generator.errors import TemplateError

    text = RAISES.replace("answer: exception", f"answer: {answer}\nexpects: {value}")
    if answer == "probe":
        text += "probe: |\n  {{ option }}\noption: print(1)\n"
    path = write_bank({"error/raises.yaml": text}) / "error" / "raises.yaml"
    if problem is None:
        load_template(path)
        return
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert any(p.field.startswith("expects") and problem in p.message and p.line == 20 for p in caught.value.problems), \
        caught.value.problems


PROBE = """\
id: my.probe
title: Probe
family: constructor
topics: [lstm]
type: multiresponse
params:
  n: {int: [2, 9]}
  spelling: as_written
probe: |
  import torch.nn as nn
  layer = {{ option }}
  print(layer.weight.shape)
option: "{{ {'as_written': 'None', 'typo': 'nn.Lineer(' ~ n ~ ', 2)', 'good': 'nn.Linear(' ~ n ~ ', 2)'}[spelling] }}"
stem: Which calls make a layer without weights?
answer: probe
distractors: [spelled_wrong, spelled_right]
solution: ["{{ key }}"]
hint: Look.
"""
PROBE_CATALOGUE = """\
spelled_wrong:
  description: a typo, which raises AttributeError as the key does
  feedback: "{{ wrong }}: {{ key }}"
  set: {spelling: typo}
spelled_right:
  description: a real layer
  feedback: "{{ wrong }}: {{ key }}"
  set: {spelling: good}
"""


def build_probe(write_bank, text):
    root = write_bank({"constructor/probe.yaml": text}, PROBE_CATALOGUE)
    catalogue = load_misconceptions((root,))
    path = root / "constructor" / "probe.yaml"
    try:
        return build_variant(load_template(path, catalogue), "easy", 0, Counting(), catalogue, {}), path
    except VariantError as exc:
        return exc, path


def test_a_right_option_whose_outcome_a_typo_made_fails_at_its_line(write_bank):
    """The key raises a value's AttributeError (None.weight), as torch's rules may; an option that raises
    AttributeError only because `nn.Lineer` is misspelt must not count as right for it."""
    failure, path = build_probe(write_bank, PROBE)
    assert isinstance(failure, VariantError), f"right options: {[o['text'] for o in failure['options'] if o['correct']]}"
    assert failure.message.startswith(f"{path}:11: probe raised AttributeError: module 'torch.nn' has no attribute "
                                      "'Lineer', in `layer = nn.Lineer("), failure.message
    # without the typo the question builds: torch's AttributeError of a value (nn.Identity has no weight)
    # makes that option right as the key's does
    record, _ = build_probe(write_bank, PROBE.replace("nn.Lineer(", "nn.Identity("))
    n = record["params"]["n"]
    assert {o["text"]: o["correct"] for o in record["options"]} == {
        "None": True, f"nn.Identity({n}, 2)": True, f"nn.Linear({n}, 2)": False}, record["options"]


def test_a_probe_key_that_a_bug_in_the_probe_raised_fails_at_its_line(write_bank):
    failure, path = build_probe(write_bank, PROBE.replace("'as_written': 'None'", "'as_written': 'nn.Lineer(1, 2)'"))
    assert failure.message.startswith(f"{path}:11: probe raised AttributeError: module 'torch.nn' has no attribute "
                                      "'Lineer', in `layer = nn.Lineer(1, 2)`"), failure.message
    shown = PROBE.replace("probe: |\n", "code: |\n  import torch\n  print(torch.zeros(2).shpe)\nprobe: |\n  {{ code }}\n")
    failure, path = build_probe(write_bank, shown.replace("print(torch.zeros(2).shpe)", "print(torhc.zeros(2))"))
    assert failure.message.startswith(f"{path}:11: code raised NameError: name 'torhc' is not defined"), failure.message
