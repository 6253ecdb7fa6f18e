"""Ability across topics: a bi-factor EAP.

A learner's ability in topic t is theta_t = g + e_t: a general ability g and a
topic deviation e_t ~ N(0, topic_sd^2), with Var(theta_t) = 1 so every topic
stays on the population scale.  An answer in topic t informs theta_t
directly and the other topics through g.  The overall ability is the mean of
the topic abilities over the pool's topics, which is what a learner's
"overall" means when topics differ.  With topic_sd = 0 this is exactly the
one-dimensional EAP of `torchquiz.engine.irt`.

`topic_sd` is a property of the learner population, fitted from stored
attempts like the item parameters (`fit_topic_sd`).
"""
from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from torchquiz.engine.irt import GRID, eap, eap_rows, log_likelihood_grid, log_likelihood_rows

TOPIC_SD_CANDIDATES = (0.0, 0.2, 0.35, 0.5, 0.6, 0.7, 0.8)


@lru_cache(maxsize=32)
def _kernel(topic_sd: float) -> np.ndarray:
    """K[i, j] = P(theta = GRID[j] | g = GRID[i]), rows summing to 1."""
    k = np.exp(-0.5 * ((GRID[None, :] - GRID[:, None]) / topic_sd) ** 2)
    return k / k.sum(axis=1, keepdims=True)


def _topic_likelihoods(b, a, y, topic, n_topics):
    """Per topic with data: (code, likelihood on the grid scaled to max 1, log scale)."""
    out = []
    for t in range(n_topics):
        sel = topic == t
        if not sel.any():
            continue
        ll = log_likelihood_grid(b[sel], a[sel], y[sel])
        top = ll.max()
        out.append((t, np.exp(ll - top), top))
    return out


def _general_posterior(likelihoods, topic_sd):
    """Log of prior(g) x prod_t M_t(g) and the M_t themselves."""
    var_g = max(1.0 - topic_sd**2, 0.05)
    log_post = -0.5 * GRID**2 / var_g - 0.5 * math.log(2 * math.pi * var_g)
    kernel = _kernel(round(topic_sd, 6))
    marginals = []
    for _t, like, top in likelihoods:
        m = kernel @ like
        marginals.append(m)
        log_post = log_post + np.log(np.maximum(m, 1e-300)) + top
    return log_post, marginals


def bifactor_eap(b, a, y, topic, n_topics: int, topic_sd: float):
    """(overall mean, overall SD, per-topic means, per-topic SDs) from arrays.

    topic: topic code 0..n_topics-1 per response; the overall ability is the
    mean over all n_topics topics, seen or not.
    """
    b, a, y = (np.asarray(v, float) for v in (b, a, y))
    topic = np.asarray(topic, np.int64)
    if topic_sd <= 0.0:
        mean, sd = eap(b, a, y)
        return mean, sd, np.full(n_topics, mean), np.full(n_topics, sd)
    return _bifactor(_topic_likelihoods(b, a, y, topic, n_topics), n_topics, topic_sd)


def _bifactor(likelihoods, n_topics, topic_sd):
    """`bifactor_eap` from each topic's likelihood (`_topic_likelihoods`): one learner through `_bifactor_batch`."""
    codes = np.array([t for t, _like, _top in likelihoods], np.int64)
    like = np.array([like for _t, like, _top in likelihoods]).reshape(len(codes), len(GRID))
    top = np.array([top for _t, _like, top in likelihoods], float)
    mean, sd, means, sds, w = _bifactor_batch(like, top, np.zeros(len(codes), np.int64), 1, n_topics, topic_sd)
    g = float(w[0] @ GRID)  # a topic without answers: the general ability, plus its spread
    topic_means = np.full(n_topics, g)
    topic_sds = np.full(n_topics, math.sqrt(max(float(w[0] @ (GRID**2 + topic_sd**2)) - g * g, 0.0)))
    topic_means[codes], topic_sds[codes] = means, sds
    return float(mean[0]), float(sd[0]), topic_means, topic_sds


def _sum_by(values, index, n):
    """Rows of `values` summed by `index` into n rows (np.add.at's result; one bincount is ten times faster)."""
    width = values.shape[1]
    flat = (np.asarray(index, np.int64)[:, None] * width + np.arange(width)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n * width).reshape(n, width)


def _bifactor_batch(like, top, learner, n_learners, n_topics, topic_sd):
    """The bi-factor EAP of many learners at once.  like: (groups, grid), each (learner, topic) group's likelihood
    scaled to max 1, top: its log scale, learner: its learner's code.  Returns per learner the overall mean and
    SD (over all n_topics topics, seen or not), per group the topic's mean and SD, and per learner the general
    ability's posterior weights on the grid."""
    var_g = max(1.0 - topic_sd**2, 0.05)
    kernel = _kernel(round(topic_sd, 6))
    m = np.maximum(like @ kernel.T, 1e-300)   # each topic's likelihood of the general ability g
    log_post = -0.5 * GRID**2 / var_g + _sum_by(np.log(m) + top[:, None], learner, n_learners)
    w = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    # E[theta_t | g] and E[theta_t^2 | g] on the g grid; a topic without answers: g and g^2 + sd^2
    first, second = (like * GRID) @ kernel.T / m, (like * GRID**2) @ kernel.T / m
    weights = w[learner]
    topic_means = (first * weights).sum(axis=1)
    topic_sds = np.sqrt(np.maximum((second * weights).sum(axis=1) - topic_means**2, 0.0))
    unseen = (n_topics - np.bincount(learner, minlength=n_learners))[:, None]
    sum_first, sum_var = _sum_by(first, learner, n_learners), _sum_by(second - first**2, learner, n_learners)
    mean_given_g = (sum_first + unseen * GRID) / n_topics
    var_given_g = (sum_var + unseen * topic_sd**2) / n_topics**2
    mean = (mean_given_g * w).sum(axis=1)
    var = ((var_given_g + mean_given_g**2) * w).sum(axis=1) - mean**2
    return mean, np.sqrt(np.maximum(var, 0.0)), topic_means, topic_sds, w


