"""Why a draw failed, and whether drawing again can help.

A draw that cannot make a good question raises Resample and the next draw is tried (`build_variant`
tries 25). Some failures no draw mends, and drawing again only hides them behind "no valid variant in
25 draws": a snippet whose own code raises NameError, SyntaxError, ImportError or an AttributeError of a
module (a typo, a missing import), and a draw that cannot change (every parameter pinned or of one
value) failing the same way again. Those stop at once, naming the snippet's line in the template file.
An exception raised inside torch, an AssertionError (templates assert to ask for another draw) or an
AttributeError of a value (`'tuple' object has no attribute 'shape'`, an LSTM's (h, c)) can depend on
the draw, and is drawn again as before.

The same bug in a template whose answer is an exception (`answer: exception`) or a probe's outcome would not
even fail: it would become the key ("It raises NameError"), or make an option right. `check_key` stops such
a variant too, unless the template's `expects` names the exception: a question about the learner's own code
(`expects: AttributeError` for an attribute torch lacks).
"""
import builtins
import json

from torchquiz.record.suggest import did_you_mean

from .params import space_size
from .render import render

CERTAIN = {"NameError", "UnboundLocalError", "SyntaxError", "IndentationError", "TabError",
           "ImportError", "ModuleNotFoundError"}
EXPECTABLE = CERTAIN | {"AttributeError"}  # what `expects` may name: what is_certain may stop
REPEATS = 3  # failures in a row, with the same parameters, that show a draw that cannot change fails for good


class Resample(Exception):
    """This parameter draw cannot make a good question; draw again."""


class CertainFailure(Resample):
    """A snippet of the template failed in a way no other draw changes. A Resample, so a misconception's
    run that fails so gives no option, as before; the right answer's run stops the variant."""


def is_certain(run):
    """Whether a snippet's exception is the template's own, the same for any draw."""
    if run is None or not run.exception or not run.own:
        return False
    return run.exception in CERTAIN or (run.exception == "AttributeError" and (run.message or "").startswith("module "))


def check_certain(template, field, snippet, run, why="no other draw changes that (a bug in the template, not a "
                                                    "draw to resample)"):
    """Raise CertainFailure, at the template's file:line, when `run` of the `field` snippet failed for good."""
    if is_certain(run):
        raise CertainFailure(f"{template.path}:{where(template, field, snippet, run.line)}: {field} raised "
                             f"{run.exception}: {run.message}{_quoted(snippet, run.line)}; {why}")


def check_key(template, key):
    """Raise CertainFailure when the template's own code failed for good in a run that decides the answer:
    the code of a `stdout` answer (no key), of an `exception` answer (the key would name the bug), or a
    probe's shown code and its run of the right option, or of an option that would count as right with it
    (`key` is then that option's evaluation). An exception the template `expects` is its answer."""
    if template.answer == "stdout":
        check_certain(template, "code", key.code, key.run)
    elif template.answer == "exception":
        _check_answer(template, "code", key.code, key.run)
    elif template.answer == "probe":
        _check_answer(template, "code", key.code, key.code_run)  # the shown code: its run is the record's
        if key.option is not None:
            probe = render(template.probe, {**key.ctx, "code": key.code, "option": key.option})  # as Evaluation ran it
            _check_answer(template, "probe", probe, key.run)


def _check_answer(template, field, snippet, run):
    if run is not None and run.exception not in template.expects:
        check_certain(template, field, snippet, run, "a bug in the template's own code, not PyTorch, would decide "
                      f"the answer, and no draw changes that (write `expects: {run.exception}` if the question "
                      "asks about this error)")


def _builtin_exception(name):
    found = getattr(builtins, name, None)
    return isinstance(found, type) and issubclass(found, BaseException)


def expects_problems(data):
    """Why a template's `expects` (an exception name or a list of them) is wrong: [] when it is right."""
    value = data.get("expects")
    names = [value] if isinstance(value, str) else value
    if value is None:
        return []
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return ["must be an exception name or a list of them"]
    kinds = ", ".join(sorted(EXPECTABLE))
    problems = [f"{name} needs no `expects`: only {kinds} stop a variant" if _builtin_exception(name) else
                f"{name} is not an exception that stops a variant.{did_you_mean(name, sorted(EXPECTABLE))} "
                f"`expects` takes {kinds}" for name in names if name not in EXPECTABLE]
    if data.get("answer") not in ("exception", "probe"):
        problems.append("only an answer that is an exception (`answer: exception` or `probe`) can be one the "
                        "template expects")
    return problems


def where(template, field, snippet, line):
    """The file line of the snippet's `line`: the text of a `|` block starts on the line after its key.
    When rendering changed the number of lines (a `{% if %}` that spans lines, a probe that includes the
    code), the key's line, and which line of the rendered snippet it was."""
    start = template.lines.get(field, 1)
    source = getattr(template, field, None) or ""
    if not line or "\n" not in source.rstrip("\n"):  # a one-line value sits on its key's line
        return f"{start}"
    if source.count("\n") == snippet.count("\n"):
        return f"{start + line}"
    return f"{start} (line {line} of the rendered {field})"


def _quoted(snippet, line):
    rendered = (snippet or "").splitlines()
    return f", in `{rendered[line - 1].strip()}`" if line and 0 < line <= len(rendered) else ""


class Draws:
    """The failed draws of one variant so far: says when drawing again cannot help."""

    def __init__(self, specs, pins=None):
        unpinned = {name: spec for name, spec in specs.items() if name not in (pins or {})}
        self.fixed = space_size(unpinned) == 1  # every draw gives the same parameters
        self.last, self.repeats = None, 0

    def hopeless(self, params, error):
        """Record a failed draw; a message when it is the REPEATS-th identical failure of a draw that cannot change."""
        seen = (json.dumps(params, sort_keys=True, default=str), str(error))
        self.repeats = self.repeats + 1 if seen == self.last else 1
        self.last = seen
        if self.fixed and self.repeats >= REPEATS:
            return (f"every draw has the same parameters (pinned, or one value each) and failed the same way "
                    f"{self.repeats} times: {error}")
        return None
