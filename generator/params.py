"""Typed parameter samplers: validate a spec at load time, sample it with an explicit RNG.

A spec is a constant, or a mapping with exactly one sampler key:
  {choice: [..], weights: [..]}   {int: [lo, hi]}   {float: [lo, hi], decimals: 2}
  {bool: p}   {list: <spec>, length: n | [lo, hi], sort: asc | desc}   {derive: "<jinja expr>"}
and optional constraints: differs_from: name | [names]; distinct: true (a list without repeats, e.g.
lengths whose sort order must not depend on how torch breaks ties).
"""
from .render import evaluate

SAMPLERS = ("choice", "int", "float", "bool", "list", "derive")
MODIFIERS = {"choice": {"weights"}, "float": {"decimals"}, "list": {"length", "sort", "distinct"}}
CONSTRAINTS = {"differs_from"}
MAX_TRIES = 200
# A `layer` parameter that draws among these makes each question about the layer it drew (its first topic),
# and --topic lstm pins it.
LAYER_TOPICS = ("rnn", "gru", "lstm")


def draws_layers(spec):
    """Whether a parameter spec (a choice, or a constant at one level) names recurrent layers only."""
    choices = spec.get("choice") if isinstance(spec, dict) else [spec]
    return isinstance(choices, list) and bool(choices) and all(
        isinstance(c, str) and c.lower() in LAYER_TOPICS for c in choices)


class SampleError(Exception):
    """A parameter could not be sampled (e.g. a constraint that can never hold)."""


def _range_problem(value, kind):
    if not (isinstance(value, list) and len(value) == 2):
        return f"{kind} needs [low, high]"
    lo, hi = value
    number = (int,) if kind == "int" else (int, float)
    if not all(isinstance(v, number) and not isinstance(v, bool) for v in value):
        return f"{kind} bounds must be {'integers' if kind == 'int' else 'numbers'}"
    if lo > hi:
        return f"empty range: low {lo} > high {hi}"
    return None


def spec_problems(spec, known_names=()):
    """Problems with one spec, as (subkey, message) pairs; subkey '' means the spec itself."""
    if not isinstance(spec, dict):
        return []
    kinds = [k for k in spec if k in SAMPLERS]
    if len(kinds) != 1:
        return [("", f"needs exactly one sampler of {', '.join(SAMPLERS)}; got {sorted(spec) or 'none'}")]
    kind = kinds[0]
    allowed = {kind} | MODIFIERS.get(kind, set()) | CONSTRAINTS
    problems = [(k, f"unknown key for a {kind} sampler") for k in spec if k not in allowed]
    value = spec[kind]
    if kind == "choice":
        if not isinstance(value, list):
            problems.append(("", "choice needs a list"))
        elif not value:
            problems.append(("", "cannot sample from an empty list"))
        weights = spec.get("weights")
        if weights is not None and (not isinstance(weights, list) or len(weights) != len(value or [])
                                    or any(not isinstance(w, (int, float)) or w < 0 for w in weights)):
            problems.append(("weights", "needs one non-negative number per choice"))
    elif kind in ("int", "float"):
        message = _range_problem(value, kind)
        if message:
            problems.append(("", message))
    elif kind == "bool":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            problems.append(("", "bool needs the probability of true, between 0 and 1"))
    elif kind == "list":
        problems += [(f"list.{k}" if k else "list", m) for k, m in spec_problems(value, known_names)]
        length = spec.get("length")
        if isinstance(length, list):
            message = _range_problem(length, "int")
            if message:
                problems.append(("length", message))
        elif not isinstance(length, int) or length < 0:
            problems.append(("length", "needs a length: n or [low, high]"))
        if spec.get("sort") not in (None, "asc", "desc"):
            problems.append(("sort", "must be asc or desc"))
        if spec.get("distinct") not in (None, True, False):
            problems.append(("distinct", "must be true or false"))
    elif kind == "derive" and not isinstance(value, str):
        problems.append(("", "derive needs a jinja expression string"))
    others = spec.get("differs_from")
    if others is not None:
        for other in [others] if isinstance(others, str) else others:
            if other not in known_names:
                problems.append(("differs_from", f"{other!r} is not an earlier parameter"))
    return problems


