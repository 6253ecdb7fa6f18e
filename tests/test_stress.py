"""R/exams' stress test over the WHOLE bank: every template over many seeds, no crash, varied answers and a
roughly uniform correct position. A quick pass runs by default; the many-seed passes are marked slow."""
import collections

import pytest

from torchquiz.generator.settings import GenerationSettings

from torchquiz.generator.api import generate_set, load_templates
from torchquiz.generator.bankstats import bank_stats, chi_square_uniform, correct_positions, format_table

DEFAULT_SEEDS = 30   # what `torchquiz bank stats` uses, and what the "no template flagged" refers to


def _by_template(records):
    grouped = collections.defaultdict(list)
    for record in records:
        grouped[record["template"]].append(record)
    return grouped


def test_quick_every_template_builds_at_each_of_its_levels(validate_record):
    templates = load_templates()
    result = generate_set(GenerationSettings(workers=2), count=3, seed=11)   # levels cycle, so one variant per level
    assert result.failures == [], "\n".join(f.message for f in result.failures)
    grouped = _by_template(result.records)
    for template in templates.values():
        levels = {r["difficulty"] for r in grouped[template.id]}
        # a tiny template may draw the same parameters at two levels (one id, de-duplicated)
        assert levels and levels <= set(template.levels), template.id
    for record in result.records:
        validate_record(record)
        if record["type"] == "multichoice":
            assert sum(o["correct"] for o in record["options"]) == 1, record["id"]
            assert len({o["text"] for o in record["options"]}) >= 4, record["id"]


@pytest.mark.slow
def test_no_template_is_flagged_at_the_default_seed_count():
    templates = sorted(load_templates().values(), key=lambda t: t.id)
    result = generate_set(GenerationSettings(workers=2), count=DEFAULT_SEEDS, seed=0)
    table = bank_stats(templates, result.records, result.failures, DEFAULT_SEEDS)
    flagged = [row for row in table if row.flags]
    assert not flagged, "\n" + format_table(flagged)


@pytest.mark.slow
def test_many_seeds_no_crash_varied_keys_and_uniform_correct_position():
    seeds = 90
    templates = sorted(load_templates().values(), key=lambda t: t.id)
    result = generate_set(GenerationSettings(workers=2), count=seeds, seed=123)
    assert result.failures == [], "\n".join(f.message for f in result.failures[:10])
    table = bank_stats(templates, result.records, result.failures, seeds)
    for row in table:
        assert not [f for f in row.flags if f.startswith(("low variety", "biased"))], format_table([row])
    # Pooled over every multichoice question in the bank, the right option lands uniformly.
    multichoice = [r for r in result.records if r["type"] == "multichoice"]
    observed, expected = correct_positions(multichoice)
    _, p = chi_square_uniform(observed, expected)
    assert p > 0.001, (observed, expected)
    assert max(observed) / sum(observed) < 0.3
