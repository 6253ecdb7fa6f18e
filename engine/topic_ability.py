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
from collections import Counter
from functools import lru_cache
from typing import Sequence

import numpy as np

from torchquiz.engine.irt import GRID, eap

TOPIC_SD_CANDIDATES = (0.0, 0.2, 0.35, 0.5, 0.6, 0.7, 0.8)
# The spread a learner's topic estimates assume until the store has fitted one (or when its fit is 0): each topic
# leans on the learner's overall ability, its own answers moving it.  Estimated alone from its two or three answers
# under a N(0, 1) prior, a topic sat near +0.8 beside an overall +2.1 after a quiz answered all right.
UNFITTED_TOPIC_SD = 0.5


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
        z = a[sel, None] * (GRID[None, :] - b[sel, None])
        ll = -np.logaddexp(0.0, -(2.0 * y[sel, None] - 1.0) * z).sum(axis=0)
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
    """`bifactor_eap` from each topic's likelihood (`_topic_likelihoods`)."""
    log_post, marginals = _general_posterior(likelihoods, topic_sd)
    w = np.exp(log_post - log_post.max())
    w /= w.sum()
    kernel = _kernel(round(topic_sd, 6))
    # E[theta_t | g] and E[theta_t^2 | g] on the g grid; unseen topics: g, g^2 + sd^2
    first = np.tile(GRID, (n_topics, 1))
    second = np.tile(GRID**2 + topic_sd**2, (n_topics, 1))
    for (t, like, _top), m in zip(likelihoods, marginals):
        m = np.maximum(m, 1e-300)
        first[t] = kernel @ (GRID * like) / m
        second[t] = kernel @ (GRID**2 * like) / m
    topic_means = first @ w
    topic_sds = np.sqrt(np.maximum(second @ w - topic_means**2, 0.0))
    mean_given_g = first.mean(axis=0)
    var_given_g = (second - first**2).sum(axis=0) / n_topics**2
    mean = float(mean_given_g @ w)
    var = float((var_given_g + mean_given_g**2) @ w - mean**2)
    return mean, math.sqrt(max(var, 0.0)), topic_means, topic_sds


def estimate_across_topics(history: Sequence, topics: Sequence[str], topic_sd: float):
    """Overall (mean, SD) over `topics` and {topic: (mean, SD)} for a history of Responses."""
    code = {t: k for k, t in enumerate(topics)}
    kept = [r for r in history if r.topic in code]
    mean, sd, means, sds = bifactor_eap(
        [r.b for r in kept], [getattr(r, "a", 1.0) for r in kept], [bool(r.correct) for r in kept],
        [code[r.topic] for r in kept], len(topics), topic_sd)
    return (mean, sd), {t: (float(means[k]), float(sds[k])) for t, k in code.items()}


def learner_estimates(history: Sequence, topics: Sequence[str], topic_sd: float):
    """What a learner's report shows and the store keeps, the one rule for a quiz's learners and imported ones:
    overall (mean, SD, answers) and {topic: (mean, SD, answers)} for each answered topic.  With a fitted spread,
    the bi-factor EAP over `topics` (as selection aims); without one, the one-dimensional overall and the topics
    at UNFITTED_TOPIC_SD around it.  A topic outside `topics` (a variant generated meanwhile): its own answers."""
    code = {t: k for k, t in enumerate(topics)}
    counts = Counter(r.topic for r in history)
    if topic_sd > 0.0:
        overall, by_topic = estimate_across_topics(history, topics, topic_sd)
    else:
        kept = [r for r in history if r.topic in code]
        b, a, y = (np.array(v, float) for v in zip(*[(r.b, getattr(r, "a", 1.0), bool(r.correct)) for r in kept])) \
            if kept else (np.zeros(0),) * 3
        likelihoods = _topic_likelihoods(b, a, y, np.array([code[r.topic] for r in kept], np.int64), len(topics))
        log_post = -0.5 * GRID**2 + sum(np.log(np.maximum(like, 1e-300)) for _t, like, _top in likelihoods)
        w = np.exp(log_post - log_post.max())
        w /= w.sum()
        mean = float(w @ GRID)  # the one-dimensional EAP of every kept answer, from the topics' likelihoods
        overall = (mean, math.sqrt(max(float(w @ (GRID - mean) ** 2), 0.0)))
        _, _, means, sds = _bifactor(likelihoods, len(topics), UNFITTED_TOPIC_SD)
        by_topic = {t: (float(means[k]), float(sds[k])) for t, k in code.items()}
    for t in counts.keys() - by_topic.keys():
        by_topic[t] = eap(*zip(*[(r.b, getattr(r, "a", 1.0), bool(r.correct)) for r in history if r.topic == t]))
    return (*overall, len(history)), {t: (*by_topic[t], n) for t, n in counts.items()}


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
