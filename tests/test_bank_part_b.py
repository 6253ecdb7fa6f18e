"""Part B of the bank (pipeline, equivalence, new packing and metrics templates): every level over 10 seeds,
with real wrong options, varied keys, no failures, and the torch facts each family teaches."""
import collections

import pytest

from torchquiz.generator.settings import GenerationSettings

from torchquiz.generator.api import generate_set, run_jobs
from torchquiz.generator.catalogue import load_misconceptions

PART_B = [
    "pipeline.stage_shape", "pipeline.last_hidden", "equivalence.output_slice", "equivalence.packed_last_state",
    "packing.total_length", "packing.enforce_sorted_raises", "packing.sorted_indices", "packing.packed_hn",
    "packing.lengths_tensor",
    "metrics.specificity", "metrics.threshold", "metrics.threshold_tradeoff", "metrics.regression_error",
    "metrics.accuracy_paradox", "metrics.accuracy_paradox_verdict",
]
# Templates that ask their question as a second type too (formerly twin files); the rest make multichoice
# or, for the two accuracy-paradox templates, what their file says.
SECOND_TYPE = {"pipeline.stage_shape": "shortanswer", "pipeline.last_hidden": "multiresponse",
               "equivalence.output_slice": "multiresponse", "metrics.regression_error": "numerical"}
SEEDS_PER_LEVEL = 10
NEEDED_WRONG = {"multichoice": 3, "multiresponse": 1, "truefalse": 1}


@pytest.fixture(scope="module")
def part_b():
    result = generate_set(GenerationSettings(workers=2), templates=PART_B, count=3 * SEEDS_PER_LEVEL, seed=3)
    by_template = collections.defaultdict(list)  # one entry per template and type: "id" or "id/type"
    for record in result.records:
        second = SECOND_TYPE.get(record["template"]) == record["type"]
        by_template[record["template"] + (f"/{record['type']}" if second else "")].append(record)
    return result, by_template


SEED_001 = dict(layer="GRU", batch=1000, seq_len=10, input_size=5, hidden_size=8, num_classes=3,
                batch_first=True, bidirectional=False, num_layers=1, last_from="output")
REGRESSION = dict(pred=[2.5, 0.0, 2.1, 1.6, 3.0], target=[3.0, -0.5, 2.0, 2.0, 3.2])
# name -> (template, difficulty, seed, pins): single variants pinned to the case a test checks.
PINNED = {
    "seed_001_output": ("pipeline.stage_shape", "easy", 0, dict(ask="output", **SEED_001)),
    "seed_001_logits": ("pipeline.stage_shape", "easy", 0, dict(ask="logits", **SEED_001)),
    "last_hidden_all": ("pipeline.last_hidden", "easy", 4, {}),
    "enforce_sorted": ("packing.enforce_sorted_raises", "easy", 0, dict(lengths=[2, 5, 3])),
    "paradox": ("metrics.accuracy_paradox", "easy", 0, dict(positives=50, negatives=2450, recall_pct=12,
                                                             false_alarms=5, required=80, setting="fraud")),
    "mse": ("metrics.regression_error", "medium", 0, dict(loss="mse", **REGRESSION)),
    "mae": ("metrics.regression_error", "medium", 0, dict(loss="mae", **REGRESSION)),
    "total_length": ("packing.total_length", "hard", 0, dict(lengths=[6, 4, 2], extra=-2)),
    "sorted": ("packing.sorted_indices", "medium", 0, dict(pool=[2, 7, 4], ask="sorted_indices")),
    "unsorted": ("packing.sorted_indices", "medium", 0, dict(pool=[2, 7, 4], ask="unsorted_indices")),
}
PINNED_TYPES = {"last_hidden_all": "multiresponse", "mse": "numerical", "mae": "numerical"}  # else the first type


@pytest.fixture(scope="module")
def pinned():
    names = list(PINNED)
    jobs = [{"id": i, "template": t, "difficulty": d, "seed": s, "pins": p, "type": PINNED_TYPES.get(n)}
            for i, (n, (t, d, s, p)) in enumerate((n, PINNED[n]) for n in names)]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert not result.failures, result.failures
    records = {}
    for name, job in zip(names, jobs):
        records[name] = next(r for r in result.records if r["template"] == job["template"]
                             and r["type"] == (job["type"] or r["type"])
                             and all(r["params"].get(k) == v for k, v in job["pins"].items()))
    return records


def test_every_template_builds_at_every_level_without_failures(part_b):
    result, by_template = part_b
    assert result.failures == []
    for template in [*PART_B, *(f"{t}/{kind}" for t, kind in SECOND_TYPE.items())]:
        records = by_template[template]
        assert len(records) >= 3 * SEEDS_PER_LEVEL - 3, (template, len(records))  # a rare duplicate is dropped
        assert {r["difficulty"] for r in records} == {"easy", "medium", "hard"}, template


def test_records_are_schema_valid(part_b, validate_record):
    for records in part_b[1].values():
        for record in records:
            validate_record(record)


