"""Analytic rules for the metric questions: confusion-matrix rates, thresholds and regression errors.

Like every rule (generator/rules.py), each takes the variant's context and returns the key
from the formula, or None when it does not cover the variant.
"""


def _counts(ctx):
    return ctx["tp"], ctx["fp"], ctx["fn"], ctx["tn"]


def _ratio(num, den):
    return num / den if den else 0.0


METRIC_FORMULAS = {
    "accuracy": lambda tp, fp, fn, tn: _ratio(tp + tn, tp + fp + fn + tn),
    "precision": lambda tp, fp, fn, tn: _ratio(tp, tp + fp),
    "recall": lambda tp, fp, fn, tn: _ratio(tp, tp + fn),
    "specificity": lambda tp, fp, fn, tn: _ratio(tn, tn + fp),
    "f1": lambda tp, fp, fn, tn: _ratio(2 * tp, 2 * tp + fp + fn),
}


def confusion_metric(ctx):
    """precision = TP/(TP+FP) and friends, from the counts torch produced."""
    formula = METRIC_FORMULAS.get(ctx.get("metric"))
    if formula is None:
        return None
    return float(formula(*_counts(ctx)))


def _counts_at(scores, labels, threshold):
    """TP, FP, FN, TN when a score at or above the threshold predicts positive."""
    pairs = [(s >= threshold, y == 1) for s, y in zip(scores, labels)]
    return (sum(p and y for p, y in pairs), sum(p and not y for p, y in pairs),
            sum(not p and y for p, y in pairs), sum(not p and not y for p, y in pairs))


def threshold_metric(ctx):
    """Precision, recall, ... of `scores >= threshold` against `labels` (scores have two decimals, so the
    comparison is the same in float32 and in Python)."""
    formula = METRIC_FORMULAS.get(ctx.get("metric"))
    if formula is None or "labels" not in ctx:
        return None
    return float(formula(*_counts_at(ctx["scores"], ctx["labels"], ctx["threshold"])))


def threshold_tradeoff(ctx):
    """Whether raising the threshold from t_low to t_high moves precision or recall the claimed way."""
    if "labels" not in ctx:
        return None
    low = _counts_at(ctx["scores"], ctx["labels"], ctx["t_low"])
    high = _counts_at(ctx["scores"], ctx["labels"], ctx["t_high"])
    metric, direction = ctx["claim"].rsplit("_", 1)
    before, after = METRIC_FORMULAS[metric](*low), METRIC_FORMULAS[metric](*high)
    return str(after > before if direction == "up" else after < before)


def regression_error(ctx):
    """F.mse_loss / F.l1_loss (mean reduction) computed exactly from the decimal inputs, then rounded."""
    from fractions import Fraction

    diffs = [Fraction(str(p)) - Fraction(str(t)) for p, t in zip(ctx["pred"], ctx["target"])]
    if ctx.get("loss") == "mse":
        value = sum(d * d for d in diffs) / len(diffs)
    elif ctx.get("loss") == "mae":
        value = sum(abs(d) for d in diffs) / len(diffs)
    else:
        return None
    return float(value)


def meets_requirement(ctx):
    """Whether the recall from the counts reaches the required percentage."""
    if "tp" not in ctx:
        return None
    return str(METRIC_FORMULAS["recall"](*_counts(ctx)) >= ctx["required"] / 100)
