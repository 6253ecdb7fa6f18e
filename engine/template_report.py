"""The per-template report an educator reads in a minute: which templates, levels and parameter
values make questions too easy, too hard or non-discriminating, and what to fix.

Per template, from every stored answer (terminal, Moodle, practice page):
- per level: questions, answers, facility, the calibrated difficulty, and Moodle's
  discrimination index of its questions where a Moodle quiz asked them (attempt-weighted),
  besides the point-biserial correlation of right/wrong with the learners' ability estimates
  (the only discrimination an adaptive terminal quiz allows: its learners see different items);
- parameter effects on difficulty with 95% intervals (`param_effects`);
- the misconceptions chosen most, as a share of the template's wrong answers;
- items to fix: a label the data contradicts (b's 95% interval excludes its label's band and
  sits nearer another label), Moodle discrimination index below 15, a distractor nobody
  picks once a question has 20 answers.
"""
import json
from collections import Counter, defaultdict

from torchquiz.engine.external_attempts import COUNTED_SQL, moodle_quiz_statistics, score_sql
from torchquiz.engine.item_stats import label_flag, nearest_label, point_biserial
from torchquiz.engine.moodle_stats import quiz_information
from torchquiz.engine.param_effects import fit_effects, label_se
from torchquiz.engine.store import OVERALL
from torchquiz.record.answers import format_number
from torchquiz.record.schema import LEVELS
from torchquiz.record.validate import CHOICE_TYPES, LETTERS
from torchquiz.record.wording import shortened

LOW_DISCRIMINATION = 15.0      # Moodle's docs: below this a question needs checking
MIN_ANSWERS_FOR_DISTRACTORS = 20


def _answers(store):
    """Rows (template, title, id, level, type, params, b, a, correct, response, misconception, ability, score):
    score is the LMS's mark where it marked the answer (partial credit), else correct; facility averages it."""
    join, score = score_sql(store)
    return store.conn.execute(
        "SELECT q.template, json_extract(q.record, '$.title'), q.id, q.difficulty, q.type, q.params, i.b, i.a, "
        f"COALESCE(a.correct, 0), a.response, a.misconception, coalesce(ab.mean, 0.0), {score} FROM attempts a "
        "JOIN questions q ON q.id = a.question_id JOIN items i ON i.question_id = a.question_id "
        "LEFT JOIN abilities ab ON ab.learner_id = a.learner_id AND ab.topic = ?" + join
        + f" WHERE {COUNTED_SQL} ORDER BY q.template, q.id", (OVERALL,)).fetchall()


def _option_counts(store, qids):
    """question id -> (options, Counter of option letters picked) for the choice questions."""
    out = {}
    for qid in qids:
        record = store.question(qid)
        if record["type"] not in CHOICE_TYPES:
            continue
        picked = Counter()
        for (response,) in store.conn.execute(
                "SELECT response FROM attempts WHERE question_id = ? AND correct IS NOT NULL", (qid,)):
            picked.update(p for p in (response or "").split(",") if p)
        out[qid] = (record["options"], picked)
    return out


def _moodle_discrimination(statistics):
    """question id -> (Moodle discrimination index, attempts) over every imported Moodle quiz."""
    found = {}
    for stats in statistics.values():
        for qid, item in stats["questions"].items():
            if item.discriminationindex is not None:
                index, n = found.get(qid, (0.0, 0))
                found[qid] = ((index * n + item.discriminationindex * item.s) / (n + item.s), n + item.s)
    return found


def template_report(store, templates=None):
    """The report as JSON-serialisable data: {"templates": [...]}, one entry per answered template."""
    rows = [r for r in _answers(store) if not templates or r[0] in templates]
    statistics = moodle_quiz_statistics(store)  # once: the discrimination column and the tables both read it
    discrimination = _moodle_discrimination(statistics)
    by_template = defaultdict(list)
    for row in rows:
        by_template[row[0]].append(row)
    with store.numbers_checked():  # text where a stored b or a belongs: the damaged store it is, not a TypeError
        out = [_one_template(store, template, answers, discrimination)
               for template, answers in sorted(by_template.items())]
    moodle = _moodle_tables(statistics)
    return {"templates": out, "answers": len(rows), "moodle_quizzes": len(moodle), "moodle": moodle,
            "low_discrimination": LOW_DISCRIMINATION}


