"""The misconception catalogue: id, description, feedback and a declarative transform.

Entries live in `misconceptions.yaml` at the top of a bank. A transform says what the
learner gets wrong, as operations on the variant's parameters or its rendered code:
  when:    {param: value | [values]}  applies only where every condition holds
  requires: "<jinja expression>"      applies only where this holds of the variant's parameters, e.g.
                                      "total_length < (lengths | max)": the precondition its label and
                                      feedback presume (an option never carries a label that is untrue)
  set:     {param: value | "=expr"}   e.g. bidirectional: false (the x2 forgotten), input_size: "=seq_len"
  swap:    [param_a, param_b]         e.g. input_size and hidden_size swapped
  map:     {param: {from: to}}        e.g. metric: {precision: recall}
  replace: [[old, new], ...]          text edits of the rendered code (or option)
  isolate: {param: value}             pins that make the misconception observable (near variants)
"""
import dataclasses
import functools
from importlib import resources
from pathlib import Path

import jinja2

from torchquiz.record.suggest import did_you_mean

from .errors import Problem, TemplateError
from .params import rederive
from .render import evaluate
from .yamlsource import line_of, load_yaml_file

CATALOGUE_FILE = "misconceptions.yaml"
ENTRY_KEYS = {"description", "feedback", "when", "requires", "set", "swap", "map", "replace", "isolate"}
OPS = ("set", "swap", "map", "replace")


@dataclasses.dataclass(frozen=True)
class Misconception:
    id: str
    description: str
    feedback: str
    when: dict
    set: dict
    swap: tuple
    map: dict
    replace: tuple
    isolate: dict
    source: str = ""
    requires: str = ""   # a jinja expression over the variant's parameters; empty: always

    def applies(self, params):
        """Whether the precondition (`when` and `requires`) is true of a variant's parameters: only then may an
        option carry this label, because its feedback speaks of the variant as the precondition describes it."""
        if not all(_matches(params.get(name), wanted) for name, wanted in self.when.items()):
            return False
        if self.requires:
            try:
                return bool(evaluate(self.requires, params))
            except jinja2.UndefinedError:  # a name this template lacks: the precondition is not met here
                return False
        return True

    def contradiction(self, params):
        """Why this label is untrue of a variant with these parameters, or None. Unlike `applies`, a condition
        on a name the variant lacks is not judged: a curated option's label or a stored record is checked
        only on what it states."""
        for name, wanted in self.when.items():
            if name in params and not _matches(params[name], wanted):
                return f"when {name}={wanted!r}, but here {name}={params[name]!r}"
        if self.requires:
            try:
                holds = bool(evaluate(self.requires, params))
            except jinja2.UndefinedError:
                return None
            if not holds:
                return f"requires {self.requires}, which is false here"
        return None

    def transform_params(self, params, specs):
        """The parameters as the learner with this misconception pictures them, or None."""
        if not self.applies(params):
            return None
        out = dict(params)
        for name, value in self.set.items():
            if name not in out:
                return None
            # "=expr" computes the value from the variant's parameters, e.g. input_size: "=seq_len"
            out[name] = evaluate(value[1:], params) if isinstance(value, str) and value.startswith("=") else value
        if self.swap:
            a, b = self.swap
            if a not in out or b not in out:
                return None
            out[a], out[b] = out[b], out[a]
        for name, mapping in self.map.items():
            if out.get(name) not in mapping:
                return None
            out[name] = mapping[out[name]]
        return rederive(specs, out)

    def transform_text(self, text):
        """Apply the `replace` edits; None if none of them matched (the edit does not apply)."""
        if not self.replace:
            return text
        changed = text
        for old, new in self.replace:
            changed = changed.replace(old, new)
        return changed if changed != text else None


def _matches(value, wanted):
    """A `when` condition: the value itself, or one of a list of values (unless the value is a list)."""
    if isinstance(wanted, list) and not isinstance(value, list):
        return value in wanted
    return value == wanted


def bank_roots(extra_dirs=(), include_builtin=True):
    """The bank folders in load order, each once: `--bank` naming the built-in folder (or one
    folder twice) must not load its templates twice."""
    roots = [Path(str(resources.files("torchquiz.bank")))] if include_builtin else []
    unique = {}
    for root in roots + [Path(d) for d in extra_dirs]:
        unique.setdefault(root.resolve(), root)
    return list(unique.values())


