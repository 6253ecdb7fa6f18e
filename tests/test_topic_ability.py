"""Bi-factor EAP across topics and fitting the spread of topic abilities."""
import math

import numpy as np
import pytest

from torchquiz.engine.irt import eap
from torchquiz.engine.selection import Response
from torchquiz.engine.topic_ability import bifactor_eap, estimate_across_topics, fit_topic_sd, log_marginal

B = np.array([-1.0, 0.0, 0.5, 1.0, -0.5])
A = np.array([1.0, 1.3, 0.9, 1.5, 1.1])
Y = np.array([1.0, 1.0, 0.0, 1.0, 0.0])
T = np.array([0, 0, 1, 2, 2])


def test_zero_spread_is_the_one_dimensional_eap():
    mean, sd, means, sds = bifactor_eap(B, A, Y, T, 6, 0.0)
    assert (mean, sd) == pytest.approx(eap(B, A, Y))
    assert np.allclose(means, mean)


def test_small_spread_approaches_the_one_dimensional_eap():
    mean, sd, _, _ = bifactor_eap(B, A, Y, T, 6, 0.05)
    assert mean == pytest.approx(eap(B, A, Y)[0], abs=0.02)


def test_answers_in_one_topic_move_it_most_and_the_rest_through_g():
    history = [Response(f"i{k}", "lstm", 0.0, True) for k in range(4)]
    (overall, overall_sd), topics = estimate_across_topics(history, ["gru", "lstm", "rnn"], 0.6)
    assert topics["lstm"][0] > topics["gru"][0] > 0.0
    assert topics["gru"] == pytest.approx(topics["rnn"])
    assert topics["lstm"][1] < topics["gru"][1]
    assert overall == pytest.approx(np.mean([m for m, _ in topics.values()]))
    assert 0 < overall_sd < 1


def test_marginal_likelihood_is_a_probability_for_one_answer():
    # one right answer at b = 0: P = E[sigmoid(theta)] = 0.5 by symmetry, whatever the spread
    for sd in (0.0, 0.3, 0.7):
        assert math.exp(log_marginal([0.0], [1.0], [1.0], [0], 6, sd)) == pytest.approx(0.5, abs=1e-3)


@pytest.mark.parametrize("true_sd, low, high", [(0.0, 0.0, 0.2), (0.7, 0.5, 0.8)])
def test_fit_topic_sd_finds_the_spread(true_sd, low, high):
    rng = np.random.default_rng(4)
    learners = []
    for _ in range(400):
        g = rng.normal(0, math.sqrt(1 - true_sd**2))
        theta_t = g + rng.normal(0, true_sd, 6)
        topic = np.repeat(np.arange(6), 5)
        b = rng.normal(0, 1, 30)
        y = (rng.random(30) < 1 / (1 + np.exp(-(theta_t[topic] - b)))).astype(float)
        learners.append((b, np.ones(30), y, topic))
    assert low <= fit_topic_sd(learners, 6) <= high


@pytest.mark.parametrize("topic_sd", [0.0, 0.6])
def test_learners_placed_together_get_what_each_gets_alone(topic_sd):
    """place_learners places a whole import at once: batching must not mix learners, and a topic outside the
    list is estimated from its own answers."""
    from torchquiz.engine.topic_ability import place_learners
    rng = np.random.default_rng(3)
    rows = [(learner, f"t{rng.integers(4)}", float(rng.normal()), float(rng.uniform(0.8, 1.8)), bool(rng.random() < 0.6))
            for learner in (7, 11, 12) for _ in range(int(rng.integers(1, 15)))]
    together = place_learners(rows, ["t0", "t1", "t2"], topic_sd)
    assert [learner for learner, *_ in together] == [7, 11, 12]
    for learner, overall, by_topic in together:
        alone = place_learners([r for r in rows if r[0] == learner], ["t0", "t1", "t2"], topic_sd)
        assert alone[0][1] == pytest.approx(overall, abs=1e-12)
        assert alone[0][2].keys() == by_topic.keys()
        for topic in by_topic:
            assert alone[0][2][topic] == pytest.approx(by_topic[topic], abs=1e-12)
        if "t3" in by_topic:  # not in the list: its own answers under N(0, 1)
            own = [r for r in rows if r[0] == learner and r[1] == "t3"]
            assert by_topic["t3"][:2] == pytest.approx(eap(*zip(*[(r[2], r[3], r[4]) for r in own])), abs=1e-9)
