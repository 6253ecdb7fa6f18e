"""The content review's ten defects (stems, option feedback, hints and solutions around keys torch computed),
each checked on the reviewer's own variant, built through the real generator, and as a property over many seeds."""
import ast
import re

import pytest

from torchquiz.generator.api import run_jobs
from torchquiz.generator.settings import GenerationSettings

LEVELS = ("easy", "medium", "hard")
SEEDS = range(12)


def job(template, difficulty, seed, pins=None, kind=None):
    return {"template": template, "difficulty": difficulty, "seed": seed, "pins": pins or {}, "type": kind}


# name -> a variant the review quotes (`torchquiz preview TEMPLATE --seed S --difficulty D [--type T]`).
REVIEWED = {
    "nested_easy": job("transformer.nested_tensor_warning", "easy", 11000000),
    "nested_medium": job("transformer.nested_tensor_warning", "medium", 1),
    "nested_one_head": job("transformer.nested_tensor_warning", "hard", 0, {"nhead": 1}),
    "tradeoff_down": job("metrics.threshold_tradeoff", "hard", 3000047),
    "tradeoff_up": job("metrics.threshold_tradeoff", "hard", 3000008),
    "output_vs_hn": job("concept.output_vs_hn", "easy", 11000000),
    "output_slice_backward": job("equivalence.output_slice", "hard", 11000002, kind="multiresponse"),
    "variable_length": job("concept.variable_length", "easy", 11000000),
    "variable_length_rnn": job("concept.variable_length", "easy", 21000000),
    "confusion_recall": job("metrics.confusion_metric", "easy", 11000000),
    "last_hidden": job("pipeline.last_hidden", "medium", 11000001),
    "unbatched": job("error.unbatched_input", "medium", 11000001),
    "sizes_easy": job("constructor.recurrent_sizes", "easy", 11000000, kind="multiresponse"),
    "sizes_medium": job("constructor.recurrent_sizes", "medium", 11000001, kind="multiresponse"),
    "threshold_one": job("metrics.threshold", "hard", 11000002),
    **{f"mask_one_{i}": job("attention.key_padding_mask", "easy", i, {"pick": 0}) for i in range(6)},  # length 1
    "conv_padding_one": job("conv1d.output_length", "hard", 11000002),
}
# template (and type) -> variants at every level over SEEDS, for the properties
SWEEPS = [("transformer.nested_tensor_warning", None), ("metrics.threshold_tradeoff", None),
          ("concept.output_vs_hn", None), ("equivalence.output_slice", "multiresponse"),
          ("concept.variable_length", None), ("metrics.confusion_metric", None),
          ("metrics.confusion_metric", "numerical"), ("pipeline.last_hidden", None),
          ("constructor.recurrent_sizes", "multiresponse"), ("attention.key_padding_mask", None),
          ("transformer.encoder_shape", None)]


@pytest.fixture(scope="module")
def built():
    names = list(REVIEWED)
    jobs = [REVIEWED[n] for n in names]
    jobs += [job(t, level, 1000 + i, kind=kind) for t, kind in SWEEPS for level in LEVELS for i in SEEDS]
    jobs += [job("metrics.threshold_tradeoff", "hard", 5000 + i) for i in range(60)]  # precision claims only
    jobs = [{**j, "id": i} if j["type"] else {**{k: v for k, v in j.items() if k != "type"}, "id": i}
            for i, j in enumerate(jobs)]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert not result.failures, result.failures[0].message
    by_job = dict(zip(range(len(jobs)), result.outcomes))
    reviewed = {name: by_job[i] for i, name in enumerate(names)}
    swept = {}
    for j in jobs[len(names):]:
        record = by_job[j["id"]]
        if isinstance(record, dict):
            swept.setdefault((j["template"], j.get("type")), []).append(record)
    return reviewed, swept


def texts(record):
    """Every text a learner or teacher reads."""
    yield record["stem"]
    yield record["hint"]
    yield from record["solution"]
    yield from record.get("common_mistakes") or []
    for option in record.get("options") or []:
        yield option["text"]
        yield option["feedback"]
    for wrong in record.get("misconception_answers") or []:
        yield wrong.get("feedback", "")


# 1. transformer.nested_tensor_warning: the hint presupposed a warning, also where nothing warns.

def test_nested_tensor_hint_asks_whether_it_warns_instead_of_saying_it_does(built):
    reviewed, swept = built
    for name in ("nested_easy", "nested_medium"):
        record = reviewed[name]
        assert "Warning" not in record["answer"]["text"]
        assert record["hint"].startswith("Does this encoder warn?"), record["hint"]
    records = swept[("transformer.nested_tensor_warning", None)]
    silent = [r for r in records if "Warning" not in r["answer"]["text"]]
    assert silent and len(silent) < len(records)  # both kinds of key are drawn
    for record in records:  # the hint never states that there is a warning
        assert not re.search(r"\bthe warning\b|\bwarns about\b", record["hint"], re.I), record["hint"]