def test_wrong_options_are_distinct_and_each_comes_from_a_catalogued_misconception(part_b):
    catalogue = load_misconceptions()
    for template, records in part_b[1].items():
        for record in records:
            wrong = [o for o in record["options"] if not o["correct"]]
            typed_wrong = record.get("misconception_answers", [])
            if record["type"] in NEEDED_WRONG:
                assert len({o["text"] for o in wrong}) >= NEEDED_WRONG[record["type"]], record["id"]
            else:
                assert typed_wrong, record["id"]  # a typed answer still knows its misconceptions
            for option in [*wrong, *typed_wrong]:
                assert option["misconception"] in catalogue, (record["id"], option)
                assert option["text"] != record["answer"]["text"]


def test_keys_vary_across_seeds(part_b):
    for template, records in part_b[1].items():
        answers = {(r["answer"]["text"], frozenset(o["text"] for o in r["options"])) for r in records}
        wanted = 2 if records[0]["type"] == "truefalse" else 10
        assert len(answers) >= wanted, (template, len(answers))


def test_bidirectional_equivalences_are_the_documented_slices(part_b):
    checked = 0
    for record in part_b[1]["equivalence.output_slice"]:
        params = record["params"]
        if not params["bidirectional"]:
            continue
        hidden, key = params["hidden_size"], record["answer"]["text"]
        if params["row"] == 1:   # h_n[-1]: the backward direction finishes at t = 0, second half of the features
            expected = f"output[:, 0, {hidden}:]" if params["batch_first"] else f"output[0, :, {hidden}:]"
        else:                    # h_n[-2]: the forward direction finishes at the last step, first half
            expected = f"output[:, -1, :{hidden}]" if params["batch_first"] else f"output[-1, :, :{hidden}]"
        assert key == expected, record["id"]
        checked += 1
    assert checked >= 10


def test_a_packed_batch_ends_each_sequence_at_its_own_length(part_b):
    for record in part_b[1]["equivalence.packed_last_state"]:
        params = record["params"]
        if not params["bidirectional"] or params["row"] == 2:
            assert "out_lengths - 1" in record["answer"]["text"], record["id"]
        else:
            assert "out_lengths" not in record["answer"]["text"], record["id"]   # backward ends at t = 0 for all


def test_the_seed_001_pipeline_regenerates_with_torch_true_shapes(pinned):
    assert pinned["seed_001_output"]["answer"]["text"] == "(1000, 10, 8)"
    logits = pinned["seed_001_logits"]
    assert logits["answer"]["text"] == "(1000, 3)"
    assert "(1000, 10, 3)" in {o["text"] for o in logits["options"]}   # the classifier kept the time steps


def test_the_last_hidden_state_under_batch_first_is_out_colon_minus_one(pinned):
    record = pinned["last_hidden_all"]
    right = {o["text"] for o in record["options"] if o["correct"]}
    assert right == {"out[:, -1]", "h_n[-1]"}
    wrong = {o["text"] for o in record["options"] if not o["correct"]}
    assert wrong and wrong <= {"out[-1]", "out[:, 0]", "h_n", "out", "c_n[-1]"}   # out[-1] is the last sequence


def test_unsorted_lengths_with_the_default_enforce_sorted_raise_with_three_wrong_outcomes(pinned):
    record = pinned["enforce_sorted"]
    assert record["answer"]["text"] == "It raises RuntimeError"
    wrong = [o["text"] for o in record["options"] if not o["correct"]]
    assert len(set(wrong)) == 3 and all(w.startswith("It runs and prints") for w in wrong)
    assert "It runs and prints [3, 3, 2, 1, 1]" in wrong   # what enforce_sorted=False would give


def test_the_seed_accuracy_paradox_98_percent_accuracy_12_percent_recall_is_not_ready(pinned):
    record = pinned["paradox"]
    assert "98.0% accuracy and 12% recall" in record["stem"]
    assert record["answer"]["text"] == "False"
    wrong = next(o for o in record["options"] if not o["correct"])
    assert wrong["text"] == "True" and wrong["misconception"] == "ready_by_accuracy"


def test_mse_and_mae_come_from_torch_and_agree_with_the_formula(pinned):
    mse, mae = pinned["mse"], pinned["mae"]
    assert mse["answer"]["value"] == pytest.approx((0.25 + 0.25 + 0.01 + 0.16 + 0.04) / 5)
    assert mae["answer"]["value"] == pytest.approx((0.5 + 0.5 + 0.1 + 0.4 + 0.2) / 5)
    assert "F.mse_loss(pred, target)" in mse["code"] and "F.l1_loss(pred, target)" in mae["code"]


def test_total_length_below_the_longest_sequence_raises_value_error(pinned):
    record = pinned["total_length"]
    assert record["answer"]["text"] == "It raises ValueError"
    assert {"total_length_truncates", "total_length_ignored"} <= {o["misconception"] for o in record["options"]}


def test_sorted_indices_are_positions_longest_first(pinned):
    assert pinned["sorted"]["answer"]["text"] == "[1, 2, 0]"
    unsorted = pinned["unsorted"]
    assert unsorted["answer"]["text"] == "[2, 0, 1]"
