"""The learner model: IRT probability, EAP ability, online step and refit."""
import math

import numpy as np
import pytest

from torchquiz.engine.calibration import CalibrationState, calibrate
from torchquiz.engine.irt import (GRID, LABEL_PRIOR, IRTError, estimate_ability, estimate_topic_abilities,
                        online_update, p_correct, refit)
from torchquiz.engine.selection import Response


def test_p_correct_is_logistic_and_stable_far_out():
    assert p_correct(0.0, 0.0) == pytest.approx(0.5)
    assert p_correct(1.0, 0.0, a=2.0) == pytest.approx(1 / (1 + math.exp(-2)))
    assert p_correct(-800.0, 0.0) == 0.0          # no OverflowError
    assert p_correct(800.0, 0.0) == 1.0


def test_ability_with_no_history_is_the_prior():
    mean, sd = estimate_ability([])
    assert mean == pytest.approx(0.0, abs=1e-9)
    assert sd == pytest.approx(1.0, abs=0.01)


def test_ability_moves_with_answers_and_uncertainty_shrinks():
    right = [Response(f"i{k}", "rnn", 0.0, True) for k in range(5)]
    wrong = [Response(f"i{k}", "rnn", 0.0, False) for k in range(5)]
    up, sd_up = estimate_ability(right)
    down, _ = estimate_ability(wrong)
    assert up > 0.5 and down < -0.5 and up == pytest.approx(-down)
    mixed = [Response(f"i{k}", "rnn", 0.0, k % 2 == 0) for k in range(20)]
    assert estimate_ability(mixed)[1] < estimate_ability(mixed[:4])[1] < 1.0


def test_eap_matches_brute_force_integration():
    history = [Response("a", "t", -1.0, True), Response("b", "t", 0.5, False, a=1.7),
               Response("c", "t", 1.2, True, a=0.9)]
    theta = np.linspace(-8, 8, 20001)
    like = np.exp(-theta**2 / 2)
    for r in history:
        p = 1 / (1 + np.exp(-r.a * (theta - r.b)))
        like *= p if r.correct else 1 - p
    mean = (theta * like).sum() / like.sum()
    sd = math.sqrt(((theta - mean) ** 2 * like).sum() / like.sum())
    got = estimate_ability(history)
    assert got[0] == pytest.approx(mean, abs=2e-3) and got[1] == pytest.approx(sd, abs=2e-3)
    assert GRID.min() <= -5 and GRID.max() >= 5


def test_topic_abilities_use_only_their_topic():
    history = [Response("a", "lstm", 0.0, True), Response("b", "lstm", 0.0, True),
               Response("c", "gru", 0.0, False)]
    topics = estimate_topic_abilities(history)
    assert set(topics) == {"lstm", "gru"}
    assert topics["lstm"][0] > 0 > topics["gru"][0]
    assert topics["lstm"][1] < topics["gru"][1]      # two answers know more than one


def test_online_update_direction_and_shrinking_step():
    assert online_update(0.0, 0.0, False, 0) > 0.0  # a miss makes the item harder
    assert online_update(0.0, 0.0, True, 0) < 0.0
    first = abs(online_update(0.0, 0.0, False, 0))
    later = abs(online_update(0.0, 0.0, False, 200))
    assert later < first / 5
    assert online_update(0.3, float("nan"), True, 3) == 0.3


def test_refit_recovers_difficulty_order_and_keeps_unseen_at_prior():
    rng = np.random.default_rng(5)
    true_b = {"e": -1.3, "m": 0.1, "h": 1.4}
    labels = {"e": "easy", "m": "medium", "h": "hard", "unused": "hard"}
    attempts = []
    for learner in range(400):
        theta = rng.normal()
        for item, b in true_b.items():
            attempts.append((item, f"L{learner}", bool(rng.random() < 1 / (1 + math.exp(-(theta - b)))), math.nan))
    b = refit(attempts, labels)
    assert b["e"] < b["m"] < b["h"]
    for item, value in true_b.items():
        assert b[item] == pytest.approx(value, abs=0.25)
    assert b["unused"] == pytest.approx(LABEL_PRIOR["hard"], abs=0.5)


def test_refit_rejects_an_unknown_label():
    with pytest.raises(IRTError, match="label='expert'"):
        refit([], {"x": "expert"})


def test_common_discrimination_is_not_inflated_by_fitted_difficulties():
    # 2PL data with a = 1.3 everywhere, 25 attempts per item: fitting b along
    # with a used to push a towards 1.8; the correction keeps it honest.
    rng = np.random.default_rng(11)
    n_items, n_learners = 300, 750
    label = rng.integers(0, 3, n_items)
    b = np.array([-1.2, 0.0, 1.2])[label] + rng.normal(0, 0.35, n_items)
    theta = rng.normal(size=n_learners)
    items = np.array([rng.choice(n_items, 10, replace=False) for _ in range(n_learners)])
    p = 1 / (1 + np.exp(-1.3 * (theta[:, None] - b[items])))
    y = rng.random(p.shape) < p
    state = CalibrationState.from_labels(["easy", "medium", "hard"][k] for k in label)
    calibrate(state, items.ravel(), np.repeat(np.arange(n_learners), 10), y.ravel(), iterations=60)
    assert state.common_a == pytest.approx(1.3, abs=0.15)
    assert np.corrcoef(state.b, b)[0, 1] > 0.85


def test_ability_accepts_plain_records():
    records = [{"b": 0.0, "correct": True, "topic": "rnn"}, {"b": 0.5, "a": 1.4, "correct": False, "topic": "gru"}]
    responses = [Response("x", "rnn", 0.0, True), Response("y", "gru", 0.5, False, a=1.4)]
    assert estimate_ability(records) == pytest.approx(estimate_ability(responses))
    assert set(estimate_topic_abilities(records)) == {"rnn", "gru"}


def test_calibrate_records_warm_starts_and_fits_the_topic_spread():
    from torchquiz.engine.calibration import calibrate_records

    rng = np.random.default_rng(8)
    labels = {f"q{j}": ["easy", "medium", "hard"][j % 3] for j in range(30)}
    topics = {f"q{j}": ["rnn", "gru", "lstm"][(j // 3) % 3] for j in range(30)}
    attempts = []
    for learner in range(300):
        theta = {t: v for t, v in zip(["rnn", "gru", "lstm"], rng.normal(0, 1, 3))}  # unrelated topics
        for j in rng.choice(30, 12, replace=False):
            b = [-1.0, 0.0, 1.0][j % 3]
            p = 1 / (1 + math.exp(-(theta[topics[f"q{j}"]] - b)))
            attempts.append((f"q{j}", f"L{learner}", bool(rng.random() < p), math.nan))
    result = calibrate_records(attempts, labels, topics=topics)
    assert result.topic_sd >= 0.5                  # topics really are separate abilities
    assert set(result.b) == set(labels) and all(0.3 < a < 3 for a in result.a.values())
    warm = calibrate_records([], labels, initial={"q0": (2.5, 1.7)})
    assert warm.b["q0"] == pytest.approx(2.5) and warm.a["q0"] == pytest.approx(1.7)
