"""How each parameter value of a template moves its difficulty, with honest uncertainty.

A small Bayesian logistic regression per template over its answered attempts:

    P(correct) = sigmoid(theta_learner - (c + sum_k beta_k x_k))

theta is the learner's ability estimate (an offset, so a strong class does not make a
parameter look easy), c the template's base difficulty, and x the variant's parameters:
one indicator per non-reference value of a categorical parameter (bool, string), and a
numeric parameter standardised, so its beta is "per one SD of the values asked". beta > 0
makes the question harder, in logits.

Each beta has a N(0, 1) prior (a parameter rarely moves a question by more than two label
steps) and is reported with its posterior SD from the Laplace approximation. That prior is
what keeps the answer honest: a template answered on four variants cannot separate eight
parameters, and those effects come back near 0 with SD near 1 instead of as confident
noise. `identified` says whether the data alone could, with a degree of freedom to spare
(variants > parameters + 1: with the base difficulty, k effects from k + 1 variants fit exactly).

The level is not among the predictors: a template's levels are made of parameter values
(`difficulty:` narrows them), so an effect is the parameter's whole effect, level included.
"""
import math
from collections import Counter

import numpy as np

from torchquiz.engine.irt import LABEL_PRIOR_SD

PRIOR_SD = 1.0
BASE_PRIOR_SD = 3.0
_SKIP = {"level"}  # the label is reported per level; as a parameter it would only repeat that


def _features(params_list):
    """Columns (name, value, kind, scale) and the design matrix for these variants' params."""
    keys = sorted({k for p in params_list for k in p} - _SKIP)
    columns, matrix = [], []
    for key in keys:
        values = [p.get(key) for p in params_list]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values if v is not None)
        spelt = [None if v is None else repr(v) for v in values]  # once per value: a category's name
        if len(set(spelt) - {None}) < 2:
            continue  # constant across these attempts: nothing to learn
        if numeric:
            arr = np.array([float(v) if v is not None else np.nan for v in values])
            mean, sd = np.nanmean(arr), np.nanstd(arr)
            columns.append((key, None, "numeric", float(sd)))
            matrix.append(np.nan_to_num((arr - mean) / sd))
        else:
            counts = Counter(s for s in spelt if s is not None)
            first = {}  # spelling -> the first value spelt so
            for value, spelling in zip(values, spelt):
                if spelling is not None:
                    first.setdefault(spelling, value)
            reference = counts.most_common(1)[0][0]
            for value in sorted(counts, key=lambda v: (-counts[v], v)):
                if value != reference:
                    columns.append((key, first[value], "category", first[reference]))
                    matrix.append(np.array([1.0 if s == value else 0.0 for s in spelt]))
    return columns, (np.array(matrix).T if matrix else np.zeros((len(params_list), 0)))


def fit_effects(params_list, theta, correct, variants):
    """Effects of the parameters on difficulty from attempts (params, ability, correct, variant id).

    Returns {"base": (mean, sd), "effects": [...], "variants": n, "identified": bool}.
    """
    columns, x = _features(params_list)
    y, offset = np.asarray(correct, float), np.asarray(theta, float)
    n, k = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    precision = np.diag([1 / BASE_PRIOR_SD**2] + [1 / PRIOR_SD**2] * k)
    w = np.zeros(k + 1)
    for _ in range(50):  # Newton on the log posterior; difficulty enters with a minus sign
        p = 1 / (1 + np.exp(-(offset - design @ w)))
        grad = design.T @ (p - y) - precision @ w
        hess = (design * (p * (1 - p))[:, None]).T @ design + precision
        step = np.linalg.solve(hess, grad)
        w += step
        if np.max(np.abs(step)) < 1e-8:
            break
    p = 1 / (1 + np.exp(-(offset - design @ w)))
    cov = np.linalg.inv((design * (p * (1 - p))[:, None]).T @ design + precision)
    sd = np.sqrt(np.diag(cov))
    distinct = len(set(variants))
    effects = []
    for j, (name, value, kind, extra) in enumerate(columns, start=1):
        # unrounded: each report rounds a figure once where it shows it (JSON to 4 places)
        effect = {"param": name, "effect": float(w[j]), "sd": float(sd[j]),
                  "low": float(w[j] - 1.96 * sd[j]), "high": float(w[j] + 1.96 * sd[j])}
        if kind == "numeric":
            effect.update(value=f"+1 SD ({extra:.3g})", kind="numeric")
        else:
            effect.update(value=value, reference=extra, kind="category")
        effect["clear"] = bool(abs(w[j]) > 1.96 * sd[j])
        effects.append(effect)
    effects.sort(key=lambda e: -abs(e["effect"]))
    return {"base": (float(w[0]), float(sd[0])), "effects": effects, "variants": distinct,
            "identified": distinct > k + 1, "attempts": int(n)}


def label_se(b, a, thetas):
    """Posterior SD of a difficulty b from attempts by learners at `thetas` (Fisher information)."""
    thetas = np.asarray(thetas, float)
    p = 1 / (1 + np.exp(-a * (thetas - b)))
    return 1 / math.sqrt(float((a * a * p * (1 - p)).sum()) + 1 / LABEL_PRIOR_SD**2)