# 2. metrics.threshold_tradeoff: where precision goes against the usual trend, the wrong answer's feedback said
#    "threshold working backwards" to a learner who had the direction right.

LABELS = re.compile(r"Labels: `(\[[^`]*\])`")


def precisions(record):
    """Precision at t_low and t_high, recomputed here from the stem's labels and the record's scores."""
    params = record["params"]
    labels = ast.literal_eval(LABELS.search(record["stem"]).group(1))

    def precision(threshold):
        flagged = [label for score, label in zip(params["scores"], labels) if score >= threshold]
        return sum(flagged) / len(flagged)

    return precision(params["t_low"]), precision(params["t_high"])


def test_precision_against_the_trend_is_explained_by_the_counts_not_by_a_reversed_threshold(built):
    reviewed, _ = built
    for name in ("tradeoff_down", "tradeoff_up"):
        record = reviewed[name]
        low, high = precisions(record)
        assert high <= low  # the reviewed cases: precision does not rise
        wrong = next(o for o in record["options"] if not o["correct"])
        assert wrong["misconception"] == "precision_always_rises"
        assert "working backwards" not in wrong["feedback"]
        assert "true positive" in wrong["feedback"] and "false positive" in wrong["feedback"]
        assert "What happens to FP and FN" not in record["hint"]
        assert str(record["params"]["t_low"]) in record["hint"] and str(record["params"]["t_high"]) in record["hint"]


def test_threshold_tradeoff_labels_follow_the_data_over_many_seeds(built):
    _, swept = built
    records = swept[("metrics.threshold_tradeoff", None)]
    labels = set()
    for record in records:
        wrong = next(o for o in record["options"] if not o["correct"])
        labels.add(wrong["misconception"])
        if not record["params"]["claim"].startswith("precision"):
            assert wrong["misconception"] == "threshold_direction_reversed"
            continue
        low, high = precisions(record)
        # "Working backwards" only where precision did rise; otherwise the usual trend is the mistake.
        expected = "threshold_direction_reversed" if high > low else "precision_always_rises"
        assert wrong["misconception"] == expected, (record["provenance"]["seed"], low, high)
        assert "What happens to FP and FN" not in record["hint"]
    assert labels == {"threshold_direction_reversed", "precision_always_rises"}


# 3. concept.output_vs_hn: "The last time step of every layer ..." got the feedback "describes h_n[-1]".

def test_every_layers_last_step_is_described_as_h_n_with_its_own_feedback(built):
    reviewed, swept = built
    record = reviewed["output_vs_hn"]
    stacked = next(o for o in record["options"] if o["text"].startswith("The last time step of every layer"))
    assert "describes h_n," in stacked["feedback"] and "h_n[-1]" not in stacked["feedback"]
    for record in [reviewed["output_vs_hn"], *swept[("concept.output_vs_hn", None)]]:
        wrong = [o["feedback"] for o in record["options"] if not o["correct"]]
        assert len(set(wrong)) == len(wrong), record["id"]  # no two options share one feedback


# 4. equivalence.output_slice (multiresponse): "an explicit index N is the same step as -1" after a key at t = 0.

def test_explicit_index_remark_only_where_the_key_is_at_the_last_step(built):
    reviewed, swept = built
    record = reviewed["output_slice_backward"]
    assert record["params"]["bidirectional"] and record["params"]["row"] == 1
    assert "explicit index" not in " ".join(record["solution"])
    remarks = 0
    for record in swept[("equivalence.output_slice", "multiresponse")]:
        backward = record["params"]["bidirectional"] and record["params"]["row"] == 1
        remark = "explicit index" in record["solution"][-1]
        assert remark == (not backward), (record["id"], record["solution"][-1])
        remarks += remark
    assert remarks


# 5. concept.variable_length (easy): the loop is a correct approach unless the stem asks for one call.

def test_the_loop_option_is_wrong_because_the_stem_asks_for_one_call(built):
    reviewed, swept = built
    offered = 0
    for record in [reviewed["variable_length"], reviewed["variable_length_rnn"],
                   *swept[("concept.variable_length", None)]]:
        if any(o["misconception"] == "loop_over_sequences_required" for o in record["options"]):
            offered += 1
            assert "in one call" in record["stem"] or "as one batch" in record["stem"], record["stem"]
    assert offered
    assert "build an RNN-based model" in reviewed["variable_length_rnn"]["stem"]


# 6. metrics.confusion_metric: "the first row/column" of a matrix the learner never sees (and whose layout varies).

