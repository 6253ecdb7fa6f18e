"""Adaptive selection: target success, exposure, topics, stop rule, near variants."""
import random
import subprocess
import sys

import numpy as np
import pytest

from torchquiz.engine.irt import LABEL_PRIOR, estimate_ability, p_correct
from torchquiz.engine.near_schedule import (NearVariant, allowance, due_near_variant, find_near_variant,
                                            schedule_near_variant, settle_pending)
from torchquiz.engine.selection import LEVELS, Item, ItemPool, Response, predicted_success, select_index
from quiz_fixtures import select_next

TOPICS = ["rnn", "gru", "lstm", "packing", "metrics", "shape"]


def make_pool(n=240, spread=True):
    items = []
    for j in range(n):
        label = ["easy", "medium", "hard"][j % 3]
        b = LABEL_PRIOR[label] + ((j * 37) % 21 - 10) / 20 if spread else LABEL_PRIOR[label]
        items.append(Item(f"tpl{j % 12}:{j:012x}", f"tpl{j % 12}", TOPICS[(j // 3) % 6], label, b,
                          misconceptions=frozenset({"forget_bidirectional_doubling"}) if j % 4 == 0 else frozenset()))
    return items


def answer(item, correct, misconception=None):
    return Response(item.id, item.topic, item.b, correct, misconception, item.a)


def test_picks_an_unseen_item_near_the_target_success():
    pool = make_pool()
    rng = random.Random(3)
    history = []
    for k in range(15):
        item = select_next(pool, history, rng)
        assert item.id not in {r.item_id for r in history}
        theta, _ = estimate_ability(history)
        assert abs(p_correct(theta, item.b, item.a) - 0.70) < 0.12
        history.append(answer(item, k % 3 != 0))


def test_target_is_configurable():
    pool = make_pool()
    hard = select_next(pool, [], random.Random(1), target=0.3)
    easy = select_next(pool, [], random.Random(1), target=0.9)
    assert p_correct(0.0, hard.b) < 0.45 and p_correct(0.0, easy.b) > 0.78
    with pytest.raises(ValueError, match="target=1.5"):
        select_next(pool, [], random.Random(1), target=1.5)


def test_none_when_everything_is_seen():
    pool = make_pool(6)
    history = [answer(item, True) for item in pool]
    assert select_next(pool, history, random.Random(0)) is None
    assert select_next([], [], random.Random(0)) is None


def test_same_rng_seed_same_choice_and_list_equals_prepared_pool():
    pool = make_pool()
    history = [answer(pool[0], True), answer(pool[5], False)]
    a = select_next(pool, history, random.Random(42))
    b = select_next(ItemPool(pool), history, random.Random(42))
    assert a == b


def test_first_pick_is_spread_over_many_items():
    pool = make_pool()
    firsts = {select_next(pool, [], random.Random(seed)).id for seed in range(300)}
    assert len(firsts) >= 15


def test_topics_are_balanced():
    pool = make_pool()
    rng = random.Random(7)
    history = []
    for k in range(6):
        item = select_next(pool, history, rng)
        history.append(answer(item, True))
    assert {r.topic for r in history} == set(TOPICS)


def test_level_moves_up_as_the_learner_gets_answers_right():
    pool = make_pool(spread=False)
    rng = random.Random(2)
    history, labels = [], []
    for _ in range(12):
        item = select_next(pool, history, rng)
        labels.append(item.label)
        history.append(answer(item, True))
    assert labels[0] == "easy" and labels[-1] == "hard"
    order = {"easy": 0, "medium": 1, "hard": 2}
    assert [order[l] for l in labels] == sorted(order[l] for l in labels)


def test_over_exposed_items_are_avoided():
    pool = ItemPool(make_pool())
    free = select_next(pool, [], random.Random(0))
    pool.exposure[:] = 0.5
    pool.exposure[pool.index[free.id]] = 0.0
    for seed in range(20):
        assert select_next(pool, [], random.Random(seed)).id == free.id


def test_prepared_pool_takes_recalibrated_parameters():
    pool = ItemPool(make_pool())
    item = pool.items[7]
    pool.set_parameters(item.id, 2.5, a=1.4)
    assert pool.item(7).b == 2.5 and pool.item(7).a == 1.4


def test_near_variant_is_scheduled_after_a_wrong_answer_at_the_same_level_or_easier():
    pool = ItemPool(make_pool())
    medium = next(i for i in pool.items if i.label == "medium" and i.misconceptions)
    wrong = answer(medium, False, "forget_bidirectional_doubling")
    pending = schedule_near_variant((), medium, wrong, position=1, delay=3)
    assert pending == (NearVariant(medium.template, "forget_bidirectional_doubling", 4, 1),)
    assert schedule_near_variant(pending, medium, wrong, position=2) == pending     # no duplicates
    assert schedule_near_variant((), medium, answer(medium, True), position=1) == ()
    assert schedule_near_variant((), medium, answer(medium, False), position=1) == ()
    assert schedule_near_variant((), medium, wrong, position=1, room=0) == ()       # the quiz's share used up
    served = find_near_variant(pool, pending[0], [medium.id])
    assert served.template == medium.template and served.id != medium.id
    assert served.label in ("easy", "medium")   # never harder than the question missed
    assert settle_pending(pending, served) == ()
    assert find_near_variant(pool, NearVariant("tpl1", "forget_bidirectional_doubling", 0), []) is None


def test_near_variant_aimed_at_the_learner_comes_at_the_level_they_can_show_it_fixed():
    misconception = "forget_bidirectional_doubling"
    pool = ItemPool([Item(f"t:{label}{k}", "t", "lstm", label, LABEL_PRIOR[label] + 0.1 * k,
                          misconceptions=frozenset({misconception})) for label in LABEL_PRIOR for k in range(2)])
    missed = pool.items[pool.index["t:hard0"]]
    variant = NearVariant("t", misconception, 0, LEVELS["hard"])
    assert find_near_variant(pool, variant, [missed.id]).id == "t:hard1"          # nearest level, no aim
    assert find_near_variant(pool, variant, [missed.id], aim=(-1.5, 0.0, 0.7)).label == "easy"
    assert find_near_variant(pool, variant, [missed.id], aim=({"lstm": 2.0}, 0.0, 0.7)).id == "t:hard1"
    assert find_near_variant(pool, variant, [missed.id], aim=({"gru": 0.5}, 0.0, 0.7)).label == "medium"  # other topics' mean


def test_due_near_variants_do_not_replay_in_the_order_they_were_missed():
    pool = ItemPool(make_pool())
    templates = [f"tpl{k}" for k in (0, 4, 8)]            # the templates whose items test the misconception
    pending = [NearVariant(t, "forget_bidirectional_doubling", 0) for t in templates]
    firsts = {due_near_variant([pool], pending, [], 5, random.Random(seed)).template for seed in range(30)}
    assert firsts == set(templates)                      # any due one may come first, not always the oldest
    assert due_near_variant([pool], pending, [], -1, random.Random(0)) is None   # none due yet
    assert allowance(20) == 2 and allowance(3) == 1


def test_level_cap_and_template_penalty():
    pool = ItemPool(make_pool())
    seen = np.zeros(len(pool), bool)
    counts = np.zeros(len(pool.topics), np.int64)
    picks = {select_index(pool, seen, counts, 3.0, random.Random(s), max_level=0) for s in range(20)}
    assert all(pool.items[i].label == "easy" for i in picks)   # a strong ability, but capped at easy
    used = np.ones(len(pool.template_code), bool)
    used[pool.template_code["tpl5"]] = False
    picks = {select_index(pool, seen, counts, 0.0, random.Random(s), used_templates=used, template_weight=5.0)
             for s in range(20)}
    assert {pool.items[i].template for i in picks} == {"tpl5"}  # unused templates first


def test_selection_on_a_large_prepared_pool():
    items = [Item(f"t:{j:012x}", "t", TOPICS[j % 6], "medium", (j % 400) / 100 - 2) for j in range(100_000)]
    pool = ItemPool(items)
    history = []
    rng = random.Random(0)
    for k in range(10):
        item = select_next(pool, history, rng)
        history.append(answer(item, True))
    assert len({r.item_id for r in history}) == 10
    assert estimate_ability(history)[0] > 1.0


def test_selection_never_imports_torch():
    code = ("import sys, random; from torchquiz.engine import selection as s;"
            "p = s.as_pool([s.Item('a:000000000000','a','rnn','easy',-1.0)]); seen, counts = s.history_state(p, []);"
            "s.select_index(p, seen, counts, 0.0, random.Random(0));"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_band_keeps_picks_close_to_the_target_even_for_steep_items():
    pool = ItemPool(make_pool())
    pool.a[:] = 1.0
    steep = pool.index[make_pool()[0].id]          # an easy item, far too easy for theta = 2
    pool.a[steep] = 50.0
    history = [Response(f"x{k}", "rnn", 0.0, True) for k in range(8)]   # unknown ids: only ability
    picks = {select_next(pool, history, random.Random(s), info_weight=5.0).id for s in range(10)}
    assert pool.items[steep].id in picks            # information outweighs the miss...
    banded = {select_next(pool, history, random.Random(s), info_weight=5.0, band=0.08).id for s in range(10)}
    theta, _ = estimate_ability(history)
    assert pool.items[steep].id not in banded       # ...unless the band forbids it
    assert all(abs(p_correct(theta, pool.item(pool.index[i]).b) - 0.7) <= 0.08 for i in banded)


def test_predicted_success_is_the_posterior_average_of_the_item_curve():
    draws = np.random.default_rng(0).normal(0.3, 0.8, 200_000)
    monte_carlo = np.mean(1.0 / (1.0 + np.exp(-1.5 * (draws - (-0.4)))))
    assert abs(float(predicted_success(0.3, -0.4, 1.5, 0.8)) - monte_carlo) < 0.01
    assert float(predicted_success(0.3, -0.4, 1.5)) == pytest.approx(p_correct(0.3, -0.4, 1.5))


def test_near_variant_and_next_question_aim_by_the_same_rule():
    # At ability 0 with posterior sd 1, the plug-in success of b = -0.85 is 0.70, but averaged
    # over the posterior it is b = -1.0 that succeeds 70% of the time; both aims must agree on it.
    misconception = "forget_bidirectional_doubling"
    pool = ItemPool([Item(f"t:{b}", "t", "lstm", "easy", b, misconceptions=frozenset({misconception}))
                     for b in (-0.85, -1.0)])
    variant = NearVariant("t", misconception, 0, LEVELS["hard"])
    seen, counts = np.zeros(2, bool), np.zeros(1, np.int64)
    for sd, expected in ((0.0, "t:-0.85"), (1.0, "t:-1.0")):
        chosen = select_index(pool, seen, counts, 0.0, random.Random(0), top_k=1, window=0.0,
                              info_weight=0.0, theta_sd=sd)
        assert pool.items[chosen].id == expected
        assert find_near_variant(pool, variant, [], aim=(0.0, sd, 0.7)).id == expected


def test_a_level_cap_with_nothing_unseen_under_it_gives_way_one_label_at_a_time():
    """After misses on the last unseen easy questions the cap was dropped altogether, and a strong-looking
    estimate (or a saturated one) picked hard; now the next label up comes first."""
    pool = ItemPool(make_pool(60))
    seen = np.array([item.label == "easy" for item in pool.items])
    counts = np.zeros(len(pool.topics), np.int64)
    for seed in range(20):
        i = select_index(pool, seen, counts, 2.5, random.Random(seed), max_level=LEVELS["easy"])
        assert pool.items[i].label == "medium"
    floor = select_index(pool, ~np.array([item.label == "easy" for item in pool.items]), counts, -3.0,
                         random.Random(0), min_level=LEVELS["hard"])
    assert pool.items[floor].label == "easy"  # every hard and medium one seen: the floor gives way too
