"""Misconception labels that are true (issue 9.4): a label and its feedback only where its precondition holds."""
import copy
import re

import pytest

from torchquiz.generator.api import run_jobs
from torchquiz.generator.bankstats import false_labels, flags_for, template_stats
from torchquiz.generator.catalogue import load_misconceptions
from torchquiz.generator.settings import GenerationSettings
from torchquiz.generator.templates import load_bank

# The case: total_length = 6 + 4 = 10 is past the longest length, so (2, 6, 2) is "total_length ignored".
ABOVE = dict(lengths=[6, 1], features=2, extra=4)
BELOW = dict(lengths=[6, 4, 2], features=3, extra=-2)   # hard: total_length 4 < 6, torch raises ValueError
TRUNCATES = "total_length_truncates"


@pytest.fixture(scope="module")
def total_length_records():
    jobs = [{"id": 0, "template": "packing.total_length", "difficulty": "easy", "seed": 0, "pins": ABOVE}]
    jobs += [{"id": i, "template": "packing.total_length", "difficulty": "hard", "seed": i, "pins": BELOW}
             for i in range(1, 7)]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == []
    return result.records[0], result.records[1:]


def test_total_length_past_the_longest_is_labelled_ignored_not_truncates(total_length_records):
    record, _ = total_length_records
    assert record["params"]["total_length"] == 10
    by_text = {o["text"]: o for o in record["options"]}
    assert record["answer"]["text"] == "It runs and prints (2, 10, 2)"
    option = by_text["It runs and prints (2, 6, 2)"]
    assert option["misconception"] == "total_length_ignored"
    assert TRUNCATES not in {o["misconception"] for o in record["options"]}
    # The feedback speaks of this variant: total_length pads past 6; nothing here raises.
    assert "past the longest sequence (6)" in option["feedback"] and "raises" not in option["feedback"]


def test_a_total_length_below_the_longest_still_shows_the_truncation_misconception(total_length_records):
    _, below = total_length_records
    assert all(r["answer"]["text"] == "It raises ValueError" for r in below)
    truncated = [o for r in below for o in r["options"] if o["misconception"] == TRUNCATES]
    assert truncated, "6 draws of 3 of the 4 applicable misconceptions never offered the truncation"
    assert all("(6, 3, 3)" not in o["text"] for o in truncated)   # cut to 4 steps, not padded to 6
    ignored = [o for r in below for o in r["options"] if o["misconception"] == "total_length_ignored"]
    assert ignored and all("is shorter than the longest sequence (6)" in o["feedback"] for o in ignored)


def test_the_catalogue_precondition_decides_and_explains():
    truncates = load_misconceptions()[TRUNCATES]
    assert not truncates.applies({"lengths": [6, 1], "total_length": 10})
    assert truncates.applies({"lengths": [6, 1], "total_length": 4})
    assert truncates.contradiction({"lengths": [6, 1], "total_length": 10}) == (
        "requires total_length < (lengths | max), which is false here")
    assert truncates.contradiction({"lengths": [6, 1]}) is None   # a variant without the name is not judged


def test_bank_stats_flags_an_untrue_label_with_its_level_and_reason(total_length_records):
    record, _ = total_length_records
    catalogue = load_misconceptions()
    assert false_labels([record], catalogue) == {}
    mislabelled = copy.deepcopy(record)   # what the generator gave before preconditions existed
    next(o for o in mislabelled["options"] if o["text"] == "It runs and prints (2, 6, 2)")["misconception"] = TRUNCATES
    why = f"{TRUNCATES}: requires total_length < (lengths | max), which is false here"
    assert false_labels([mislabelled], catalogue) == {"easy": {why: 1}}
    template = load_bank()[0]["packing.total_length"]
    stats = template_stats(template, [mislabelled], 1, [], catalogue)
    assert f"false label at easy (1x): {why}" in flags_for(stats)


NEEDS_DEPTH = """\
needs_depth:
  description: Pictures a depth.
  feedback: "{{ wrong }} is wrong; the right answer is {{ key }}."
  requires: "depth > 1"
  set: {ask: h_n}
"""


