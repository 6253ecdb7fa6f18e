"""A wrong option is the value its misconception's belief gives, as the feedback states the belief.

Each check derives the believed value from the record's own torch-computed key and a formula written here
(never a typed-in answer), then holds the option's text and its feedback to that belief.
"""
import pytest

from torchquiz.generator.api import run_jobs
from torchquiz.generator.settings import GenerationSettings

LEVELS = ("easy", "medium", "hard")


def _records(jobs):
    jobs = [{**job, "id": index} for index, job in enumerate(jobs)]   # run_jobs answers by position
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == [], "\n".join(f.message for f in result.failures)
    return result.records


def _labelled(record, misconception):
    """(text, feedback) of every option or typed wrong answer of a record that carries the label."""
    entries = list(record["options"]) + list(record.get("misconception_answers", []))
    return [(e["text"], e["feedback"]) for e in entries if e.get("misconception") == misconception]


@pytest.fixture(scope="module")
def mha_counts():
    # The numerical form lists every misconception that applies, so each draw shows this one.
    jobs = [{"template": "attention.mha_param_count", "type": "numerical", "difficulty": level,
             "seed": seed, "pins": {}} for seed in range(4) for level in LEVELS]
    jobs += [{"template": "attention.mha_param_count", "type": "numerical", "difficulty": "medium",
              "seed": seed, "pins": {"bias": False, "add_bias_kv": True}} for seed in range(2)]
    return _records(jobs)


def _input_projections(embed_dim, kdim, vdim, bias):
    """Weights and biases of the q, k and v projections of nn.MultiheadAttention (kdim 0: packed, all of width E)."""
    weights = embed_dim * (embed_dim + (kdim or embed_dim) + (vdim or embed_dim))
    return weights + (3 * embed_dim if bias else 0)


def test_query_projection_only_counts_one_e_by_e_projection_with_its_one_bias(mha_counts):
    seen = set()
    for record in mha_counts:
        p = record["params"]
        e, bias = p["embed_dim"], p["bias"]
        labelled = _labelled(record, "mha_query_projection_only")
        assert len(labelled) == 1, p
        text, feedback = labelled[0]
        # The belief: one projection (E x E weight, plus an E bias when bias=True) where torch has three;
        # everything else (out_proj, bias_k/bias_v) counted as torch counts it.
        believed = int(record["answer"]["text"]) - _input_projections(e, p["kdim"], p["vdim"], bias) \
            + e * e + (e if bias else 0)
        assert int(text) == believed, p
        assert f"{e} x {e}" in feedback
        assert (f"plus a bias of {e}" in feedback) == bias
        seen.add((bias, bool(p["kdim"]), p["add_bias_kv"]))
    assert {b for b, _, _ in seen} == {True, False} and {k for _, k, _ in seen} == {True, False}


def test_query_projection_only_at_embed_dim_12_is_the_brief_s_case():
    # E = 12 with biases: 144 + 12 for the one projection, 144 + 12 for out_proj.
    (record,) = _records([{"template": "attention.mha_param_count", "type": "numerical",
                           "difficulty": "easy", "seed": 0, "pins": {"head_dim": 3, "num_heads": 4}}])
    ((text, _),) = _labelled(record, "mha_query_projection_only")
    assert int(text) == 2 * (12 * 12 + 12)


@pytest.fixture(scope="module")
def stacked_dropout():
    """recurrent.dropout_warning asked about h_n of a stack (num_layers > 1), where dropout acts between the layers."""
    jobs = [{"template": "recurrent.dropout_warning", "difficulty": level, "seed": seed,
             "pins": {"ask": "h_n", "num_layers": layers}}
            for level in ("medium", "hard") for layers in (2, 3) if (level, layers) != ("medium", 3)
            for seed in range(5)]
    return _records(jobs)


def test_only_the_always_warns_belief_pictures_a_warning_for_a_stack(stacked_dropout):
    for record in stacked_dropout:
        assert record["answer"]["text"].startswith("It runs and prints"), record["params"]  # torch: no warning
        for option in record["options"]:
            if "UserWarning" in option["text"]:
                # Only this belief expects a warning here; ignoring num_layers when sizing h_n does not.
                assert option["misconception"] == "dropout_always_warns", (record["params"], option)


def test_ignoring_num_layers_in_h_n_gives_one_row_per_direction_and_no_warning(stacked_dropout):
    seen = 0
    for record in stacked_dropout:
        p = record["params"]
        directions = 2 if p["bidirectional"] else 1
        for text, feedback in _labelled(record, "hn_ignores_num_layers") + _labelled(record, "forget_num_layers"):
            # The stack is built as written (no warning); only h_n's row count loses its num_layers factor.
            assert text == f"It runs and prints ({directions}, {p['batch']}, {p['hidden_size']})", p
            assert f"ignores num_layers={p['num_layers']}" in feedback
            assert f"{p['num_layers'] * directions} rows" in feedback
            seen += 1
    assert seen, "no draw offered the num_layers belief"
