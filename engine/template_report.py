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

from torchquiz.engine.external_attempts import COUNTED_SQL, blanks_counted, moodle_quiz_statistics, score_sql
from torchquiz.engine.item_stats import MIN_ATTEMPTS, item_statistics, label_flag, nearest_label, point_biserial
from torchquiz.engine.moodle_stats import quiz_information
from torchquiz.engine.param_effects import fit_effects, label_se
from torchquiz.engine.store import OVERALL
from torchquiz.record.answers import format_number
from torchquiz.record.schema import LEVELS
from torchquiz.record.validate import CHOICE_TYPES, LETTERS
from torchquiz.record.wording import counted, shortened

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


def template_report(store, templates=None, *, min_attempts=MIN_ATTEMPTS, flagged=False):
    """The report as JSON-serialisable data: {"templates": [...]}, one entry per answered template.
    A question's label is checked once it has min_attempts answers (as `stats` checks it); flagged: only the
    templates `stats --flagged` flags (a level of theirs, or one of their questions)."""
    rows = [r for r in _answers(store) if not templates or r[0] in templates]
    statistics = moodle_quiz_statistics(store)  # once: the discrimination column and the tables both read it
    discrimination = _moodle_discrimination(statistics)
    by_template = defaultdict(list)
    for row in rows:
        by_template[row[0]].append(row)
    with store.numbers_checked():  # text where a stored b or a belongs: the damaged store it is, not a TypeError
        out = [_one_template(store, template, answers, discrimination, min_attempts)
               for template, answers in sorted(by_template.items())]
    answered = len(out)
    if flagged:  # what `stats --flagged` flags, a template's level or one of its questions: one label check
        checked = item_statistics(store, min_attempts=min_attempts)
        names = {row["template"] for row in checked["templates"] + checked["questions"] if row["flag"]}
        out = [t for t in out if t["template"] in names]
    moodle = _moodle_tables(statistics)
    return {"templates": out, "answered_templates": answered, "flagged_only": flagged, "answers": len(rows),
            "blank": blanks_counted(store) if not templates else None,
            "moodle_quizzes": len(moodle), "moodle": moodle,
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


def _one_template(store, template, answers, discrimination, min_attempts):
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
        marks = [r[12] for rs in qs.values() for r in rs]
        # r: the mark (partial credit where the LMS gave it) against ability, as `stats` reads it
        levels.append({"level": level, "questions": len(qs), "answers": len(ys),
                       "point_biserial": point_biserial(marks, [r[11] for rs in qs.values() for r in rs]),
                       "facility": sum(marks) / len(ys),
                       "b": sum(rs[0][6] * len(rs) for rs in qs.values()) / len(ys),
                       "discrimination_index": sum(d * n for d, n in weighted) / total if total else None})
    effects = fit_effects([json.loads(r[5] or "{}") for r in answers], [r[11] for r in answers],
                          [r[8] for r in answers], [r[2] for r in answers])
    wrong = [r for r in answers if not r[8] and r[9] is not None]  # answered wrong: a blank shows no belief
    shares = Counter(r[10] for r in wrong if r[10])
    misconceptions = [{"id": m, "count": n, "share": n / len(wrong)} for m, n in shares.most_common(5)]
    questions = []
    for qid, rs in sorted(per_question.items()):
        se = label_se(rs[0][6], rs[0][7], [r[11] for r in rs])
        questions.append({"id": qid, "level": rs[0][3], "answers": len(rs),
                          "facility": sum(r[12] for r in rs) / len(rs), "b": rs[0][6], "b_sd": se, "a": rs[0][7],
                          "discrimination_index": discrimination[qid][0] if qid in discrimination else None})
    return {"template": template, "title": title, "answers": len(answers), "questions": questions,
            "facility": sum(r[12] for r in answers) / len(answers), "levels": levels,
            "effects": effects, "misconceptions": misconceptions, "wrong_answers": len(wrong),
            "unexplained_wrong_share": 1 - sum(shares.values()) / len(wrong) if wrong else None,
            "fix": _to_fix(store, per_question, discrimination, min_attempts)}


def _to_fix(store, per_question, discrimination, min_attempts):
    fixes = []
    for qid, rs in sorted(per_question.items()):
        label, b, a = rs[0][3], rs[0][6], rs[0][7]
        se = label_se(b, a, [r[11] for r in rs])
        if len(rs) >= min_attempts and label_flag(label, b, se):
            fixes.append({"question": qid, "reason": "label", "detail":
                          f"labelled {label} but b = {signed(b)} ± {format_number(1.96 * se, 2)} reads {nearest_label(b)}"})
        if qid in discrimination and discrimination[qid][0] < LOW_DISCRIMINATION:
            fixes.append({"question": qid, "reason": "discrimination", "detail":
                          f"Moodle discrimination index {format_number(discrimination[qid][0], 2)} < {LOW_DISCRIMINATION:.0f} "
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


def percent(fraction, places=0):
    """A fraction as a percentage, rounded once, half up (`format_number`, the one rounding rule): 0.625 is 63%."""
    return format_number(100 * fraction, places) + "%"


def signed(value, places=2):
    text = format_number(value, places)
    return text if text.startswith("-") else "+" + text


def discrimination_text(level):
    """A level's discrimination as every report shows it: Moodle's index where a Moodle quiz asked its questions,
    else r, the correlation of the mark with the learners' ability; '-' when neither can be worked out."""
    if level["discrimination_index"] is not None:
        return format_number(level["discrimination_index"], 0)
    return "-" if level["point_biserial"] is None else "r=" + signed(level["point_biserial"])


def blank_note(blank):
    """What an answer count holds besides answers: ' (8 of them left blank or skipped, a mark of 0)'."""
    return f" ({blank} of them left blank or skipped, a mark of 0)" if blank else ""


def templates_shown(data):
    """'12 templates', or with --flagged '1 of 12 templates answered (flagged only)'."""
    if data.get("flagged_only"):
        return f"{len(data['templates'])} of {counted(data['answered_templates'], 'template')} answered (flagged only)"
    return counted(len(data["templates"]), "template")


def render_text(data, width=100):
    """The report as lines of text for the terminal."""
    quizzes = data["moodle_quizzes"]
    lines = [f"Per-template report: {counted(data['answers'], 'answer')}{blank_note(data.get('blank'))}, "
             f"{templates_shown(data)}"
             + (f", {counted(quizzes, 'Moodle quiz', 'Moodle quizzes')}" if quizzes else "") + "."]
    for t in data["templates"]:
        lines += ["", f"{t['template']} — {t['title']}: {t['answers']} answers, facility {percent(t['facility'])}"]
        for lv in t["levels"]:
            lines.append(f"  {lv['level']:<6} {lv['questions']:>2} q {lv['answers']:>5} answers  facility "
                         f"{percent(lv['facility']):>4}  b {signed(lv['b'])}  discrimination {discrimination_text(lv):>4}")
        eff = t["effects"]
        shown = [e for e in eff["effects"] if e["clear"]] or eff["effects"][:2]
        if shown:
            note = "" if eff["identified"] else f" (only {eff['variants']} variants: weakly identified)"
            lines.append(f"  parameters (+ = harder, logits, 95% interval){note}:")
            for e in shown[:4]:
                what = shortened(effect_name(e), 58)   # a long list value must not run into its figure
                lines.append(f"    {what:<58}  {signed(e['effect'])} [{signed(e['low'])}, {signed(e['high'])}]")
            hidden = len(eff["effects"]) - len(shown[:4])
            if hidden > 0:
                lines.append(f"    ({hidden} more: --json lists every effect)")
        if t["misconceptions"]:
            lines.append("  wrong answers: " + ", ".join(f"{m['id']} {percent(m['share'])}" for m in t["misconceptions"][:3]))
        for fix in t["fix"]:
            lines.append(f"  FIX {fix['question']}: {fix['detail']}"[:width + 40])
    for table in data.get("moodle", []):
        lines += ["", f"Moodle's statistics for {table['quiz']} (the id `import moodle` gave this quiz): "
                      f"{quiz_information(table['summary'])}",
                  "  (facility, SD, discrimination index and efficiency, effective weight; %, as Moodle shows them):"]
        for r in table["slots"] + table["questions"]:
            # Each figure is kept rounded as Moodle's page shows it (2 places of a %), and printed as it is.
            cells = ["-" if r[f] is None else format_number(round(100 * r[f], 10), 2) for f in ("facility", "sd")]
            cells += ["-" if r[f] is None else format_number(r[f], 2) for f in _MOODLE_FIELDS[3:]]
            lines.append(f"  {r['item'][:48]:<48} n={r['s']:<4} " + " ".join(f"{c:>6}" for c in cells))
    return lines
