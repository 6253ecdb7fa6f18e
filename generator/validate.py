"""Static checks of a template's fields; every problem is reported with its file and line."""

import jinja2
from jinja2 import meta

from .failures import expects_problems
from .params import draws_layers, spec_problems
from .question_types import declared_types, form_data, form_lines, structure_problems
from .render import ENV, filter_problems
from .rules import RULES
from .validate_scope import option_scope_problems, transform_problems
from .yamlsource import line_of

from torchquiz.record.schema import FAMILIES, LEVELS, TYPES  # the record's schema is the one authority
from torchquiz.record.suggest import did_you_mean

REQUIRED = ("id", "title", "family", "topics", "type", "stem", "answer", "solution", "hint")  # `type` or `types`
OPTIONAL = ("params", "difficulty", "code", "compute", "probe", "option", "options", "distractors",
            "round", "rule", "common_mistakes", "feedback", "version", "types", "per_type", "expects")
ANSWERS = ("stdout", "exception", "probe", "curated")
TEXT_FIELDS = ("stem", "code", "compute", "probe", "option", "hint", "feedback")
# Names the generator adds to every rendering context besides params and computed values.
CONTEXT_NAMES = {"key", "code", "option", "wrong", "difficulty", "warning"}


def _did_you_mean(word, choices):
    hint = did_you_mean(word, choices)
    return f".{hint}" if hint else ""


def _jinja_problems(path, lines, field_path, source, names, open_names):
    """Syntax errors (with the file line) and unknown variable names in one jinja field."""
    where = line_of(lines, field_path)
    label = ".".join(str(p) for p in field_path)

    def file_line(line_in_source):
        """A block scalar's text starts on the line after its key; a one-line value is on the key's line."""
        return where + line_in_source if "\n" in source else where

    try:
        ast = ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [(file_line(exc.lineno or 1), label, f"jinja syntax error: {exc.message}")]
    problems = [(file_line(lineno), label, message) for lineno, message in filter_problems(ast)]
    if open_names or problems:  # names are found by compiling, which an unknown filter stops
        return problems
    for name in sorted(meta.find_undeclared_variables(ast) - names - set(ENV.globals)):
        # the first line of the block that uses the name
        hits = [i for i, text in enumerate(source.splitlines(), 1) if name in text]
        problems.append((file_line(hits[0] if hits else 0), label, f"unknown name {name!r}{_did_you_mean(name, names)}"))
    return problems


def computed_names(source):
    """The names a `compute` snippet puts in `result`, when its text says them all: `result = {"a": ...}`
    and `result["b"] = ...` with plain string keys. None when they are known only by running it: a key
    made by jinja or by code, a `{% %}` block, `**spread`, or `result` handed on, re-bound or aliased."""
    import ast as pyast

    if "{%" in source:
        return None
    code = source.replace("{{", " _jinja_(").replace("}}", ") ")   # an expression; in a key, not a name
    try:
        tree = pyast.parse(code)
    except SyntaxError:
        return None
    names, allowed = set(), set()   # allowed: the ids of the Name nodes of the plain forms above
    for node in pyast.walk(tree):
        if isinstance(node, pyast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, pyast.Name) and target.id == "result" and isinstance(node.value, pyast.Dict):
                if not all(isinstance(k, pyast.Constant) and str(k.value).isidentifier() for k in node.value.keys):
                    return None
                names |= {k.value for k in node.value.keys}
                allowed.add(id(target))
            elif (isinstance(target, pyast.Subscript) and isinstance(target.value, pyast.Name)
                  and target.value.id == "result"):
                if not (isinstance(target.slice, pyast.Constant) and str(target.slice.value).isidentifier()):
                    return None
                names.add(target.slice.value)
                allowed.add(id(target.value))
        elif isinstance(node, pyast.Subscript) and isinstance(node.ctx, pyast.Load) \
                and isinstance(node.value, pyast.Name) and node.value.id == "result":
            allowed.add(id(node.value))  # reading an entry changes nothing
    if any(isinstance(n, pyast.Name) and n.id == "result" and id(n) not in allowed for n in pyast.walk(tree)):
        return None
    return names or None


