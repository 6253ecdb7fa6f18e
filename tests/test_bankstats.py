"""Bank statistics: the pure functions (chi-square, positions, flags) and `torchquiz bank stats` end to end."""
import json

import pytest

from torchquiz.generator.bankstats import (TemplateStats, _chi_square_sf, chi_square_uniform, correct_positions, flags_for,
                                 parameter_space, template_stats)
from torchquiz.generator.templates import load_bank

from conftest import torchquiz


@pytest.mark.parametrize("statistic, df, p", [(3.841, 1, 0.05), (7.815, 3, 0.05), (11.345, 3, 0.01),
                                              (16.266, 3, 0.001), (9.488, 4, 0.05)])
def test_chi_square_tail_matches_the_textbook_critical_values(statistic, df, p):
    assert _chi_square_sf(statistic, df) == pytest.approx(p, rel=0.01)


def test_chi_square_of_a_perfectly_uniform_placement_is_zero_with_p_one():
    assert chi_square_uniform([5, 5, 5, 5], [5, 5, 5, 5]) == (0.0, 1.0)
    statistic, p = chi_square_uniform([20, 0, 0, 0], [5, 5, 5, 5])
    assert statistic == pytest.approx(60.0) and p < 1e-10


def _record(correct_at, n_options=4, key="k", misconception="swap_batch_seq", template="t"):
    options = [{"text": f"o{i}", "correct": i in correct_at, "feedback": "f",
                "misconception": None if i in correct_at else misconception} for i in range(n_options)]
    return {"template": template, "answer": {"text": key}, "options": options}


def test_correct_positions_count_every_right_option_and_expect_by_option_count():
    records = [_record({0}), _record({1}), _record({0, 4}, n_options=5)]
    observed, expected = correct_positions(records)
    assert observed == [2, 1, 0, 0, 1]
    # each 4-option record spreads 1/4 per position; the 5-option one 2/5
    assert expected == pytest.approx([0.9, 0.9, 0.9, 0.9, 0.4])


def _stats(**overrides):
    values = dict(template="t", family="shape", type="multichoice", space=1000, space_by_level={}, attempted=30,
                  generated=30, failures=[], distinct_keys=20, distinct_answers=20, duplicates=0,
                  positions=[8, 7, 8, 7], position_p=0.99, misconceptions={}, flags=[])
    values.update(overrides)
    return TemplateStats(**values)


def test_a_varied_template_with_uniform_positions_has_no_flags():
    assert flags_for(_stats()) == []


def test_flags_name_low_variety_duplicates_bias_and_failures():
    assert any("low variety" in f for f in flags_for(_stats(distinct_answers=3)))
    assert any("duplicates" in f for f in flags_for(_stats(duplicates=20, generated=10)))
    biased = flags_for(_stats(positions=[18, 4, 4, 4], position_p=0.5))
    assert any("biased correct position" in f for f in biased)  # > half at one position
    assert any("biased correct position" in f for f in flags_for(_stats(position_p=1e-5)))
    assert flags_for(_stats(failures=["boom"], generated=29)) == ["1 failed"]


def test_variety_is_judged_against_the_parameter_space_and_truefalse_has_two_keys():
    assert flags_for(_stats(space=3, distinct_answers=3)) == []
    assert flags_for(_stats(type="truefalse", distinct_answers=2, positions=[14, 16])) == []
    assert flags_for(_stats(type="truefalse", distinct_answers=1, positions=[30, 0], position_p=1e-8)) != []


def test_variety_is_judged_relative_to_the_seeds_asked():
    few = dict(attempted=5, generated=5, positions=[2, 1, 1, 1], position_p=0.9)
    assert flags_for(_stats(distinct_answers=4, **few)) == []  # one repeat in 5 draws is chance, not a flaw
    assert any("low variety: 2 distinct keys (with their options) < 3" in f
               for f in flags_for(_stats(distinct_answers=2, **few)))
    assert any("< 5" in f for f in flags_for(_stats(distinct_answers=4)))  # 30 seeds still ask for 5


def test_position_bias_is_not_judged_on_a_small_sample():
    assert flags_for(_stats(attempted=10, generated=10, positions=[8, 1, 1, 0], position_p=0.001)) == []


def test_parameter_space_of_a_real_template_is_the_product_of_its_samplers_per_level():
    template = load_bank()[0]["equivalence.output_slice"]
    per_level, total = parameter_space(template)
    # layer 3 x input 7 x hidden 6 x batch_first 2 x batch 4 x seq_len 5 x target_row 2; hard adds num_layers 2|3
    assert per_level == {"easy": 10080, "medium": 10080, "hard": 20160}
    assert total == 40320


def test_template_stats_counts_duplicates_keys_and_misconceptions():
    template = load_bank()[0]["equivalence.output_slice"]
    records = [_record({0}, key="a"), _record({1}, key="b", misconception="first_step_is_final")]
    stats = template_stats(template, records, attempted=4, failures=[])
    assert (stats.generated, stats.duplicates, stats.distinct_keys) == (2, 2, 2)
    assert stats.duplicate_rate == 0.5
    assert stats.misconceptions == {"first_step_is_final": 3, "swap_batch_seq": 3}


LOW_VARIETY = """\
id: shape.tiny
title: A template with almost no variety
family: shape
topics: [rnn]
type: multichoice
params:
  input_size: 2
  hidden_size: {choice: [3, 4]}
  batch: 5
  seq_len: 7
  batch_first: true
  ask: output
code: |
  import torch
  import torch.nn as nn
  layer = nn.RNN({{ input_size }}, {{ hidden_size }}, batch_first=True)
  output, h_n = layer(torch.randn({{ batch }}, {{ seq_len }}, {{ input_size }}))
  print({{ ask }}.shape)
stem: What does this print?
answer: stdout
distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]
solution: ["Run it."]
hint: Run it.
"""


def test_bank_stats_flags_a_template_with_too_little_variety_and_exits_1(write_bank):
    bank = write_bank({"shape/tiny.yaml": LOW_VARIETY})
    result = torchquiz("bank", "stats", "--seeds", "12", "--no-builtin", "--bank", str(bank), check=False)
    assert result.returncode == 1, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("shape.tiny"))
    assert "low variety" in row and "duplicates" in row
    assert "1 flagged" in result.stderr


def test_bank_stats_passes_varied_templates_and_reports_json(tmp_path):
    result = torchquiz("bank", "stats", "--seeds", "6", "--template", "pipeline.stage_shape",
                       "--template", "metrics.threshold", "--json", "--workers", "2")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    # A template that makes two question types is judged per type: one row each.
    assert [(r["template"], r["type"]) for r in rows] == [
        ("metrics.threshold", "multichoice"), ("pipeline.stage_shape", "multichoice"),
        ("pipeline.stage_shape", "shortanswer")]
    for row in rows:
        assert row["generated"] == 6 and row["flags"] == [] and row["failures"] == []
        assert sum(row["positions"]) == (6 if row["type"] == "multichoice" else 0) and row["misconceptions"]
    assert "0 flagged" in result.stderr


def test_bank_stats_help_documents_the_flags_and_the_exit_code():
    result = torchquiz("bank", "stats", "--help")
    assert "Examples:" in result.stdout and "Exit code 1" in result.stdout and "chi-square" in result.stdout


def test_bank_stats_unknown_template_gets_did_you_mean():
    result = torchquiz("bank", "stats", "--template", "pipeline.stage_shap", check=False)
    assert result.returncode == 1 and "Did you mean 'pipeline.stage_shape'" in result.stderr
