"""One template, several question types: `types: [multichoice, shortanswer]` plus `per_type:` blocks.

A template that asks the same torch question as a multiple choice and as a typed answer declares
every type it makes; what differs between the types (the stem's instruction, the title, a distractor
list, `round`, ...) goes in a `per_type.<type>` block that overrides the shared fields for that type
alone. Each type is then a complete single-type template ("form"), validated and built as before, so
no other part of the generator needs to know that forms share a file.

Templates that used to be twin files live on as aliases: a set generated before the merge names the old
id, and `RENAMED` maps it to the merged template and the type it made.
"""
from torchquiz.record.schema import TYPES

# What may differ between the forms of one template. The code, the answer source and the rule stay
# shared on purpose: every form must ask the same question of torch, or it is a different template.
OVERRIDABLE = ("title", "stem", "round", "distractors", "solution", "hint", "common_mistakes", "feedback", "params")

# Old template id -> (merged template id, the type the old template made). Kept so that question sets
# generated before the merge still verify (`torchquiz bank verify`) against the merged template.
RENAMED = {
    "shape.recurrent_output_typed": ("shape.recurrent_output", "shortanswer"),
    "metrics.confusion_metric_numerical": ("metrics.confusion_metric", "numerical"),
    "pipeline.last_hidden_all": ("pipeline.last_hidden", "multiresponse"),
    "equivalence.output_slice_all": ("equivalence.output_slice", "multiresponse"),
    "pipeline.stage_shape_typed": ("pipeline.stage_shape", "shortanswer"),
    "params.recurrent_count_numerical": ("params.recurrent_count", "numerical"),
    "metrics.regression_error_numerical": ("metrics.regression_error", "numerical"),
    "constructor.recurrent_sizes_all": ("constructor.recurrent_sizes", "multiresponse"),
}
# (merged id, type) -> old id: that form keeps drawing its parameters under the old id, so a seed asks the
# same question it asked before the merge (and a pre-merge set rebuilds with the same options).
FORMER_ID = {form: old for old, form in RENAMED.items()}


def declared_types(data):
    """The types a template makes, the first being its primary one (single-type templates: `type`)."""
    if isinstance(data.get("types"), list):
        return [t for t in data["types"] if isinstance(t, str)]
    return [data["type"]] if isinstance(data.get("type"), str) else []


def form_data(data, kind):
    """The single-type template that `kind` makes: shared fields, then its `per_type` block on top.

    `params` overrides merge by name (a type may pin or re-sample one parameter and keep the others
    in their declared order); every other field is replaced whole.
    """
    per_type = data.get("per_type")
    overrides = per_type.get(kind) if isinstance(per_type, dict) else None
    overrides = overrides if isinstance(overrides, dict) else {}  # any other kind: a structure problem
    form = {k: v for k, v in data.items() if k not in ("types", "per_type")}
    for key, value in overrides.items():
        if key == "params" and isinstance(value, dict) and isinstance(form.get("params"), dict):
            form["params"] = {**form["params"], **value}
        else:
            form[key] = value
    form["type"] = kind
    return form


def form_lines(lines, kind):
    """The line map of one form: a key overridden in `per_type.<kind>` reports the override's line."""
    prefix = ("per_type", kind)
    moved = {path[2:]: line for path, line in lines.items() if path[:2] == prefix and len(path) > 2}
    if ("types",) in lines:  # a problem with "the type" of a form is at the `types` list
        moved.setdefault(("type",), lines[("types",)])
    return {**lines, **moved}


def structure_problems(data, lines, line_of, did_you_mean):
    """(line, field, message) for `type`/`types`/`per_type` themselves; each form is checked separately."""
    problems = []
    has_type, has_types = "type" in data, "types" in data
    if has_type and has_types:
        problems.append((line_of(lines, ("types",)), "types", "give either `type` or `types`, not both"))
    if has_types:
        kinds = data["types"]
        if not isinstance(kinds, list) or not kinds:
            return problems + [(line_of(lines, ("types",)), "types", "needs a non-empty list of question types")]
        for index, kind in enumerate(kinds):
            if kind not in TYPES:
                problems.append((line_of(lines, ("types", index)), f"types[{index}]={kind!r}",
                                 f"unknown type{did_you_mean(kind, TYPES)}"))
        if len(set(map(str, kinds))) != len(kinds):
            problems.append((line_of(lines, ("types",)), "types", "lists a type twice"))
    per_type = data.get("per_type")
    if per_type is None:
        return problems
    if not has_types:
        return problems + [(line_of(lines, ("per_type",)), "per_type", "needs `types`: the types the blocks belong to")]
    if not isinstance(per_type, dict):
        return problems + [(line_of(lines, ("per_type",)), "per_type", "must map a type to the fields it overrides")]
    kinds = declared_types(data)
    for kind, overrides in per_type.items():
        where = line_of(lines, ("per_type", kind))
        if kind not in kinds:
            problems.append((where, f"per_type.{kind}", f"not one of this template's types ({', '.join(kinds)})"))
            continue
        if not isinstance(overrides, dict):
            problems.append((where, f"per_type.{kind}", "must be a mapping of fields to override"))
            continue
        for key in overrides:
            if key not in OVERRIDABLE:
                problems.append((line_of(lines, ("per_type", kind, key)), f"per_type.{kind}.{key}",
                                 f"cannot differ between types (allowed: {', '.join(OVERRIDABLE)})"))
        for name in (overrides.get("params") or {}) if isinstance(overrides.get("params"), dict) else ():
            if name not in (data.get("params") or {}):
                problems.append((line_of(lines, ("per_type", kind, "params", name)), f"per_type.{kind}.params.{name}",
                                 "a type may override a shared parameter, not add one"))
    return problems


def current_template_id(name, templates):
    """The id that builds a stored record's template today: itself, or the template an old twin merged
    into; None when the bank has neither."""
    if name in templates:
        return name
    merged = RENAMED.get(name, (None,))[0]
    return merged if merged in templates else None
