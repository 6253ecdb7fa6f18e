"""`torchquiz bank ...`: validate and list templates; stats, verify, build and import load lazily."""
import json
import sys
from pathlib import Path

import click

from .main import LazyGroup
from torchquiz.record.wording import counted

from .options import generation_options, progress_bar, user_errors

BANK_COMMANDS = {
    "stats": "torchquiz.cli.bank_stats:stats",
    "verify": "torchquiz.cli.bank_verify:verify",
    "build": "torchquiz.cli.store:build",
    "import": "torchquiz.cli.store:import_set",
}


@click.group(cls=LazyGroup, lazy_commands=BANK_COMMANDS)
def bank():
    """Validate, list, measure (stats, verify), build and import the question bank.

    \b
    Examples:
      torchquiz bank validate
      torchquiz bank validate my_bank/shape/new.yaml
      torchquiz bank list --bank my_bank
      torchquiz bank stats --seeds 50
    """


@bank.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--run", "run_variants", is_flag=True,
              help="Also build one variant per template and question type in torch, as generate does.")
@generation_options()
def validate(path, run_variants, settings):
    """Check templates and the misconception catalogue; report every problem at once.

    PATH is a template file or a bank directory; without it, the whole bank is checked.
    Each problem reads `file:line: field=value: message` (the value where one is at fault). Exit code 1 if
    there are any. Notes name YAML files the bank never reads and catalogue entries a bank replaces.
    With --run, every template that passes the checks (of PATH, when given) also builds one variant per
    question type (seed 0, its first level) in torch workers, and a variant that fails is a problem too,
    at the snippet's line when the failure names one (--device, --workers and --time-limit apply).

    \b
    Examples:
      torchquiz bank validate
      torchquiz bank validate my_bank
      torchquiz bank validate my_bank/shape/lstm_cell.yaml --run
    """
    from torchquiz.generator.api import bank_problems
    from torchquiz.generator.catalogue import CATALOGUE_FILE, catalogue_overrides
    from torchquiz.generator.templates import TEMPLATE_PLACE, template_files, unread_files

    built = 0
    with user_errors():
        problems = bank_problems(settings, path)
        extra = settings.bank_dirs + ((path,) if path and Path(path).is_dir() else ())
        notes = unread_files(extra, settings.include_builtin) + ([] if problems else catalogue_overrides(extra))
        folders, builtin = ((path,), False) if path else (settings.bank_dirs, settings.include_builtin)
        checked = (1 if path and not Path(path).is_dir() else  # template files, and catalogues (a bank may be one)
                   len(template_files(folders, builtin)) + sum((Path(f) / CATALOGUE_FILE).is_file() for f in folders))
        if run_variants:
            from torchquiz.generator.validate_run import run_problems

            with progress_bar("Building") as progress:
                try:
                    failed, built = run_problems(settings, path, on_progress=progress)
                except KeyboardInterrupt:  # as generate and bank build: 130, the shell's code for an interruption
                    click.echo("Interrupted before every variant was built: nothing reported.", err=True)
                    sys.exit(130)
            problems += failed
    for note in notes:
        click.echo(f"note: {note}", err=True)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    if not checked:  # a folder one level too deep, a typo'd path or .yml files: nothing was checked
        raise click.ClickException(f"no template files in {path or 'the bank'}: {TEMPLATE_PLACE}; nothing was checked")
    click.echo("ok: no problems found" + (f"; {counted(built, 'variant')} built, one per template and type"
                                         if run_variants else ""))


@bank.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per misconception.")
@generation_options(runs_torch=False)
def misconceptions(as_json, settings):
    """List the misconception catalogue: the ids a template's `distractors:` and curated options name.

    Each line gives the id, where it applies (its `when` and `requires`) and what the learner gets wrong.

    \b
    Examples:
      torchquiz bank misconceptions
      torchquiz bank misconceptions --bank my_bank --json
    """
    from torchquiz.generator.catalogue import load_misconceptions

    with user_errors():
        catalogue = load_misconceptions(settings.bank_dirs)
    for mid in sorted(catalogue):
        m = catalogue[mid]
        where = " and ".join([f"{k}={v}" for k, v in m.when.items()] + ([m.requires] if m.requires else []))
        if as_json:
            click.echo(json.dumps({"id": mid, "description": m.description, "when": m.when, "requires": m.requires,
                                   "source": m.source}))
        else:
            click.echo(f"{mid}: {m.description}" + (f" [only where {where}]" if where else ""))


@bank.command(name="list")
@click.option("--family", "families", multiple=True, help="Only this family (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Only templates on this topic (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per template.")
@generation_options(runs_torch=False)
def list_templates(families, topics, as_json, settings):
    """List the templates: id, family, type, difficulties and topics.

    \b
    Examples:
      torchquiz bank list
      torchquiz bank list --family shape --json
      torchquiz bank list --topic attention
    """
    from torchquiz.generator.api import load_templates
    from torchquiz.generator.templates import select_templates

    with user_errors():
        chosen = select_templates(load_templates(settings), (), families, topics)
    rows = [(t.id, t.family, ",".join(t.types), ",".join(t.levels), ",".join(t.topics)) for t in chosen]
    if as_json:
        for t in chosen:
            click.echo(json.dumps({"id": t.id, "family": t.family, "type": t.type, "types": list(t.types), "difficulties": list(t.levels),
                                   "topics": list(t.topics), "title": t.title, "path": t.path}))
        return
    header = ("id", "family", "type", "difficulties", "topics")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    click.echo(f"{len(rows)} templates", err=True)
