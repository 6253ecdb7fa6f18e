"""Item statistics from stored attempts: facility, discrimination and a check of each label.

Discrimination is the point-biserial correlation between right/wrong on the item and
the learner's overall ability estimate. In an adaptive quiz learners see different
questions, so their raw totals are not on one scale; the ability estimate is.
A label looks wrong when the calibrated difficulty b lies nearer another label's prior than
its own and its whole 95% interval lies outside its own label's band (`label_flag`, the one
label check of `stats` and `stats --by-template`).
"""
import math
from collections import defaultdict

from torchquiz.engine.external_attempts import COUNTED_SQL, blanks_counted, score_sql
from torchquiz.engine.irt import LABEL_PRIOR
from torchquiz.engine.param_effects import label_se
from torchquiz.engine.store import OVERALL


def point_biserial(correct, ability):
    """Pearson correlation of 0/1 `correct` with `ability`; None when either does not vary."""
    n = len(correct)
    if n < 2:
        return None
    mean_y, mean_x = sum(correct) / n, sum(ability) / n
    var_y = sum((y - mean_y) ** 2 for y in correct)
    var_x = sum((x - mean_x) ** 2 for x in ability)
    if var_y == 0 or var_x == 0:
        return None
    cov = sum((y - mean_y) * (x - mean_x) for y, x in zip(correct, ability))
    return cov / math.sqrt(var_y * var_x)


def nearest_label(b):
    return min(LABEL_PRIOR, key=lambda label: abs(b - LABEL_PRIOR[label]))


def label_flag(label, b, se):
    """'looks easy' / 'looks hard' (or 'looks easier' / 'looks harder' next to medium) when b, known to
    within `se`, contradicts its label: nearer another label's prior, and the whole 95% interval outside
    its own label's band (the prior +- 0.5, half-way to the next label); None otherwise."""
    nearest = nearest_label(b)
    if nearest == label or abs(b - LABEL_PRIOR[label]) - 1.96 * se <= 0.5:
        return None
    return f"looks {nearest}" if nearest != "medium" else (
        "looks easier" if b < LABEL_PRIOR[label] else "looks harder")


def rounded(data, places=4):
    """`data` (dicts, lists, numbers) with every float rounded to `places` for JSON output. The figures themselves
    stay unrounded, so each text or page rounds them once (0.73529 shows as 0.74, not 0.735 then 0.73)."""
    if isinstance(data, float):
        return round(data, places)
    if isinstance(data, dict):
        return {k: rounded(v, places) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [rounded(v, places) for v in data]
    return data


def _row(key, label, ys, xs, b, a, min_attempts):
    flag = None if len(ys) < min_attempts else label_flag(label, b, label_se(b, a, xs))
    return {key[0]: key[1], "label": label, "attempts": len(ys), "facility": sum(ys) / len(ys),
            "discrimination": point_biserial(ys, xs), "b": b, "label_b": LABEL_PRIOR.get(label), "flag": flag}


MIN_ATTEMPTS = 20  # answers a question needs before its label is checked, in every report


def item_statistics(store, *, min_attempts=MIN_ATTEMPTS):
    """Per question and per (template, label): attempts, facility, discrimination, b, flag."""
    join, score = score_sql(store)
    rows = store.conn.execute(
        f"SELECT a.question_id, q.template, i.label, i.b, i.a, {score}, coalesce(ab.mean, 0.0) FROM attempts a "
        "JOIN items i ON i.question_id = a.question_id JOIN questions q ON q.id = a.question_id "
        "LEFT JOIN abilities ab ON ab.learner_id = a.learner_id AND ab.topic = ?" + join
        + f" WHERE {COUNTED_SQL} ORDER BY q.template, a.question_id", (OVERALL,)).fetchall()
    per_question = defaultdict(lambda: {"ys": [], "xs": []})
    meta = {}
    with store.numbers_checked():  # float(): text in a damaged file's b is one line here, not a traceback
        for qid, template, label, b, a, correct, theta in rows:
            per_question[qid]["ys"].append(float(correct))  # the LMS's mark where it gave one: partial credit counts
            per_question[qid]["xs"].append(theta)
            meta[qid] = (template, label, float(b), float(a))
    questions, per_template = [], defaultdict(lambda: {"ys": [], "xs": [], "bs": [], "as": []})
    for qid, data in per_question.items():
        template, label, b, a = meta[qid]
        questions.append({**_row(("id", qid), label, data["ys"], data["xs"], b, a, min_attempts),
                          "template": template})
        bucket = per_template[(template, label)]
        bucket["ys"] += data["ys"]
        bucket["xs"] += data["xs"]
        bucket["bs"] += [b] * len(data["ys"])  # attempt-weighted mean difficulty and steepness of its items
        bucket["as"] += [a] * len(data["ys"])
    templates = [_row(("template", template), label, d["ys"], d["xs"], sum(d["bs"]) / len(d["bs"]),
                      sum(d["as"]) / len(d["as"]), min_attempts)
                 for (template, label), d in sorted(per_template.items())]
    stored = store.conn.execute("SELECT count(*) FROM questions").fetchone()[0]
    return {"questions_stored": stored, "attempted": len(questions), "attempts": len(rows), "blank": blanks_counted(store),
            "min_attempts": min_attempts, "templates": templates, "questions": questions}