def _draw(spec, rng, context):
    if not isinstance(spec, dict):
        return spec
    if "choice" in spec:
        if spec.get("weights"):
            return rng.choices(spec["choice"], weights=spec["weights"])[0]
        return rng.choice(spec["choice"])
    if "int" in spec:
        return rng.randint(*spec["int"])
    if "float" in spec:
        return round(rng.uniform(*spec["float"]), spec.get("decimals", 2))
    if "bool" in spec:
        return rng.random() < spec["bool"]
    if "list" in spec:
        length = spec["length"]
        n = rng.randint(*length) if isinstance(length, list) else length
        values = [_draw(spec["list"], rng, context) for _ in range(n)]
        if spec.get("sort"):
            values.sort(reverse=spec["sort"] == "desc")
        return values
    return evaluate(spec["derive"], context)


def _satisfies(spec, value, params):
    """The value meets the spec's constraints: distinct (a list without repeats) and differs_from."""
    if isinstance(spec, dict) and spec.get("distinct") and len(set(map(repr, value))) != len(value):
        return False  # redrawn whole: a draw without repeats comes out as it always did
    others = spec.get("differs_from") if isinstance(spec, dict) else None
    if others is None:
        return True
    return all(params.get(o) != value for o in ([others] if isinstance(others, str) else others))


def sample_params(specs, rng, pins=None):
    """Sample every parameter in declaration order; `pins` fixes chosen values (still derived after)."""
    pins = pins or {}
    params = {}
    for name, spec in specs.items():
        if name in pins:
            params[name] = pins[name]
            continue
        for _ in range(MAX_TRIES):
            value = _draw(spec, rng, params)
            if _satisfies(spec, value, params):
                break
        else:
            raise SampleError(f"params.{name}={spec!r}: no value satisfies its constraints after {MAX_TRIES} tries")
        params[name] = value
    return params


def _did_you_mean(value, known):
    from torchquiz.record.suggest import did_you_mean

    hint = did_you_mean(value, known)
    return f".{hint}" if hint else ""


def check_pins(specs, pins):
    """A value a person pins (`preview --param`) must be one the template can draw: otherwise the
    variant is built from a value no learner would see, and its failure reads like a broken template
    ("no valid variant in 25 draws") instead of naming the value (issue 12). Only people's pins are
    checked: `bank verify` pins a stored record's values, which an older template version may have
    drawn, and near variants pin `isolate` values across templates and levels."""
    for name, value in pins.items():
        if name in specs:
            check_pin(name, specs[name], value)


def check_pin(name, spec, value):
    if not isinstance(spec, dict):
        if value != spec:  # a constant: drawing never changes it, only a misconception's picture does
            raise SampleError(f"{name} is {spec!r} in every variant at this level; it cannot be pinned to {value!r}")
        return
    if "derive" in spec:  # recomputed from the others for every option: a pin would hold for the key alone
        raise SampleError(f"{name} is worked out from the other parameters ({spec['derive']}): "
                          "pin the parameters it comes from")
    if "choice" in spec and value not in spec["choice"]:
        choices = ", ".join(repr(c) for c in spec["choice"])
        raise SampleError(f"{name}={value!r} is not one of the template's choices ({choices})"
                          + _did_you_mean(value, spec["choice"]))
    if "int" in spec:
        low, high = spec["int"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise SampleError(f"{name}={value!r} is not an integer (the template's range is {low}..{high})")
        if not low <= value <= high:
            raise SampleError(f"{name}={value!r} is outside the template's range of integers {low}..{high}")


def rederive(specs, params):
    """Recompute derived parameters after a misconception changed their inputs."""
    out = dict(params)
    for name, spec in specs.items():
        if isinstance(spec, dict) and "derive" in spec:
            out[name] = evaluate(spec["derive"], out)
    return out


def specs_for(params, difficulty_overrides):
    """The parameter specs of one difficulty: the level's scalars pin, its mappings replace."""
    specs = dict(params)
    for name, override in (difficulty_overrides or {}).items():
        specs[name] = override
    return specs


def space_size(specs):
    """How many distinct parameter combinations the sampled (non-derived) specs allow; None if unbounded."""
    total = 1
    for spec in specs.values():
        if not isinstance(spec, dict) or "derive" in spec:
            continue
        if "choice" in spec:
            total *= len(spec["choice"])
        elif "int" in spec:
            total *= spec["int"][1] - spec["int"][0] + 1
        elif "bool" in spec:
            total *= 2 if 0 < spec["bool"] < 1 else 1
        else:
            return None
    return total