def _defined_tests(ast):
    """Names a template guards with `x is defined`: they may be missing."""
    from jinja2 import nodes

    return {node.node.name for node in ast.find_all(nodes.Test)
            if node.name == "defined" and isinstance(node.node, nodes.Name)}


def _feedback_problems(mid, misconception, names, given=("wrong", "their")):
    """Names a misconception's feedback needs that this template does not define (`given`: what the
    generator adds for it: a distractor gets `wrong` and `their`, a curated option `wrong` alone)."""
    ast = ENV.parse(misconception.feedback)
    needed = meta.find_undeclared_variables(ast) - _defined_tests(ast) - set(ENV.globals)
    return sorted(needed - names - set(given))


def _requires_problems(misconception, params):
    """Names a misconception's precondition reads that are not parameters of this template."""
    ast = ENV.parse("{{ " + misconception.requires + " }}")
    needed = meta.find_undeclared_variables(ast) - _defined_tests(ast)  # `ask is not defined or ...` may lack it
    return sorted(needed - params - set(ENV.globals))


# What each field holds; a value of another kind is reported here and left out of the other
# checks, so `topics: gru` is one problem, not the letters g, r and u taken as three topics.
TEXT, TEXTS, MAPPING = "text", "a list of texts", "a mapping"
FIELD_KINDS = {**{f: TEXT for f in ("id", "title", "family", "type", "stem", "answer", "code", "compute", "probe",
                                     "option", "hint", "feedback", "rule")},
               **{f: TEXTS for f in ("topics", "solution", "common_mistakes", "distractors")},
               "params": MAPPING, "difficulty": MAPPING, "options": "a list of options", "round": "a whole number"}
OPTION_KEYS = {"text": TEXT, "correct": "true or false", "misconception": TEXT, "feedback": TEXT,
               "levels": "a list of levels", "when": MAPPING}


def _is_kind(value, kind):
    if kind == TEXT:
        return isinstance(value, str)
    if kind in (TEXTS, "a list of levels"):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == MAPPING:
        return isinstance(value, dict)
    if kind == "a list of options":
        return isinstance(value, list)
    if kind == "true or false":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)  # a whole number


def _kind_problems(data, lines):
    """(line, field, message) for every field, option entry and level override of the wrong kind."""
    problems = []
    for key, kind in FIELD_KINDS.items():
        value = data.get(key)
        if value is not None and not _is_kind(value, kind):
            problems.append((line_of(lines, (key,)), f"{key}={value!r}", f"must be {kind}"))
    options = data.get("options")
    for index, option in enumerate(options if isinstance(options, list) else []):
        if not isinstance(option, dict):
            continue  # "needs text" below
        for key, value in option.items():
            where = line_of(lines, ("options", index, key))
            if key not in OPTION_KEYS:
                problems.append((where, f"options[{index}].{key}",
                                 f"unknown key{_did_you_mean(key, OPTION_KEYS)} (an option has {', '.join(OPTION_KEYS)})"))
            elif value is not None and not _is_kind(value, OPTION_KEYS[key]):
                problems.append((where, f"options[{index}].{key}={value!r}", f"must be {OPTION_KEYS[key]}"))
    levels = data.get("difficulty")
    for level, overrides in (levels.items() if isinstance(levels, dict) else ()):
        if overrides is not None and not isinstance(overrides, dict):
            problems.append((line_of(lines, ("difficulty", level)), f"difficulty.{level}={overrides!r}",
                             "must map parameter names to their values at this level"))
    return problems


def _answer_problem(data):
    answer = data.get("answer")
    if not isinstance(answer, str):
        return "answer must be stdout, exception, probe, curated or computed.<name>"
    if answer in ANSWERS or (answer.startswith("computed.") and len(answer) > 9):
        if answer.startswith("computed.") and not data.get("compute"):
            return f"answer={answer!r} needs a `compute` snippet"
        if answer in ("stdout", "exception") and not data.get("code"):
            return f"answer={answer!r} needs `code` to run"
        if answer == "probe" and not (data.get("probe") and data.get("option")):
            return "answer='probe' needs `probe` and `option`"
        if answer == "curated" and not data.get("options"):
            return "answer='curated' needs `options`"
        return None
    return f"answer={answer!r}: unknown answer source{_did_you_mean(answer, ANSWERS)}"


