"""`torchquiz bank verify SET.jsonl`: rebuild every stored variant with the installed torch and report drift."""
import sys
import time

import click

from .options import generation_options, progress_bar, record_errors, user_errors


@click.command(short_help="Re-run a stored set with this torch and report keys that changed.")
@click.argument("set_file", metavar="SET.jsonl", type=click.Path(exists=True, dir_okay=False))
@generation_options()
def verify(set_file, settings):
    """Re-run every stored variant with the installed torch and report keys that changed.

    Each record is rebuilt from its template (its seed, difficulty and parameters) on --device, which
    re-runs its code and every answer and distractor snippet. A record is reported, by line number and
    id, when its key, options or run changed (torch drift), or when it no longer reproduces at all.
    Exit code 1 if any record is reported.

    \b
    Examples:
      torchquiz bank verify set.jsonl
      torchquiz bank verify set.jsonl --device cuda --workers 2
      torchquiz bank verify my_set.jsonl --bank my_bank
    """
    from torchquiz.generator.verify import verify_set

    started = time.monotonic()
    with progress_bar("Verifying") as progress, user_errors(), record_errors():
        checked, problems, bad, (torch, device) = verify_set(set_file, settings, progress)
    for number, record_id, changes in problems:
        for change in changes:
            click.echo(f"{set_file}:{number}: {record_id}: {change}")
    if not checked and not bad:
        raise click.ClickException(f"{set_file} holds no question records: nothing to verify")
    where = f" with torch {torch} on {device}" if torch else ""
    click.echo(f"{checked} records checked{where} in {time.monotonic() - started:.1f} s: "
               f"{len(problems) - bad} changed or failed to reproduce"
               + (f"; {bad} bad line(s), not records, not checked" if bad else ""), err=True)
    if problems:
        sys.exit(1)
