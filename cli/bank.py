"""`torchquiz bank ...`: validate and list templates; stats, verify, build and import load lazily."""
import json
from pathlib import Path

import click

from .main import LazyGroup
from .options import bank_options, user_errors

BANK_COMMANDS = {
    "stats": "torchquiz.cli.bank_stats:stats",
    "verify": "torchquiz.cli.bank_verify:verify",
    "build": "torchquiz.cli.store:build",
    "import": "torchquiz.cli.store:import_set",
}


@click.group(cls=LazyGroup, lazy_commands=BANK_COMMANDS)
def bank():
    """Validate, list, inspect, build and import the question bank.

    \b
    Examples:
      torchquiz bank validate
      torchquiz bank validate my_bank/shape/new.yaml
      torchquiz bank list --bank my_bank
      torchquiz bank stats --seeds 50
    """


def _problems_for(path, bank_dirs, no_builtin):
    from torchquiz.generator.catalogue import load_misconceptions
    from torchquiz.generator.errors import TemplateError
    from torchquiz.generator.templates import load_bank, load_template

    if path is None:
        return load_bank(bank_dirs, not no_builtin)[1]
    path = Path(path)
    if path.is_dir():
        return load_bank((*bank_dirs, path), not no_builtin)[1]
    try:
        catalogue = load_misconceptions((*bank_dirs, path.parent.parent), not no_builtin)
        load_template(path, catalogue)
    except TemplateError as exc:
        return exc.problems
    return []


@bank.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@bank_options
def validate(path, bank_dirs, no_builtin):
    """Check templates and the misconception catalogue; report every problem at once.

    PATH is a template file or a bank directory; without it, the whole bank is checked.
    Each problem reads `file:line: field=value: message`. Exit code 1 if there are any.

    \b
    Examples:
      torchquiz bank validate
      torchquiz bank validate my_bank
      torchquiz bank validate my_bank/shape/lstm_cell.yaml
    """
    with user_errors():
        problems = _problems_for(path, bank_dirs, no_builtin)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found")
    click.echo("ok: no problems found")


@bank.command(name="list")
@click.option("--family", "families", multiple=True, help="Only this family (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per template.")
@bank_options
def list_templates(families, as_json, bank_dirs, no_builtin):
    """List the templates: id, family, type, difficulties and topics.

    \b
    Examples:
      torchquiz bank list
      torchquiz bank list --family shape --json
    """
    from torchquiz.generator.api import load_templates
    from torchquiz.generator.templates import select_templates

    with user_errors():
        chosen = select_templates(load_templates(bank_dirs, not no_builtin), (), families)
    rows = [(t.id, t.family, t.type, ",".join(t.levels), ",".join(t.topics)) for t in chosen]
    if as_json:
        for t in chosen:
            click.echo(json.dumps({"id": t.id, "family": t.family, "type": t.type, "difficulties": list(t.levels),
                                   "topics": list(t.topics), "title": t.title, "path": t.path}))
        return
    header = ("id", "family", "type", "difficulties", "topics")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    click.echo(f"{len(rows)} templates", err=True)