def _fixture_bank(write_bank, catalogue):
    from test_templates import GOOD

    template = GOOD.replace("[swap_batch_seq,", "[needs_depth, swap_batch_seq,")
    return write_bank({"shape/fixture.yaml": template}, catalogue=catalogue)


def test_a_precondition_on_a_name_the_template_lacks_is_a_validation_problem(write_bank):
    _, problems = load_bank([_fixture_bank(write_bank, NEEDS_DEPTH)])
    assert [p.message for p in problems] == ["its requires uses 'depth', which is not a parameter of this template"]


def test_a_precondition_that_is_not_an_expression_is_a_catalogue_problem(write_bank):
    broken = NEEDS_DEPTH.replace('requires: "depth > 1"', 'requires: "depth >"')
    _, problems = load_bank([_fixture_bank(write_bank, broken)])
    assert len(problems) == 1 and "needs_depth.requires='depth >': jinja syntax error" in str(problems[0])



def test_a_cell_state_mix_up_is_named_for_the_layer_that_has_the_cell_state():
    # concept.output_vs_hn had tagged "The cell state; the hidden state is in c_n" gru_has_cell_state for nn.LSTM too:
    # the end screen told an LSTM learner they believe GRU keeps a cell state. Each catalogue entry now says which
    # layers it can be true of, and bank stats judges every label by it.
    catalogue = load_misconceptions()
    gru, lstm = catalogue["gru_has_cell_state"], catalogue["lstm_cell_state_as_hidden"]
    assert gru.contradiction({"layer": "LSTM"}) and not gru.contradiction({"layer": "GRU"})
    assert lstm.contradiction({"layer": "GRU"}) and not lstm.contradiction({"layer": "LSTM"})
    jobs = [{"id": k, "template": "concept.output_vs_hn", "difficulty": "easy", "seed": k,
             "pins": {"ask": "h_n", "layer": ("LSTM", "GRU", "RNN")[k % 3]}} for k in range(18)]
    records = run_jobs(jobs, GenerationSettings(workers=1)).records
    seen = set()
    for record in records:
        for option in record["options"]:
            if "cell state" in option["text"]:
                want = "lstm_cell_state_as_hidden" if record["params"]["layer"] == "LSTM" else "gru_has_cell_state"
                assert option["misconception"] == want, record["params"]
                seen.add(record["params"]["layer"])
            if "initial hidden state" in option["text"]:
                assert option["misconception"] == "hn_is_initial_state"
    assert seen == {"LSTM", "GRU", "RNN"}                # every branch was drawn at least once
    assert false_labels(records, catalogue) == {}


# Labels and feedback the transform audit found untrue of their variant (each job: template, level, pins).
AUDITED = {
    "sorted lengths": ("packing.enforce_sorted_raises", "hard", {"lengths": [5, 3, 1]}),
    "no error to name": ("attention.embed_dim_heads", "easy", {}),
    "accuracy mixes classes": ("metrics.threshold", "medium", {}),
    "embedding has no batch_first": ("embedding.output_shape", "easy", {}),
    "weights are batch first": ("attention.mha_output_shape", "hard", {"ask": "weights", "batch_first": False}),
    "column of the mask": ("transformer.subsequent_mask", "hard", {}),
    "tril blocks the diagonal": ("attention.causal_mask", "hard", {"mask_kind": "bool_tril"}),
    "comment is not the layout": ("error.batch_first_default", "easy", {}),
}


@pytest.fixture(scope="module")
def audited_records():
    cases = [(name, seed) for name in AUDITED for seed in range(6)]
    jobs = [{"id": k, "template": AUDITED[name][0], "difficulty": AUDITED[name][1], "seed": seed,
             "pins": AUDITED[name][2]} for k, (name, seed) in enumerate(cases)]
    result = run_jobs(jobs, GenerationSettings(workers=2))   # identical draws come back once
    assert result.failures == []
    return {name: [r for r in result.records if r["template"] == template]
            for name, (template, _, _) in AUDITED.items()}


def options_of(records, misconception):
    return [o for r in records for o in r["options"] if o["misconception"] == misconception]


