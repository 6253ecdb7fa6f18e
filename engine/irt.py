"""The learner model: a logistic IRT model, EAP ability and item calibration.

P(correct) = 1 / (1 + exp(-a (theta - b))).  Ability is Bayesian: the
expected a posteriori (EAP) mean and posterior SD under a standard normal
prior, computed on a fixed quadrature grid, so the estimate sits on the
population scale (mean 0, SD 1) that the simulation protocol asks for.

Item difficulty starts at its label's prior and is calibrated from attempts:
`online_update` takes one cheap step per attempt; `torchquiz.engine.calibration`
re-estimates every item from all attempts.  Pure functions, no I/O, and no import of
the calibration (which imports this module).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from torchquiz.record.schema import LEVELS

# Prior difficulty per label, on the ability scale.  The labels are the only
# thing the engine knows about a new item; calibration moves b from here.
LABEL_PRIOR: dict[str, float] = dict(zip(LEVELS, (-1.0, 0.0, 1.0), strict=True))
# How far a calibrated b may wander from its label's centre before the data
# must be strong: one label step is 1.0, a label is a band about half as wide.
LABEL_PRIOR_SD = 0.5

GRID = np.linspace(-5.0, 5.0, 81)
_LOG_PRIOR = -0.5 * GRID**2

# Fisher information of one attempt at P = 0.7 (a = 1); the online step uses
# it to shrink as an item accumulates attempts.
_INFO_PER_ATTEMPT = 0.21


class IRTError(ValueError):
    """Invalid input to the learner model."""


def label_prior(label: str) -> float:
    try:
        return LABEL_PRIOR[label]
    except KeyError:
        raise IRTError(
            f"label={label!r}: expected one of {', '.join(LABEL_PRIOR)}"
        ) from None


def p_correct(theta: float, b: float, a: float = 1.0) -> float:
    """Probability that a learner of ability theta answers an item (a, b)."""
    z = a * (theta - b)
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _arrays(history) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(b, a, correct) arrays from Responses, or from dicts with those keys."""
    if history and isinstance(history[0], Mapping):
        history = [_Row(r) for r in history]
    b = np.array([r.b for r in history], float)
    a = np.array([getattr(r, "a", 1.0) for r in history], float)
    y = np.array([bool(r.correct) for r in history], float)
    return b, a, y


class _Row:
    __slots__ = ("b", "a", "correct", "topic")

    def __init__(self, record: Mapping):
        self.b, self.a = record["b"], record.get("a", 1.0)
        self.correct, self.topic = record["correct"], record.get("topic", "")


def log_likelihood_rows(b: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Log-likelihood of each response y to its item (a, b) at every grid point: one row per response."""
    z = a[:, None] * (GRID[None, :] - b[:, None])
    sign = 2.0 * y[:, None] - 1.0
    return -np.logaddexp(0.0, -sign * z)


def log_likelihood_grid(b: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Log-likelihood of responses y to items (a, b) at every grid point."""
    if len(b) == 0:
        return np.zeros_like(GRID)
    return log_likelihood_rows(b, a, y).sum(axis=0)


def eap_rows(log_likelihood: np.ndarray, *, prior_mean: float = 0.0, prior_sd: float = 1.0):
    """EAP means and posterior SDs of each row of log-likelihoods on the grid (one learner, or one topic, a row)."""
    if prior_mean == 0.0 and prior_sd == 1.0:
        log_post = log_likelihood + _LOG_PRIOR
    else:
        log_post = log_likelihood - 0.5 * ((GRID - prior_mean) / prior_sd) ** 2
    w = np.exp(log_post - log_post.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    mean = w @ GRID
    return mean, np.sqrt(np.maximum(np.einsum("...j,...j->...", w, (GRID - mean[..., None]) ** 2), 0.0))


def eap(b, a, y, *, prior_mean: float = 0.0, prior_sd: float = 1.0) -> tuple[float, float]:
    """EAP mean and posterior SD from arrays of item parameters and responses."""
    mean, sd = eap_rows(log_likelihood_grid(np.asarray(b, float), np.asarray(a, float), np.asarray(y, float)),
                        prior_mean=prior_mean, prior_sd=prior_sd)
    return float(mean), float(sd)


def estimate_ability(history: Sequence) -> tuple[float, float]:
    """EAP ability (mean, posterior SD) from responses carrying b, correct and optionally a."""
    return eap(*_arrays(history))


def online_step_variance(n_seen: int, a: float = 1.0) -> float:
    """Approximate posterior variance of b after n_seen attempts (Laplace)."""
    return 1.0 / (1.0 / LABEL_PRIOR_SD**2 + max(n_seen, 0) * _INFO_PER_ATTEMPT * a * a)


def online_update(b: float, theta: float, correct: bool, n_seen: int, a: float = 1.0) -> float:
    """New difficulty after one attempt: a Newton-like step whose size shrinks
    with the attempts already seen (n_seen, before this one), like Elo with a
    decaying K.  A surprising wrong answer makes the item harder."""
    if not math.isfinite(theta):
        return b
    p = p_correct(theta, b, a)
    return b + online_step_variance(n_seen, a) * a * (p - float(bool(correct)))
