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
