"""What a template's distractors and curated options name must exist in the template: a name that does
not makes them silently do nothing (a transform of a parameter the template lacks gives no option; an
option kept to a level the template lacks never appears)."""


def transform_problems(misconception, params):
    """(name, message) for what a distractor names that this template does not have: a parameter its set, map
    or swap changes (it gives no option), or one its `when` tests (it never applies)."""
    found = {}
    for name in list(misconception.set) + list(misconception.map) + list(misconception.swap):
        if isinstance(name, str) and name not in params:
            found.setdefault(name, f"it changes {name!r}, which is not a parameter of this template, "
                                   "so it gives no option here")
    for name, wanted in misconception.when.items():
        absent_allowed = wanted is None or (isinstance(wanted, list) and None in wanted)  # [..., null]: may be absent
        if name not in params and not absent_allowed:
            found.setdefault(name, f"its when tests {name!r}, which is not a parameter of this template, "
                                   "so it never applies here")
    return sorted(found.items())


def option_scope_problems(option, levels, params, did_you_mean):
    """(sub-field, message) for a curated option's `levels` and `when` that name what the template lacks."""
    found = []
    for level in option.get("levels") or []:
        if level not in levels:
            found.append(("levels", f"{level!r} is not a level of this template ({', '.join(levels)}), so the option "
                                    f"would never appear{did_you_mean(level, levels)}"))
    for name in (option.get("when") or {}):
        if name not in params:
            found.append(("when", f"{name!r} is not a parameter, so the option would never appear"
                                  f"{did_you_mean(name, params)}"))
    return found
