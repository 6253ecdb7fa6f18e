"""One template + difficulty + seed -> one question record, every key from a torch run.

`build_variant` is a plain function over a `run(code) -> RunResult` callable, so the
same code serves the worker processes, preview and tests.
"""
import hashlib
import json
import random

import jinja2

from torchquiz.record.answers import (canonical_line, format_number, last_line, parse_number, parse_shape, printed_number,
                                      shape_spellings, tolerance_for)
from torchquiz.record.schema import LEVELS, SCHEMA_ID

from .errors import VariantError
from .failures import CertainFailure, Draws, Resample, check_certain, check_key
from .feedback import _feedback, naming_every_right_option
from .params import LAYER_TOPICS, SampleError, sample_params, specs_for
from .question_types import FORMER_ID
from .render import render
from .rules import RULES

MAX_ATTEMPTS = 25
WRONG_OPTIONS = {"multichoice": 3, "multiresponse": 1, "truefalse": 1}


def variant_id(template, params, difficulty):
    """A content hash: template, its version and params, plus the level when the template's text uses it
    (then two levels with the same params are different questions)."""
    content = [template.id, template.version, params]
    if template.text_uses_difficulty:
        content.append(difficulty)
    if len(template.types) > 1:  # the same params asked as two types are two questions
        content.append(template.type)
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode())
    return f"{template.id}:{digest.hexdigest()[:12]}"


def _value_text(value, decimals):
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or (decimals is not None and isinstance(value, int)):
        return format_number(value, decimals if decimals is not None else 4)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def on_rounding_boundary(value, decimals):
    """Whether `value` is within float noise of a half unit in the last kept place (0.375 to 2 places)."""
    scaled = abs(value) * 10 ** decimals
    return abs(scaled - int(scaled) - 0.5) < 1e-4


class Evaluation:
    """What one parameter set produced: the context, the shown code, its run and the answer text."""

    def __init__(self, template, params, run, text_edit=None):
        self.ctx = dict(params)
        if template.compute:
            computed = run(snippet := render(template.compute, self.ctx))
            check_certain(template, "compute", snippet, computed)
            if computed.exception or not isinstance(computed.result, dict):
                raise Resample(f"compute snippet gave {computed.exception or 'no `result` dict'}: {computed.message}")
            self.ctx.update(computed.result)
        self.code, self.run, self.option = None, None, None
        if template.code:
            self.code = render(template.code, self.ctx)
            if text_edit and template.answer != "probe":
                self.code = text_edit(self.code)
            self.run = run(self.code) if self.code is not None else None
        self.code_run = self.run  # what the shown code printed; a probe's own run decides the answer
        if template.answer == "probe":
            self.option = render(template.option, self.ctx).strip()
            if text_edit:
                self.option = text_edit(self.option)
            if self.option is not None:
                self.run = run(render(template.probe, {**self.ctx, "code": self.code, "option": self.option}))
        self.text = self._answer_text(template)

    def _answer_text(self, template):
        source = template.answer
        self.value = None  # the unrounded number behind a rounded answer
        if source.startswith("computed."):
            self.value = self.ctx.get(source[9:])
            return _value_text(self.value, template.round)
        if self.run is None:
            return None
        printed = canonical_line(last_line(self.run.stdout))
        if source == "stdout":
            if self.run.exception:
                return None
            if template.round is not None:
                self.value = parse_number(printed)
                return printed_number(printed, template.round)  # as the code printed it, if it fits `round`
            return printed
        if source == "exception":
            if self.run.exception:
                return f"It raises {self.run.exception}"
            if self.run.warnings:  # a warning is an outcome the learner should predict, like an exception
                warned = f"It runs, with a {self.run.warnings[0][0]},"
                return f"{warned} and prints {printed}" if printed else warned.rstrip(",")
            return f"It runs and prints {printed}" if printed else "It runs without an error"
        # probe: the outcome decides correctness; the option text is what is shown
        return f"raises {self.run.exception}" if self.run.exception else printed


def _wrong_answers(template, params, specs, key, run, catalogue, order, wanted):
    """(misconception, text, correct?, evaluation) for misconceptions that yield a distinct answer.

    Misconceptions are tried in `order` and evaluation stops once `wanted` wrong answers are
    found, so no torch run is spent on an option that would not be shown.
    """
    found, seen = [], {key.option if template.answer == "probe" else key.text}
    for mid in order:
        if sum(1 for f in found if not f[2]) >= wanted:
            break
        misconception = catalogue[mid]
        wrong_params = misconception.transform_params(params, specs)
        if wrong_params is None:
            continue
        edit = misconception.transform_text if misconception.replace else None
        try:
            wrong = Evaluation(template, wrong_params, run, edit)
        except Resample:
            continue
        shown = wrong.option if template.answer == "probe" else wrong.text
        if shown is None or shown in seen:
            continue
        seen.add(shown)
        if template.answer == "probe" and wrong.text == key.text:
            if template.type == "multiresponse":  # torch says this spelling also builds it
                check_key(template, wrong)  # not when a bug in the template's code decided it
                found.append((None, shown, True, wrong))
            continue
        found.append((misconception, shown, False, wrong))
    return found