_MOODLE_FIELDS = ("s", "facility", "sd", "discriminationindex", "discriminativeefficiency", "effectiveweight")
_MOODLE_PLACES = {"facility": 4, "sd": 4, "discriminationindex": 2, "discriminativeefficiency": 2, "effectiveweight": 2}


def _moodle_tables(statistics):
    """Moodle's statistics table of each imported Moodle quiz: a row per slot, then per question drawn."""
    tables = []
    for quiz, stats in sorted(statistics.items()):
        def row(item, name):
            # Half up, as Moodle's page rounds (78.125% shows as 78.13): the one rounding rule, format_number.
            # Fractions (facility, SD) to 4 places, percentages to 2: each rounded once to what Moodle shows.
            return {"item": name, "s": item.s,
                    **{f: None if getattr(item, f) is None else float(format_number(getattr(item, f), places))
                       for f, places in _MOODLE_PLACES.items()}}
        tables.append({"quiz": quiz, "summary": stats["quiz"],  # unrounded: each is rounded once, where shown
                       "slots": [row(s, f"slot {s.slot}") for s in stats["slots"]],
                       "questions": [row(q, qid) for qid, q in sorted(stats["questions"].items())]})
    return tables


def effect_name(effect):
    """A parameter effect as the reports name it: `layer=GRU vs RNN` (a category against its reference)."""
    reference = f" vs {effect['reference']}" if effect.get("kind") == "category" else ""
    return f"{effect['param']}={effect['value']}{reference}"


def _one_template(store, template, answers, discrimination):
    title = answers[0][1] or template
    per_question = defaultdict(list)
    for row in answers:
        per_question[row[2]].append(row)
    levels = []
    for level in LEVELS:
        qs = {q: rs for q, rs in per_question.items() if rs[0][3] == level}
        if not qs:
            continue
        ys = [r[8] for rs in qs.values() for r in rs]
        weighted = [(discrimination[q][0], discrimination[q][1]) for q in qs if q in discrimination]
        total = sum(n for _, n in weighted)
        pb = point_biserial(ys, [r[11] for rs in qs.values() for r in rs])
        levels.append({"level": level, "questions": len(qs), "answers": len(ys),
                       "point_biserial": None if pb is None else round(pb, 3),
                       "facility": round(sum(r[12] for rs in qs.values() for r in rs) / len(ys), 3),
                       "b": round(sum(rs[0][6] * len(rs) for rs in qs.values()) / len(ys), 3),
                       "discrimination_index": round(sum(d * n for d, n in weighted) / total, 2) if total else None})
    effects = fit_effects([json.loads(r[5] or "{}") for r in answers], [r[11] for r in answers],
                          [r[8] for r in answers], [r[2] for r in answers])
    wrong = [r for r in answers if not r[8] and r[9] is not None]  # answered wrong: a blank shows no belief
    shares = Counter(r[10] for r in wrong if r[10])
    misconceptions = [{"id": m, "count": n, "share": round(n / len(wrong), 3)} for m, n in shares.most_common(5)]
    questions = []
    for qid, rs in sorted(per_question.items()):
        se = label_se(rs[0][6], rs[0][7], [r[11] for r in rs])
        questions.append({"id": qid, "level": rs[0][3], "answers": len(rs),
                          "facility": round(sum(r[12] for r in rs) / len(rs), 3), "b": round(rs[0][6], 3),
                          "b_sd": round(se, 3), "a": round(rs[0][7], 3),
                          "discrimination_index": round(discrimination[qid][0], 2) if qid in discrimination else None})
    return {"template": template, "title": title, "answers": len(answers), "questions": questions,
            "facility": round(sum(r[12] for r in answers) / len(answers), 3), "levels": levels,
            "effects": effects, "misconceptions": misconceptions, "wrong_answers": len(wrong),
            "unexplained_wrong_share": round(1 - sum(shares.values()) / len(wrong), 3) if wrong else None,
            "fix": _to_fix(store, per_question, discrimination)}


