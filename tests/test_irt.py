"""The learner model: IRT probability, EAP ability, online step and calibration."""
import math

import numpy as np
import pytest

from torchquiz.engine.calibration import CalibrationState, calibrate, calibrate_records
from torchquiz.engine.irt import GRID, LABEL_PRIOR, IRTError, estimate_ability, online_update, p_correct
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


def test_online_update_direction_and_shrinking_step():
    assert online_update(0.0, 0.0, False, 0) > 0.0  # a miss makes the item harder
    assert online_update(0.0, 0.0, True, 0) < 0.0
    first = abs(online_update(0.0, 0.0, False, 0))
    later = abs(online_update(0.0, 0.0, False, 200))
    assert later < first / 5
    assert online_update(0.3, float("nan"), True, 3) == 0.3


def test_calibration_recovers_difficulty_order_and_keeps_unseen_at_prior():
    rng = np.random.default_rng(5)
    true_b = {"e": -1.3, "m": 0.1, "h": 1.4}
    labels = {"e": "easy", "m": "medium", "h": "hard", "unused": "hard"}
    attempts = []
    for learner in range(400):
        theta = rng.normal()
        for item, b in true_b.items():
            attempts.append((item, f"L{learner}", bool(rng.random() < 1 / (1 + math.exp(-(theta - b)))), math.nan))
    b = calibrate_records(attempts, labels).b
    assert b["e"] < b["m"] < b["h"]
    for item, value in true_b.items():
        assert b[item] == pytest.approx(value, abs=0.25)
    assert b["unused"] == pytest.approx(LABEL_PRIOR["hard"], abs=0.5)


def test_calibration_rejects_an_unknown_label():
    with pytest.raises(IRTError, match="label='expert'"):
        calibrate_records([], {"x": "expert"})


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


def _template_bank_attempts(n_learners, seed=3):
    """A v2-like bank: 12 templates x 3 levels x 5 variants; b = template + level + small variant part."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 0.6, 12)
    items = [(t, level, v) for t in range(12) for level in range(3) for v in range(5)]
    true_b = {f"t{t}.{level}.{v}": base[t] + (level - 1) * 1.1 + rng.normal(0, 0.1) for t, level, v in items}
    labels = {f"t{t}.{level}.{v}": ["easy", "medium", "hard"][level] for t, level, v in items}
    templates = {f"t{t}.{level}.{v}": f"t{t}" for t, level, v in items}
    answered = [q for q in true_b if not q.endswith(".4")]  # variant 4 of every cell: never answered
    attempts = []
    for learner in range(n_learners):
        theta = rng.normal()
        for q in rng.choice(answered, 15, replace=False):
            attempts.append((q, learner, bool(rng.random() < 1 / (1 + math.exp(-1.2 * (theta - true_b[q])))), 0.0))
    return attempts, labels, templates, true_b


def test_calibration_pools_a_templates_variants():
    attempts, labels, templates, true_b = _template_bank_attempts(300)
    pooled = calibrate_records(attempts, labels, templates=templates)
    alone = calibrate_records(attempts, labels)
    unseen = [q for q in true_b if q.endswith(".4")]

    def rmse(fit, ids):
        return math.sqrt(np.mean([(fit.b[q] - true_b[q]) ** 2 for q in ids]))

    # a variant nobody answered starts from its template's fitted level, not the bare label
    assert rmse(pooled, unseen) < 0.3 < rmse(alone, unseen)
    assert rmse(pooled, true_b) < rmse(alone, true_b)
    assert pooled.spreads[0] > 0.35          # the template spread (0.6 here) is found, not assumed


def test_calibration_hyper_parameters_warm_start_the_next_fit():
    attempts, labels, templates, _ = _template_bank_attempts(150)
    first = calibrate_records(attempts, labels, templates=templates)
    again = calibrate_records([], labels, templates=templates, initial={q: (first.b[q], first.a[q]) for q in labels},
                              hyper=first.hyper, iterations=0)
    assert again.b == pytest.approx(first.b) and again.hyper["label_means"] == pytest.approx(first.label_means)


def test_calibration_modules_do_not_import_each_other_in_a_cycle():
    import subprocess
    import sys
    for module in ("irt", "topic_ability", "calibration"):
        code = f"import torchquiz.engine.{module}, sys; print(sorted(m for m in sys.modules if m.startswith('torchquiz')))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        if module == "irt":
            assert "calibration" not in out and "topic_ability" not in out


def test_the_e_step_in_chunks_gives_the_calibration_of_one_pass(monkeypatch):
    """The E-step runs over learners in chunks to bound memory (200,000-row chunks took 730 MB at 10^6 answers,
    25,000-row ones 170 MB); the chunk size must not change the fit beyond rounding."""
    from torchquiz.engine import calibration

    rng = np.random.default_rng(5)
    items, learners = rng.integers(0, 60, 6000), np.repeat(np.arange(600), 10)
    y = rng.random(6000) < 0.6
    labels = [["easy", "medium", "hard"][i % 3] for i in range(60)]

    def fit(rows):
        monkeypatch.setattr(calibration, "_CHUNK_ROWS", rows)
        state = CalibrationState.from_labels(labels, [f"t{i // 5}" for i in range(60)])
        return calibrate(state, items, learners, y, iterations=8)

    whole, chunked = fit(10**6), fit(700)
    assert np.allclose(whole.b, chunked.b, atol=1e-9) and np.allclose(whole.a, chunked.a, atol=1e-9)