def test_confusion_metric_hints_name_the_counts_not_matrix_rows(built):
    reviewed, swept = built
    assert "(TP and FN)" in reviewed["confusion_recall"]["hint"]
    records = swept[("metrics.confusion_metric", None)] + swept[("metrics.confusion_metric", "numerical")]
    assert {r["params"]["metric"] for r in records} >= {"precision", "recall"}
    for record in records:
        assert not re.search(r"\b(row|column|diagonal)\b", record["hint"]), record["hint"]
        if record["params"]["metric"] == "precision":
            assert "(TP and FP)" in record["hint"]


# 7. pipeline.last_hidden: with key h_n[-1], the hint and solution led with an out[...] expression.

def test_a_key_of_h_n_is_led_to_by_h_n(built):
    reviewed, swept = built
    records = [reviewed["last_hidden"], *swept[("pipeline.last_hidden", None)]]
    assert reviewed["last_hidden"]["answer"]["text"] == "h_n[-1]"
    for record in records:
        if record["answer"]["text"] == "h_n[-1]":
            assert "h_n" in record["hint"] and "out" not in record["hint"], record["hint"]
            assert record["solution"][0].startswith("h_n is"), record["solution"][0]
        else:
            assert "out" in record["hint"]


# 8. error.unbatched_input and two_d_input_rejected: "only 1-D or 4-D inputs raise" is false.

def test_unbatched_input_states_which_dimensions_torch_accepts(built):
    import torch
    from torch import nn

    record = built[0]["unbatched"]
    text = " ".join(texts(record))
    assert "1-D or 4-D" not in text
    assert "only 2-D, unbatched, and 3-D, batched, inputs are accepted" in record["solution"][0]
    rnn = nn.RNN(3, 4)
    for shape in [(3,), (2, 3), (5, 2, 3), (2, 5, 2, 3), (1, 2, 5, 2, 3)]:  # what the sentence claims, in torch
        if len(shape) in (2, 3):
            rnn(torch.zeros(shape))
        else:
            with pytest.raises(ValueError):
                rnn(torch.zeros(shape))


# 9. constructor.recurrent_sizes (multiresponse): two wrong calls built the same layer; the stem was singular.

def built_layer(call):
    """What torch builds from an option's call: (type, input_size, hidden_size, bidirectional), or the error."""
    from torch import nn

    try:
        layer = eval(call, {"nn": nn})  # the option is a constructor call the template rendered
    except TypeError as exc:
        return ("TypeError", str(exc))
    return (type(layer).__name__, layer.input_size, layer.hidden_size, layer.bidirectional)


def test_multiresponse_constructor_calls_build_distinct_wrong_layers(built):
    reviewed, swept = built
    records = [reviewed["sizes_easy"], reviewed["sizes_medium"], *swept[("constructor.recurrent_sizes", "multiresponse")]]
    for record in records:
        assert "Which calls" in record["stem"] and "Which call " not in record["stem"], record["stem"]
        right = {built_layer(o["text"]) for o in record["options"] if o["correct"]}
        assert len(right) == 1
        wrong = [built_layer(o["text"]) for o in record["options"] if not o["correct"]]
        assert len(set(wrong)) == len(wrong) and not set(wrong) & right, (record["id"], wrong)


# 10. Counts and articles: "1 rows", "1 sequences", "1 heads", "the 1 real steps", "1 zeros", "step(s)", "a RNN".

# a count of 1 before a plural noun (not "... + 1 steps" of a formula, whose count is the whole sum)
UNPLURAL = re.compile(r"(?<![-+*/] )\b1 (?:[A-Za-z]+ )?(rows|sequences|heads|steps|positions|zeros|layers|positives|negatives)\b")


def test_counts_of_one_are_singular_and_nothing_says_s_in_brackets(built):
    reviewed, swept = built
    every = [*reviewed.values(), *(r for records in swept.values() for r in records)]
    for record in every:
        for text in texts(record):
            assert not UNPLURAL.search(text), (record["id"], text)
            assert "(s)" not in text, (record["id"], text)
            assert not re.search(r"\ba (RNN|LSTM)\b", text), (record["id"], text)
    # The reviewed variants really have a count of 1 where the defect was.
    assert "= 1 row:" in reviewed["output_vs_hn"]["solution"][1]
    assert any(s.endswith(": 1 sequence.") for s in reviewed["threshold_one"]["solution"])
    assert any("This layer has 1 head, an odd number" in s for s in reviewed["nested_one_head"]["solution"])
    masks = [reviewed[f"mask_one_{i}"] for i in range(6)]
    assert all(r["params"]["length"] == 1 for r in masks)
    kept = [o["feedback"] for r in masks for o in r["options"] if o["misconception"] == "key_padding_mask_true_keeps"]
    assert kept and all("the 1 real step is attended to" in f for f in kept), kept
    conv = [o["feedback"] for o in reviewed["conv_padding_one"]["options"] if "zero" in o["feedback"]]
    assert conv and all("adds 1 zero at *each* end" in f for f in conv), conv