def estimate_across_topics(history: Sequence, topics: Sequence[str], topic_sd: float):
    """Overall (mean, SD) over `topics` and {topic: (mean, SD)} for a history of Responses."""
    code = {t: k for k, t in enumerate(topics)}
    kept = [r for r in history if r.topic in code]
    mean, sd, means, sds = bifactor_eap(
        [r.b for r in kept], [getattr(r, "a", 1.0) for r in kept], [bool(r.correct) for r in kept],
        [code[r.topic] for r in kept], len(topics), topic_sd)
    return (mean, sd), {t: (float(means[k]), float(sds[k])) for t, k in code.items()}


def learner_estimates(history: Sequence, topics: Sequence[str], topic_sd: float):
    """What a learner's report shows and the store keeps: overall (mean, SD, answers) and {topic: (mean, SD,
    answers)} for each answered topic, by `place_learners` (the rule for imported learners too)."""
    rows = [(0, r.topic, r.b, getattr(r, "a", 1.0), r.correct) for r in history]
    return place_learners(rows, topics, topic_sd)[0][1:] if rows else ((*eap([], [], []), 0), {})


def place_learners(rows, topics: Sequence[str], topic_sd: float):
    """[(learner, overall (mean, SD, answers), {topic: (mean, SD, answers)})] from rows (learner, topic, b, a,
    correct), whole learners in order: the one rule by which the store keeps a learner's abilities, a quiz's
    learners and imported ones alike.  The overall: with a fitted topic spread, the bi-factor EAP over `topics`
    (as selection aims), else the one-dimensional EAP.  Each topic: what its own answers show, under the N(0, 1)
    prior, whatever the spread.  The advice calls a topic weak from that (three misses beside right answers
    elsewhere do); a topic leaning on the overall, as the bi-factor's does, hid a topic answered 0/4 beside 16/16
    at 58-76% with "Ready for harder" (fitted spreads 0.35-0.6), and at 57% for 0/6 with a guessed 0.5."""
    code = {t: k for k, t in enumerate(topics)}
    learner_ids, learner = np.unique(np.array([r[0] for r in rows]), return_inverse=True)
    ll = log_likelihood_rows(*(np.array([r[k] for r in rows], float) for k in (2, 3, 4)))
    names = sorted({r[1] for r in rows})  # one group per (learner, topic) with answers
    topic = np.searchsorted(np.array(names), np.array([r[1] for r in rows]))
    groups, group = np.unique(learner * len(names) + topic, return_inverse=True)
    group_ll = _sum_by(ll, group, len(groups))
    g_learner, g_name = groups // len(names), [names[i] for i in groups % len(names)]
    known = np.array([n in code for n in g_name], bool)
    n_learners = len(learner_ids)
    if topic_sd > 0.0:
        top = group_ll[known].max(axis=1)
        mean, spread, *_ = _bifactor_batch(np.exp(group_ll[known] - top[:, None]), top, g_learner[known],
                                           n_learners, len(topics), topic_sd)
    else:  # the one-dimensional EAP of the answers in `topics`
        mean, spread = eap_rows(_sum_by(group_ll[known], g_learner[known], n_learners))
    estimates = np.column_stack(eap_rows(group_ll))  # each topic on its own answers
    answers, counts = np.bincount(learner, minlength=n_learners), np.bincount(group, minlength=len(groups))
    out = [(lid, (float(mean[k]), float(spread[k]), int(answers[k])), {}) for k, lid in enumerate(learner_ids.tolist())]
    for g in range(len(groups)):
        out[g_learner[g]][2][g_name[g]] = (float(estimates[g, 0]), float(estimates[g, 1]), int(counts[g]))
    return out


def log_marginal(b, a, y, topic, n_topics: int, topic_sd: float) -> float:
    """Log marginal likelihood of one learner's answers under a topic_sd."""
    b, a, y = (np.asarray(v, float) for v in (b, a, y))
    if topic_sd <= 0.0:  # one ability for every topic
        topic, n_topics, topic_sd = np.zeros(len(b), np.int64), 1, 1e-3
        likelihoods = _topic_likelihoods(b, a, y, topic, 1)
        log_post = -0.5 * GRID**2 - 0.5 * math.log(2 * math.pi)
        for _t, like, top in likelihoods:
            log_post = log_post + np.log(np.maximum(like, 1e-300)) + top
    else:
        likelihoods = _topic_likelihoods(b, a, y, np.asarray(topic, np.int64), n_topics)
        log_post, _ = _general_posterior(likelihoods, topic_sd)
    top = log_post.max()
    return float(top + math.log(np.exp(log_post - top).sum() * (GRID[1] - GRID[0])))


def fit_topic_sd(learners, n_topics: int, candidates=TOPIC_SD_CANDIDATES) -> float:
    """The candidate topic_sd with the largest penalised marginal likelihood over learners.

    learners: iterable of (b, a, y, topic) arrays, one tuple per learner.
    """
    learners = list(learners)
    if not learners:
        return 0.0
    # A spread is one more parameter: BIC's 0.5 log n keeps noise from buying one.
    penalty = 0.5 * math.log(len(learners))
    scores = [sum(log_marginal(b, a, y, t, n_topics, sd) for b, a, y, t in learners) - (penalty if sd > 0 else 0.0)
              for sd in candidates]
    return float(candidates[int(np.argmax(scores))])
