"""Item calibration: marginal maximum likelihood by EM (Bock-Aitkin), with
the difficulty label as a hierarchical prior.

Learner ability is integrated over a quadrature grid with a N(0, 1) prior,
which pins the scale: calibrated difficulties and the learners' EAP
abilities both live on the population scale.  Each item's b has the prior
N(m_label, s^2), where the label means m_label start at `LABEL_PRIOR` and
are themselves re-estimated (empirical Bayes) from the items that have data,
so a bank whose "hard" is harder than +1 is found out from a few learners.
Discrimination is one common `a` by default (robust with few attempts per
item), or per item with a log-normal prior around the common one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

from torchquiz.engine.irt import LABEL_PRIOR, LABEL_PRIOR_SD, label_prior

LABELS = tuple(LABEL_PRIOR)
QUAD = np.linspace(-5.0, 5.0, 41)
_LOG_PRIOR = -0.5 * QUAD**2
_MEAN_PRIOR_SD = 0.5     # how far a label's centre may move from LABEL_PRIOR
_LOG_A_PRIOR_SD = 0.5    # common a: log-normal around 1
_ITEM_LOG_A_SD = 0.25    # per-item a: log-normal around the common a
_MAX_STEP = 1.0


@dataclass
class CalibrationState:
    """Item parameters plus the label hyper-parameters; warm-starts the next fit."""

    b: np.ndarray                   # difficulty per item
    a: np.ndarray                   # discrimination per item
    label: np.ndarray               # label index per item (into LABELS)
    label_means: np.ndarray = field(default_factory=lambda: np.array([LABEL_PRIOR[l] for l in LABELS]))
    label_sd: float = LABEL_PRIOR_SD

    @classmethod
    def from_labels(cls, labels: Iterable[str]) -> "CalibrationState":
        label = np.array([LABELS.index(_checked(l)) for l in labels], int)
        b = np.array([LABEL_PRIOR[LABELS[i]] for i in label], float)
        return cls(b=b, a=np.ones_like(b), label=label)

    @property
    def common_a(self) -> float:
        return float(np.exp(np.mean(np.log(self.a)))) if len(self.a) else 1.0


def _checked(label: str) -> str:
    label_prior(label)  # raises IRTError naming the label
    return label


@dataclass
class Calibration:
    """Result of `calibrate_records`, keyed by item id."""

    b: dict[str, float]
    a: dict[str, float]
    label_means: dict[str, float]
    label_sd: float
    topic_sd: float = 0.0


def calibrate(
    state: CalibrationState,
    item_idx: np.ndarray,
    learner_idx: np.ndarray,
    correct: np.ndarray,
    *,
    iterations: int = 10,
    fit_a: bool = True,
    item_a: bool = False,
) -> CalibrationState:
    """Run EM iterations on (item, learner, correct) triples, updating state in place."""
    item_idx = np.asarray(item_idx, np.int64)
    y = np.asarray(correct, float)
    if len(item_idx) == 0:
        return state
    learners, learner = np.unique(np.asarray(learner_idx), return_inverse=True)
    order = np.argsort(learner, kind="stable")
    item_idx, learner, y = item_idx[order], learner[order], y[order]
    starts = np.flatnonzero(np.r_[True, learner[1:] != learner[:-1]])
    n_items = len(state.b)
    counts = np.bincount(item_idx, minlength=n_items)
    has_data = counts > 0
    for _ in range(iterations):
        b_r, a_r = state.b[item_idx], state.a[item_idx]
        dev = QUAD[None, :] - b_r[:, None]                     # theta - b, R x Q
        z = a_r[:, None] * dev
        log_p = -np.logaddexp(0.0, -z)
        ll = np.where(y[:, None] > 0.5, log_p, -np.logaddexp(0.0, z))
        log_post = np.add.reduceat(ll, starts, axis=0) + _LOG_PRIOR
        log_post -= log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post)
        post /= post.sum(axis=1, keepdims=True)
        w = post[learner]                                      # R x Q
        p = np.exp(log_p)
        wpq = w * p * (1.0 - p)
        resid = w * (p - y[:, None])
        # Newton step on b with the label prior N(m_label, s^2).
        m = state.label_means[state.label]
        s2 = state.label_sd**2
        g_b = np.bincount(item_idx, a_r * resid.sum(1), n_items) - (state.b - m) / s2
        h_b = np.bincount(item_idx, a_r**2 * wpq.sum(1), n_items) + 1.0 / s2
        step_b = np.clip(g_b / h_b, -_MAX_STEP, _MAX_STEP)
        if fit_a:
            # d logL / d log a = a * sum w (y - p)(theta - b).  Each b is only
            # known to within 1/h_b, and theta - b inherits that spread; left
            # out, the fit explains it away with a steeper a (a few dozen
            # attempts in a narrow ability band per item make that large).
            # Expected over b's posterior, the log-likelihood loses
            # 0.5 a^2 p(1-p) / h_b per attempt: its gradient is `adjust`.
            g_la_r = -a_r * (resid * dev).sum(1)
            h_la_r = a_r**2 * (wpq * dev**2).sum(1)
            adjust = np.where(has_data, 1.0 - 1.0 / (s2 * h_b), 0.0)
            if item_a:
                centre = math.log(state.common_a)
                log_a = np.log(state.a)
                g = np.bincount(item_idx, g_la_r, n_items) - adjust - (log_a - centre) / _ITEM_LOG_A_SD**2
                h = np.bincount(item_idx, h_la_r, n_items) + 1.0 / _ITEM_LOG_A_SD**2
                log_a = log_a + np.clip(g / h, -0.5, 0.5)
                if has_data.any():  # unseen items follow the seen ones' level
                    log_a[~has_data] = np.mean(log_a[has_data])
                state.a = np.exp(log_a)
            else:
                log_a = math.log(state.common_a)
                g = g_la_r.sum() - adjust.sum() - log_a / _LOG_A_PRIOR_SD**2
                h = h_la_r.sum() + 1.0 / _LOG_A_PRIOR_SD**2
                state.a = np.full(n_items, math.exp(log_a + float(np.clip(g / h, -0.5, 0.5))))
        state.b = state.b + step_b
        _update_label_hyper(state, has_data, h_b)
    return state


def _update_label_hyper(state: CalibrationState, has_data: np.ndarray, h_b: np.ndarray) -> None:
    """Empirical-Bayes step for the label centres and the within-label spread."""
    s2 = state.label_sd**2
    means = state.label_means.copy()
    sq, n_sq = 0.0, 0
    for k, name in enumerate(LABELS):
        sel = has_data & (state.label == k)
        n = int(sel.sum())
        if n == 0:
            continue
        prior = LABEL_PRIOR[name]
        means[k] = (state.b[sel].sum() / s2 + prior / _MEAN_PRIOR_SD**2) / (n / s2 + 1.0 / _MEAN_PRIOR_SD**2)
        sq += float(((state.b[sel] - means[k]) ** 2 + 1.0 / h_b[sel]).sum())
        n_sq += n
    state.label_means = means
    if n_sq >= 30:  # the spread needs a few dozen calibrated items to mean anything
        state.label_sd = float(np.clip(math.sqrt(sq / n_sq), 0.25, 0.8))


def calibrate_records(
    attempts: Iterable[tuple[str, str, bool, float]],
    labels: Mapping[str, str],
    *,
    initial: Mapping[str, tuple[float, float]] | None = None,
    topics: Mapping[str, str] | None = None,
    iterations: int = 30,
    item_a: bool = True,
    **options,
) -> Calibration:
    """`calibrate` over id-keyed records: (item_id, learner_id, correct, theta).

    initial: item_id -> (b, a) from the last calibration, to warm-start.
    topics: item_id -> primary topic; when given, also fit `topic_sd`, the
    spread of a learner's topic abilities (see `torchquiz.engine.topic_ability`).
    """
    ids = list(labels)
    index = {item_id: i for i, item_id in enumerate(ids)}
    learner_index: dict[str, int] = {}
    items, learners, ys = [], [], []
    for item_id, learner_id, correct, _theta in attempts:
        if item_id not in index:  # attempts on items no longer labelled are skipped
            continue
        items.append(index[item_id])
        learners.append(learner_index.setdefault(learner_id, len(learner_index)))
        ys.append(bool(correct))
    state = CalibrationState.from_labels(labels[i] for i in ids)
    for item_id, (b, a) in (initial or {}).items():
        if item_id in index:
            state.b[index[item_id]], state.a[index[item_id]] = b, a
    items_a, learners_a, ys_a = np.array(items, np.int64), np.array(learners, np.int64), np.array(ys, float)
    calibrate(state, items_a, learners_a, ys_a, iterations=iterations, item_a=item_a, **options)
    topic_sd = 0.0
    if topics is not None and len(items_a):
        from torchquiz.engine.topic_ability import fit_topic_sd

        names = sorted({topics[i] for i in ids if i in topics})
        code = np.array([names.index(topics[i]) if i in topics else 0 for i in ids], np.int64)
        order = np.argsort(learners_a, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(learners_a[order])) + 1)
        topic_sd = fit_topic_sd(((state.b[items_a[g]], state.a[items_a[g]], ys_a[g], code[items_a[g]])
                                 for g in groups), max(len(names), 1))
    return Calibration(
        b={i: float(state.b[k]) for i, k in index.items()},
        a={i: float(state.a[k]) for i, k in index.items()},
        label_means={name: float(m) for name, m in zip(LABELS, state.label_means)},
        label_sd=state.label_sd,
        topic_sd=topic_sd,
    )