def template_problems(data, lines, path, catalogue):
    """Every problem with one template, as Problem objects: its `types` structure, then each type's form."""
    from .errors import Problem

    if not isinstance(data, dict):
        return [Problem(path, 1, "", "a template is a YAML mapping of fields")]
    found = [Problem(path, line, field, message)
             for line, field, message in structure_problems(data, lines, line_of, _did_you_mean)]
    if "types" not in data:
        return sorted(found + _form_problems(data, lines, path, catalogue), key=lambda p: p.line or 0)
    seen = {str(p) for p in found}
    for kind in [k for k in declared_types(data) if k in TYPES]:
        # Shared fields are checked once per form: report each problem once, however many forms share it.
        for problem in _form_problems(form_data(data, kind), form_lines(lines, kind), path, catalogue):
            if str(problem) not in seen:
                seen.add(str(problem))
                found.append(problem)
    return sorted(found, key=lambda p: p.line or 0)


def _form_problems(data, lines, path, catalogue):
    """Every problem with one single-type template (or one form of a several-type template)."""
    from .errors import Problem

    found = []

    def add(line, field, message):
        found.append(Problem(path, line, field, message))

    wrong_kind = _kind_problems(data, lines)
    for line, field, message in wrong_kind:
        add(line, field, message)
    bad = {field.split("=")[0] for _, field, _ in wrong_kind if "." not in field.split("=")[0]}
    # options keep their places (problems name options[i] at its line); one of the wrong kind is not checked further
    bad_options = {int(field[len("options["):field.index("]")]) for _, field, _ in wrong_kind
                   if field.startswith("options[")}
    present = set(data)
    data = {k: v for k, v in data.items() if k not in bad}
    levels = data.get("difficulty")
    if isinstance(levels, dict):
        data["difficulty"] = {k: v for k, v in levels.items() if v is None or isinstance(v, dict)}

    for key in data:
        if key not in REQUIRED and key not in OPTIONAL:
            add(line_of(lines, (key,)), key, f"unknown key{_did_you_mean(key, REQUIRED + OPTIONAL)}")
    for key in REQUIRED:
        if key not in bad and data.get(key) in (None, "", []):
            add(line_of(lines, (key,)) if key in present else 1, key, "is required")
    if data.get("family") is not None and data["family"] not in FAMILIES:
        add(line_of(lines, ("family",)), f"family={data['family']!r}", f"unknown family"
            f"{_did_you_mean(data['family'], FAMILIES) or '.'} A family is one of: {', '.join(FAMILIES)}.")
    if data.get("type") is not None and data["type"] not in TYPES:
        add(line_of(lines, ("type",)), f"type={data['type']!r}", f"unknown type{_did_you_mean(data['type'], TYPES)}")
    if "answer" in data:
        message = _answer_problem(data)
        if message:
            add(line_of(lines, ("answer",)), "answer", message)
    if data.get("type") == "numerical" and "round" not in bad and data.get("round") is None:
        add(line_of(lines, ("type",)), "round", "a numerical question needs `round: <decimals>` for its tolerance")
    if data.get("rule") is not None and data["rule"] not in RULES:
        add(line_of(lines, ("rule",)), f"rule={data['rule']!r}", f"unknown rule{_did_you_mean(data['rule'], RULES)}")
    for message in expects_problems(data):
        add(line_of(lines, ("expects",)), f"expects={data['expects']!r}", message)

    params = data.get("params") or {}  # a mapping: any other kind was reported above and left out
    earlier = []
    for name, spec in params.items():
        for sub, message in spec_problems(spec, earlier):
            field = f"params.{name}" + (f".{sub}" if sub else "")
            add(line_of(lines, ("params", name, sub) if sub else ("params", name)), f"{field}={spec!r}", message)
        if "layer" not in params and isinstance(spec, dict) and draws_layers(spec):
            add(line_of(lines, ("params", name)), f"params.{name}", "draws the recurrent layer: name it `layer`, "
                "so that --topic lstm picks the layer and each question's first topic is the layer it drew")
        earlier.append(name)

    levels = data.get("difficulty") or {}
    for level, overrides in levels.items():
        if level not in LEVELS:
            add(line_of(lines, ("difficulty", level)), f"difficulty.{level}", f"unknown level{_did_you_mean(level, LEVELS)}")
            continue
        for name, spec in (overrides or {}).items():
            if name not in params:
                add(line_of(lines, ("difficulty", level, name)), f"difficulty.{level}.{name}",
                    f"not a parameter{_did_you_mean(name, params)}")
                continue
            for sub, message in spec_problems(spec, list(params)):
                add(line_of(lines, ("difficulty", level, name)), f"difficulty.{level}.{name}={spec!r}", message)

    computed = computed_names(data["compute"]) if data.get("compute") else set()
    names = set(params) | CONTEXT_NAMES | (computed or set())
    open_names = computed is None  # names a compute snippet makes only as it runs: not checked
    for index, mid in enumerate(data.get("distractors") or []):
        if mid not in catalogue:
            add(line_of(lines, ("distractors", index)), f"distractors[{index}]={mid!r}",
                f"unknown misconception{_did_you_mean(mid, catalogue)}")
        elif not open_names:
            for name in _feedback_problems(mid, catalogue[mid], names):
                add(line_of(lines, ("distractors", index)), f"distractors[{index}]={mid!r}",
                    f"its feedback uses {name!r}, which this template does not define")
        for _name, message in transform_problems(catalogue[mid], params) if mid in catalogue else ():
            add(line_of(lines, ("distractors", index)), f"distractors[{index}]={mid!r}", message)
        if mid in catalogue and catalogue[mid].requires:
            # A precondition that cannot be evaluated here would silently drop the misconception.
            for name in _requires_problems(catalogue[mid], set(params)):
                add(line_of(lines, ("distractors", index)), f"distractors[{index}]={mid!r}",
                    f"its requires uses {name!r}, which is not a parameter of this template")
    for index, option in enumerate(data.get("options") or []):
        if index in bad_options:
            continue
        mid = option.get("misconception") if isinstance(option, dict) else None
        for sub_field, message in option_scope_problems(option, list(levels or LEVELS), params, _did_you_mean) \
                if isinstance(option, dict) else ():
            add(line_of(lines, ("options", index, sub_field)), f"options[{index}].{sub_field}", message)
        if not isinstance(option, dict) or not option.get("text"):
            add(line_of(lines, ("options", index)), f"options[{index}]", "needs text (and correct: true or a misconception)")
        elif not option.get("correct") and mid not in catalogue:
            add(line_of(lines, ("options", index)), f"options[{index}].misconception={mid!r}",
                f"a wrong option needs a known misconception{_did_you_mean(mid, catalogue)}")
        elif not option.get("correct") and not option.get("feedback") and not open_names:
            for name in _feedback_problems(mid, catalogue[mid], names, given=("wrong",)):  # shown with the option
                add(line_of(lines, ("options", index, "misconception")), f"options[{index}].misconception={mid!r}",
                    f"its feedback uses {name!r}, which this template does not define")

    fields = [((f,), data[f]) for f in TEXT_FIELDS if isinstance(data.get(f), str)]
    fields += [(("solution", i), s) for i, s in enumerate(data.get("solution") or []) if isinstance(s, str)]
    fields += [(("common_mistakes", i), s) for i, s in enumerate(data.get("common_mistakes") or []) if isinstance(s, str)]
    for field_path, source in fields:
        for line, label, message in _jinja_problems(path, lines, field_path, source, names, open_names):
            add(line, label, message)
    return sorted(found, key=lambda p: p.line or 0)