def test_audited_labels_hold_of_their_variants(audited_records):
    cases = audited_records
    # Lengths already in decreasing order: packing runs, so "must be sorted or torch raises" is untrue.
    assert not [o for r in cases["sorted lengths"] for o in r["options"]
                if (o["misconception"] or "").startswith("sorted_for_you")]
    assert all(r["answer"]["text"].startswith("It runs") for r in cases["sorted lengths"])
    # A layer that builds: no "torch reports this problem with It runs ...".
    for option in options_of(cases["no error to name"], "expects_value_error"):
        assert "nothing here is wrong" in option["feedback"] and "reports this problem" not in option["feedback"]
    for option in options_of(cases["accuracy mixes classes"], "accuracy_paradox"):
        assert "accuracy is high" not in option["feedback"] and "mixes both classes" in option["feedback"]
    for option in options_of(cases["embedding has no batch_first"], "swap_batch_seq"):
        assert "batch_first" not in option["feedback"]
    assert not options_of(cases["weights are batch first"], "swap_batch_seq")
    assert options_of(cases["weights are batch first"], "attn_weights_follow_layout")
    for option in options_of(cases["column of the mask"], "causal_mask_transposed"):
        assert "says which queries may see key" in option["feedback"]
    assert not options_of(cases["tril blocks the diagonal"], "causal_mask_blocks_diagonal")
    assert not options_of(cases["comment is not the layout"], "swap_batch_seq")
    assert false_labels([r for records in cases.values() for r in records], load_misconceptions()) == {}


def test_stop18_audit_texts_are_true_of_their_variants():
    """The stop-18 key audit: a solution naming foils the variant does not show, feedback whose arithmetic
    left out out_proj, a loop over sequences called 'works' where the question asks for the batch, and
    '1 real steps'. Each case is built with its parameters pinned, and the text is checked against them."""
    cases = [("concept.layer_purpose", "easy", {"foils": "operations"}),
             ("concept.layer_purpose", "easy", {"foils": "tasks"}),
             ("attention.mha_param_count", "easy", {}),
             ("concept.variable_length", "easy", {"foils": "wrong_tool"}),
             ("attention.key_padding_mask", "easy", {"length": 1})]
    jobs = [{"id": k, "template": t, "difficulty": level, "seed": seed, "pins": pins}
            for k, ((t, level, pins), seed) in enumerate((case, seed) for case in cases for seed in range(3))]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == []
    by = {}
    for record in result.records:
        by.setdefault((record["template"], record["params"].get("foils")), []).append(record)
    for (template, foils), records in by.items():
        for record in records:
            text = " ".join(record["solution"] + [o["text"] for o in record["options"]])
            if template == "concept.layer_purpose":
                shown = " ".join(o["text"] for o in record["options"])
                assert ("PCA" in record["solution"][-1]) == ("PCA" in shown), text
                assert ("sorting" in record["solution"][-1]) == ("ascending" in shown), text
            if template == "attention.key_padding_mask":
                assert "1 real step." in record["stem"] and "keys get positive weights" not in text
    mha = [o for r in by[("attention.mha_param_count", None)] for o in r["options"]
           if o["misconception"] == "mha_query_projection_only"]
    assert mha and all("besides out_proj" in o["feedback"] for o in mha)
    loops = [o for r in by[("concept.variable_length", "wrong_tool")] for o in r["options"]
             if o["misconception"] == "loop_over_sequences_required"]
    assert loops and all("does not handle the batch" in o["feedback"] and "works" not in o["feedback"] for o in loops)


def test_multiple_response_feedback_names_every_right_option():
    """A wrong option's feedback that names the right answer names all of them where several are right
    ('The right answers are out[:, -1] and h_n[-1].'): the audit found 'The right answer is out[:, -1]'
    beside a right h_n[-1]."""
    from torchquiz.generator.api import load_templates, variant_jobs

    templates = load_templates()
    chosen = [templates[t] for t in ("equivalence.output_slice", "pipeline.last_hidden", "constructor.recurrent_sizes")]
    jobs = variant_jobs(chosen, 3, seed=8181, types=("multiresponse",))
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == [] and result.records
    named = 0
    for record in result.records:
        rights = [o["text"] for o in record["options"] if o["correct"]]
        for option in record["options"]:
            if not option["correct"] and re.search(r"right (answer|call)s? (is|are)", option["feedback"]):
                named += 1
                assert all(right in option["feedback"] for right in rights), (record["id"], option["feedback"])
    assert named
