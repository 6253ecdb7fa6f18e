"""Why a draw failed, and whether drawing again can help.

A draw that cannot make a good question raises Resample and the next draw is tried (`build_variant`
tries 25). Some failures no draw mends, and drawing again only hides them behind "no valid variant in
25 draws": a snippet whose own code raises NameError, SyntaxError, ImportError or an AttributeError of a
module (a typo, a missing import), and a draw that cannot change (every parameter pinned or of one
value) failing the same way again. Those stop at once, naming the snippet's line in the template file.
An exception raised inside torch, an AssertionError (templates assert to ask for another draw) or an
AttributeError of a value (`'tuple' object has no attribute 'shape'`, an LSTM's (h, c)) can depend on
the draw, and is drawn again as before.
"""
import json

from .params import space_size

CERTAIN = {"NameError", "UnboundLocalError", "SyntaxError", "IndentationError", "TabError",
           "ImportError", "ModuleNotFoundError"}
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


def check_certain(template, field, snippet, run):
    """Raise CertainFailure, at the template's file:line, when `run` of the `field` snippet failed for good."""
    if is_certain(run):
        raise CertainFailure(f"{template.path}:{where(template, field, snippet, run.line)}: {field} raised "
                             f"{run.exception}: {run.message}{_quoted(snippet, run.line)}; no other draw changes "
                             "that (a bug in the template, not a draw to resample)")


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