def variant_topics(template, params):
    """The template's topics with this variant's own layer first (a GRU question is about gru)."""
    layer = str(params.get("layer", "")).lower()
    if layer not in LAYER_TOPICS:
        return list(template.topics)
    return [layer] + [t for t in template.topics if t not in LAYER_TOPICS]


def _offered(option, ctx):
    """Whether a curated option belongs to this variant: its `levels` and `when: {param: value | [values]}`."""
    if ctx["difficulty"] not in option.get("levels", LEVELS):
        return False
    return all(ctx.get(name) in (wanted if isinstance(wanted, list) else [wanted])
               for name, wanted in (option.get("when") or {}).items())


def _options(template, key, params, specs, run, catalogue, rng, ctx):
    if template.answer == "curated":
        options = []
        # An option may name the levels it belongs to and parameter values it needs (`when`); a longer
        # list of wrong options is a pool from which each variant draws three.
        # A multiple-response question keeps every right option and draws up to three wrong ones.
        offered = [o for o in template.options if _offered(o, ctx)]
        right = [o for o in offered if o.get("correct")][:None if template.type == "multiresponse" else 1]
        # A curated label must be true of the variant too: its misconception's precondition may not contradict it.
        wrong_pool = [o for o in offered if not o.get("correct")
                      and catalogue[o["misconception"]].contradiction(ctx) is None]
        if len(wrong_pool) < WRONG_OPTIONS[template.type]:
            raise Resample(f"only {len(wrong_pool)} curated wrong options at {ctx['difficulty']}")
        drawn = min(len(wrong_pool), 3) if template.type == "multiresponse" else WRONG_OPTIONS[template.type]
        for option in right + rng.sample(wrong_pool, drawn):
            misconception = catalogue.get(option.get("misconception")) if not option.get("correct") else None
            feedback = option.get("feedback") or (misconception.feedback if misconception else template.feedback)
            text = render(option["text"], ctx).strip()
            own = {"key": text} if option.get("correct") else {}  # a right option's feedback is about itself
            options.append({"text": text, "correct": bool(option.get("correct")),
                            "feedback": _feedback(feedback, {**ctx, "wrong": text, **own}),
                            "misconception": None if option.get("correct") else misconception.id})
        rng.shuffle(options)
        return options, []
    needed = WRONG_OPTIONS.get(template.type)
    if needed is None or template.type == "multiresponse":  # typed answers and multiresponse use every one
        order, wanted = template.distractors, len(template.distractors)
    else:
        order, wanted = rng.sample(template.distractors, len(template.distractors)), needed
    wrong = _wrong_answers(template, params, specs, key, run, catalogue, order, wanted)
    wrong_answers = [{"text": text, "misconception": m.id,
                      "feedback": _feedback(m.feedback, {**ctx, "wrong": text, "their": w.ctx})}
                     for m, text, correct, w in wrong if not correct]
    if needed is None:
        return [], wrong_answers
    if len(wrong_answers) < needed:
        raise Resample(f"only {len(wrong_answers)} distinct misconception answers, need {needed}")
    right_text = key.option if template.answer == "probe" else key.text
    options = [{"text": right_text, "correct": True, "feedback": _feedback(template.feedback, ctx), "misconception": None}]
    options += [{"text": text, "correct": True, "feedback": _feedback(template.feedback, {**ctx, "key": text}),
                 "misconception": None} for m, text, correct, w in wrong if correct][:2]
    chosen = wrong_answers if template.type != "multiresponse" else rng.sample(wrong_answers, min(len(wrong_answers), 3))
    rights = [o["text"] for o in options]  # only the right ones so far
    options += [{"text": w["text"], "correct": False, "feedback": naming_every_right_option(w["feedback"], ctx["key"],
                                                                                          rights),
                 "misconception": w["misconception"]} for w in chosen]
    if template.type == "truefalse":
        return sorted(options, key=lambda o: o["text"] != "True"), wrong_answers
    rng.shuffle(options)
    return options, wrong_answers


def _answer(template, key):
    answer = {"text": key.text}
    if template.type == "numerical":
        answer.update(value=float(key.text), tolerance=tolerance_for(template.round))
    elif template.type == "shortanswer":
        shape = parse_shape(key.text)
        answer["accepted"] = shape_spellings(shape)[1:] if shape is not None else []
    elif template.answer in ("probe", "curated"):
        answer["text"] = key.option
    return answer