def _to_fix(store, per_question, discrimination):
    fixes = []
    for qid, rs in sorted(per_question.items()):
        label, b, a = rs[0][3], rs[0][6], rs[0][7]
        se = label_se(b, a, [r[11] for r in rs])
        if label_flag(label, b, se):
            fixes.append({"question": qid, "reason": "label", "detail":
                          f"labelled {label} but b = {b:+.2f} ± {1.96 * se:.2f} reads {nearest_label(b)}"})
        if qid in discrimination and discrimination[qid][0] < LOW_DISCRIMINATION:
            fixes.append({"question": qid, "reason": "discrimination", "detail":
                          f"Moodle discrimination index {discrimination[qid][0]:.1f} < {LOW_DISCRIMINATION:.0f} "
                          f"({discrimination[qid][1]} attempts)"})
    answered = {q: sum(r[9] is not None for r in rs) for q, rs in per_question.items()}  # blanks picked nothing
    for qid, (options, picked) in sorted(_option_counts(store, [q for q, n in answered.items()
                                                                 if n >= MIN_ANSWERS_FOR_DISTRACTORS]).items()):
        for index, option in enumerate(options):
            if not option["correct"] and not picked[LETTERS[index]]:
                fixes.append({"question": qid, "reason": "distractor", "detail":
                              f"nobody of {answered[qid]} picked {option['text'][:60]!r}"
                              f" ({option.get('misconception')})"})
    return fixes


def render_text(data, width=100):
    """The report as lines of text for the terminal."""
    lines = [f"Per-template report: {data['answers']} answers, {len(data['templates'])} templates"
             + (f", {data['moodle_quizzes']} Moodle quiz(zes)" if data["moodle_quizzes"] else "") + "."]
    for t in data["templates"]:
        lines += ["", f"{t['template']} — {t['title']}: {t['answers']} answers, facility {t['facility']:.0%}"]
        for lv in t["levels"]:
            # Moodle's index where a Moodle quiz asked these questions; else right/wrong against ability
            di = (f"{lv['discrimination_index']:4.0f}" if lv["discrimination_index"] is not None else
                  "   -" if lv["point_biserial"] is None else f"r={lv['point_biserial']:+.2f}")
            lines.append(f"  {lv['level']:<6} {lv['questions']:>2} q {lv['answers']:>5} answers  facility "
                         f"{lv['facility']:4.0%}  b {lv['b']:+.2f}  discrimination {di}")
        eff = t["effects"]
        shown = [e for e in eff["effects"] if e["clear"]] or eff["effects"][:2]
        if shown:
            note = "" if eff["identified"] else f" (only {eff['variants']} variants: weakly identified)"
            lines.append(f"  parameters (+ = harder, logits, 95% interval){note}:")
            for e in shown[:4]:
                what = shortened(effect_name(e), 58)   # a long list value must not run into its figure
                lines.append(f"    {what:<58}  {e['effect']:+.2f} [{e['low']:+.2f}, {e['high']:+.2f}]")
            hidden = len(eff["effects"]) - len(shown[:4])
            if hidden > 0:
                lines.append(f"    ({hidden} more: --json lists every effect)")
        if t["misconceptions"]:
            lines.append("  wrong answers: " + ", ".join(f"{m['id']} {m['share']:.0%}" for m in t["misconceptions"][:3]))
        for fix in t["fix"]:
            lines.append(f"  FIX {fix['question']}: {fix['detail']}"[:width + 40])
    for table in data.get("moodle", []):
        lines += ["", f"Moodle's statistics for {table['quiz']}: {quiz_information(table['summary'])}",
                  "  (facility, SD, discrimination index and efficiency, effective weight; %):"]
        for r in table["slots"] + table["questions"]:
            cells = [r["facility"], r["sd"]]
            shown = " ".join("    -" if v is None else f"{100 * v:5.1f}" for v in cells) + " " + " ".join(
                "    -" if r[f] is None else f"{r[f]:5.1f}" for f in _MOODLE_FIELDS[3:])
            lines.append(f"  {r['item'][:48]:<48} n={r['s']:<4} {shown}")
    return lines
