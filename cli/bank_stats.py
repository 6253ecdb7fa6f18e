"""`torchquiz bank stats`: every template over many seeds, in one table, with what needs a look flagged."""
import json
import sys
import time

import click

from torchquiz.record.schema import LEVELS

from .options import SEED, SuggestingChoice, generation_options, progress_bar, user_errors


@click.command(short_help="Stress-test every template over many seeds; flag poor variety or bias.")
@click.option("--seeds", default=30, show_default=True, type=click.IntRange(1),
              help="Variants per template (seeds 0..N-1 of the set seed; levels cycle easy, medium, hard).")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Set seed the variant seeds derive from.")
@click.option("--family", "families", multiple=True, help="Only templates of this family (repeatable).")
@click.option("--template", "templates", multiple=True, help="Only this template id (repeatable).")
@click.option("--difficulty", type=SuggestingChoice([*LEVELS, "mixed"]), default="mixed",
              show_default=True, help="One level, or mixed.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per template instead of the table.")
@click.option("--show-failures", is_flag=True, help="Print every failure with its reproduce command.")
@generation_options()
def stats(seeds, seed, families, templates, difficulty, as_json, show_failures, settings):
    """Stress-test the bank: per template, variety of keys, duplicates, correct position, misconceptions, failures.

    Each template is generated over --seeds seeds. A template is FLAGGED when it has failures, fewer
    distinct keys (a key with its set of options counts as one) than min(5, its parameter space,
    60% of the variants built), more than 50% duplicate variants, or (with at least
    20 questions) a biased correct position: a chi-square p-value below 0.001 against a uniform placement,
    or more than half of the right options at one position. It is also flagged, per level, for a FALSE
    LABEL: a wrong option whose misconception's precondition (`when`, `requires`) is untrue of its
    variant, so its label and feedback describe a mistake that variant cannot show. A template that makes
    several question types has a row per type. Exit code 1 if any template is flagged.

    \b
    Examples:
      torchquiz bank stats
      torchquiz bank stats --seeds 60 --workers 2
      torchquiz bank stats --family packing --json
      torchquiz bank stats --template metrics.threshold --show-failures
    """
    from torchquiz.generator.api import generate_set, load_selected
    from torchquiz.generator.bankstats import bank_stats, format_table
    from torchquiz.generator.catalogue import load_misconceptions

    started = time.monotonic()
    with user_errors():
        chosen = load_selected(settings, templates, families)
        if difficulty != "mixed":
            chosen = [t for t in chosen if difficulty in t.levels]
        with progress_bar("Stress test") as progress:
            result = generate_set(settings, templates=[t.id for t in chosen], difficulty=difficulty, count=seeds,
                                  seed=seed, on_progress=progress)
        catalogue = load_misconceptions(settings.bank_dirs, settings.include_builtin)
    table = bank_stats(chosen, result.records, result.failures, seeds, catalogue)
    if as_json:
        for row in table:
            click.echo(json.dumps(row.as_dict(), sort_keys=True))
    else:
        click.echo(format_table(table))
    if show_failures:
        for failure in result.failures:
            click.echo(f"failed: {failure.message}", err=True)
    flagged = [row for row in table if row.flags]
    false_labels = sum(len(labels) for row in table for labels in row.false_labels.values())
    click.echo(f"{len(table)} templates x {seeds} seeds with torch {result.torch} on {result.device} in "
               f"{time.monotonic() - started:.1f} s: {len(flagged)} flagged, {false_labels} false-label flags",
               err=True)
    if flagged:
        sys.exit(1)