def _attempt(template, difficulty, seed, params, specs, rng, run, catalogue, provenance):
    key = Evaluation(template, params, run)
    if template.answer == "curated":
        key.option = render(next(o["text"] for o in template.options if o.get("correct")
                                 and _offered(o, {**key.ctx, "difficulty": difficulty})), key.ctx).strip()
        key.text = key.option
    check_key(template, key)  # a key (or no key) that a bug in the template's own code decided
    if key.text is None:
        raise Resample("the snippet did not produce an answer" +
                       (f" (it raised {key.run.exception}: {key.run.message})" if key.run and key.run.exception else ""))
    if template.type == "truefalse" and key.text not in ("True", "False"):
        raise Resample(f"a truefalse question's key must be True or False, not {key.text!r}: print or compute a bool")
    if template.round is not None and isinstance(key.value, float) and on_rounding_boundary(key.value, template.round):
        raise Resample(f"{key.value!r} sits on a rounding boundary: its rounded key would be ambiguous")
    if template.rule:
        expected = RULES[template.rule](key.ctx)
        if isinstance(expected, float):  # numbers are compared unrounded: float32 and float64 may round apart
            agrees = isinstance(key.value, (int, float)) and abs(expected - key.value) <= 1e-6 * max(1.0, abs(expected))
        else:
            agrees = expected is None or expected == key.text
        if not agrees:
            raise _error(template, difficulty, seed,
                               f"double entry failed: torch gave {key.text!r} but rule {template.rule} gives {expected!r}")
    warned = key.code_run.warnings if key.code_run is not None else ()
    ctx = {**key.ctx, "key": key.option if template.answer in ("probe", "curated") else key.text,
           "code": key.code, "difficulty": difficulty,
           "warning": f"{warned[0][0]}: {warned[0][1]}" if warned else ""}  # what torch warned, for the solution
    options, wrong_answers = _options(template, key, params, specs, run, catalogue, rng, ctx)
    answer = _answer(template, key)
    if template.type == "multiresponse":
        answer["text"] = "; ".join(o["text"] for o in options if o["correct"])
    record = {
        "schema": SCHEMA_ID, "id": variant_id(template, params, difficulty), "template": template.id,
        "family": template.family, "topics": variant_topics(template, params), "difficulty": difficulty,
        "type": template.type, "title": template.title,
        "stem": " ".join(render(template.stem, ctx).split()) if "\n" not in template.stem.strip() else render(template.stem, ctx).strip(),
        "code": key.code, "run": key.code_run.as_record() if key.code is not None else None,
        "answer_from": {"stdout": "stdout", "exception": "exception"}.get(template.answer, "computed"),
        "options": options, "answer": answer,
        "solution": [render(step, ctx).strip() for step in template.solution],
        "hint": render(template.hint, ctx).strip(),
        "common_mistakes": [render(m, ctx).strip() for m in template.common_mistakes],
        "params": params, "provenance": {**provenance, "seed": seed, "template_version": template.version},
    }
    if wrong_answers and template.type in ("numerical", "shortanswer"):
        record["misconception_answers"] = wrong_answers
    return record


def _rng_name(template):
    """The primary type draws as a single-type template always did; another type draws its own
    parameters, so one set does not ask the same snippet twice in two types. A form that was a twin
    file before the merge keeps drawing under its old id: the same seed asks the same question as before."""
    if template.type == (template.types or (template.type,))[0]:
        return template.id
    return FORMER_ID.get((template.id, template.type), f"{template.id}|{template.type}")


def _error(template, difficulty, seed, message):
    kind = template.type if len(template.types) > 1 else None  # the reproduce command must pick the form
    return VariantError(template.id, difficulty, seed, message, kind=kind)


def build_variant(template, difficulty, seed, run, catalogue, provenance, pins=None):
    """Build one question record; raises VariantError naming template, seed, difficulty."""
    if difficulty not in template.difficulty:
        raise _error(template, difficulty, seed, f"the template has no {difficulty} level ({', '.join(template.levels)})")
    specs = specs_for(template.params, template.difficulty[difficulty])
    last, draws = None, Draws(specs, pins)
    for attempt in range(MAX_ATTEMPTS):
        if hasattr(run, "executed"):
            run.executed = []  # trace only the accepted draw's snippets (the benchmark's floor)
        rng = random.Random(f"{_rng_name(template)}|{difficulty}|{seed}|{attempt}")
        try:
            params = sample_params(specs, rng, pins)
            return _attempt(template, difficulty, seed, params, specs, rng, run, catalogue, provenance)
        except (SampleError, CertainFailure) as exc:  # no other draw would do better
            raise _error(template, difficulty, seed, str(exc)) from None
        except Resample as exc:
            last, hopeless = exc, draws.hopeless(params, exc)
            if hopeless:
                raise _error(template, difficulty, seed, hopeless) from None
        except jinja2.TemplateError as exc:
            raise _error(template, difficulty, seed, f"rendering failed: {exc}") from None
    raise _error(template, difficulty, seed, f"no valid variant in {MAX_ATTEMPTS} draws; last: {last}")