def _entry_problems(path, lines, mid, entry):
    problems = []
    if not isinstance(entry, dict):
        return [Problem(path, line_of(lines, (mid,)), mid, "must be a mapping")]
    for key in entry:
        if key not in ENTRY_KEYS:
            hint = did_you_mean(key, ENTRY_KEYS)
            hint = f".{hint}" if hint else ""
            problems.append(Problem(path, line_of(lines, (mid, key)), f"{mid}.{key}", f"unknown key{hint}"))
    for key in ("description", "feedback"):
        if not isinstance(entry.get(key), str) or not entry.get(key).strip():
            problems.append(Problem(path, line_of(lines, (mid,)), f"{mid}.{key}", "is required (text)"))
    if isinstance(entry.get("feedback"), str):
        from .render import ENV, filter_problems

        try:
            ast = ENV.parse(entry["feedback"])
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(path, line_of(lines, (mid, "feedback")), f"{mid}.feedback",
                                    f"jinja syntax error: {exc.message}"))
        else:
            problems += [Problem(path, line_of(lines, (mid, "feedback")), f"{mid}.feedback", message)
                         for _lineno, message in filter_problems(ast)]
    if not any(op in entry for op in OPS):
        problems.append(Problem(path, line_of(lines, (mid,)), mid, f"needs a transform: one of {', '.join(OPS)}"))
    swap = entry.get("swap")
    if swap is not None and not (isinstance(swap, list) and len(swap) == 2 and all(isinstance(n, str) for n in swap)):
        problems.append(Problem(path, line_of(lines, (mid, "swap")), f"{mid}.swap={swap!r}", "needs two parameter names"))
    replace = entry.get("replace")
    if replace is not None and not (isinstance(replace, list) and all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(t, str) for t in r) for r in replace)):
        problems.append(Problem(path, line_of(lines, (mid, "replace")), f"{mid}.replace", "needs a list of [old, new] text pairs"))
    for key in ("when", "set", "map", "isolate"):
        if key in entry and not isinstance(entry[key], dict):
            problems.append(Problem(path, line_of(lines, (mid, key)), f"{mid}.{key}", "must be a mapping"))
    if "requires" in entry:
        message = _expression_problem(entry["requires"])
        if message:
            problems.append(Problem(path, line_of(lines, (mid, "requires")), f"{mid}.requires={entry['requires']!r}", message))
    return problems


def _expression_problem(source):
    """Why `requires` is not a jinja expression, or None."""
    from .render import ENV

    if not isinstance(source, str) or not source.strip():
        return "needs a jinja expression over the variant's parameters, e.g. \"total_length < (lengths | max)\""
    try:
        ENV.compile_expression(source)
    except jinja2.TemplateSyntaxError as exc:
        return f"jinja syntax error: {exc.message}"
    return None


def load_catalogue_file(path):
    """Parse one catalogue file; raises TemplateError listing every problem."""
    entries, problems, _broken = read_catalogue_file(path)
    if problems:
        raise TemplateError(problems)
    return entries


def read_catalogue_file(path):
    """(entries, problems, ids of the entries with problems) of one catalogue file; a file that is not YAML
    raises TemplateError."""
    data, lines, _ = load_yaml_file(path)
    if not isinstance(data, dict):
        raise TemplateError([Problem(path, 1, "", "a misconception catalogue is a mapping of id -> entry")])
    problems, entries, broken = [], {}, set()
    for mid, entry in data.items():
        found = _entry_problems(path, lines, mid, entry)
        problems += found
        if found:
            broken.add(mid)
            continue
        entries[mid] = Misconception(
            id=mid, description=entry["description"].strip(), feedback=entry["feedback"].strip(),
            when=entry.get("when", {}), set=entry.get("set", {}), swap=tuple(entry.get("swap", ())),
            map=entry.get("map", {}), replace=tuple(tuple(r) for r in entry.get("replace", ())),
            isolate=entry.get("isolate", {}), source=str(path), requires=entry.get("requires", "").strip())
    return entries, problems, broken


def checked_misconceptions(bank_dirs=()):
    """(catalogue, problems) for checking a bank: a catalogue entry with a problem stands in as an empty entry,
    so the templates are still checked (and a template naming it is not told the name is unknown).
    A catalogue file that is not YAML raises TemplateError: nothing in it can be known."""
    catalogue, problems = {}, []
    for root in bank_roots(bank_dirs, True):
        path = root / CATALOGUE_FILE
        if path.is_file():
            entries, found, broken = read_catalogue_file(path)
            catalogue.update({mid: Misconception(id=mid, description="", feedback="", when={}, set={}, swap=(), map={},
                                                 replace=(), isolate={}, source=str(path)) for mid in broken})
            catalogue.update(entries)
            problems += found
    return catalogue, problems


def catalogue_overrides(bank_dirs=()):
    """Notes for every entry a later catalogue gives again: it replaces the earlier one for every template
    (a way to reword the built-in feedback; a new idea wants a new id)."""
    first, notes = {}, []
    for root in bank_roots(bank_dirs, True):
        path = root / CATALOGUE_FILE
        if not path.is_file():
            continue
        data, lines, _ = load_yaml_file(path)
        for mid in data if isinstance(data, dict) else ():
            if mid in first:
                notes.append(f"{path}:{line_of(lines, (mid,))}: {mid}: replaces the entry in {first[mid]} for every "
                             "template that uses it (give a new id to add a misconception of your own)")
            first.setdefault(mid, path)
    return notes


@functools.lru_cache(maxsize=16)
def _load_cached(paths):
    catalogue = {}
    for path in paths:
        catalogue.update(load_catalogue_file(path))
    return catalogue


def load_misconceptions(bank_dirs=(), include_builtin=True):
    """Every misconception from the built-in catalogue and any extra bank directories (later ones win).

    The built-in catalogue is the shared vocabulary of misconceptions, so it is loaded even when
    a bank's templates are used without the built-in templates.
    """
    del include_builtin  # templates only; see the docstring
    paths = tuple(str(root / CATALOGUE_FILE) for root in bank_roots(bank_dirs, True)
                  if (root / CATALOGUE_FILE).is_file())
    return dict(_load_cached(paths))
