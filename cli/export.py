"""`torchquiz export`: question sets (JSON Lines) to Moodle XML or a self-contained HTML page.

Only the exports and the question records are imported here, never torch: exporting a set
takes a fraction of a second.
"""
import difflib
from pathlib import Path

import click

from torchquiz.exports.errors import ExportError, RecordError

from .options import write_atomically


class SuggestingChoice(click.Choice):
    """A click.Choice whose error for an unknown value adds "Did you mean ...?"."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            matches = difflib.get_close_matches(str(value), list(self.choices), n=1)
            if matches:
                exc.message = f"{exc.message} Did you mean '{matches[0]}'?"
            raise


def _load(set_path):
    from torchquiz.record.validate import load_records

    return load_records(set_path)


SET_ARGUMENT = click.argument("set_path", metavar="SET.jsonl",
                              type=click.Path(exists=True, dir_okay=False, path_type=Path))


@click.group(name="export")
def export():
    """Export a question set to Moodle XML or a self-contained HTML page.

    \b
    Examples:
      torchquiz export moodle set.jsonl -o quiz.xml
      torchquiz export html set.jsonl -o quiz.html --mode practice
    """


@export.command(name="moodle", short_help="Write a set as Moodle XML for Moodle's importer.")
@SET_ARGUMENT
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The Moodle XML file to write.")
@click.option("--category-by", type=SuggestingChoice(["template", "family", "difficulty"]),
              default="template", show_default=True,
              help="One Moodle category per template (so a quiz can draw a random variant), family or difficulty.")
@click.option("--category-root", default="$course$/top/torchquiz", show_default=True,
              help="Category path the categories go under; a `/` separates levels.")
@click.option("--penalty", type=click.FloatRange(0, 1), default=0.3333333, show_default=True,
              help="Fraction of the mark lost per wrong try (interactive / adaptive behaviours).")
@click.option("--shuffle/--no-shuffle", default=True, show_default=True,
              help="Let Moodle shuffle the options of choice questions.")
def moodle(set_path, output, category_by, category_root, penalty, shuffle):
    """Write SET.jsonl as Moodle XML for Moodle's own importer (Question bank > Import > Moodle XML format).

    \b
    Examples:
      torchquiz export moodle set.jsonl -o quiz.xml
      torchquiz export moodle set.jsonl -o quiz.xml --category-by family
      torchquiz export moodle set.jsonl -o quiz.xml --category-root '$course$/top/RNN week 3' --penalty 0.1
      torchquiz export moodle set.jsonl -o quiz.xml --no-shuffle
    """
    from torchquiz.exports.moodle import to_moodle_xml

    try:
        records = _load(set_path)
        xml = to_moodle_xml(records, category_by=category_by, category_root=category_root,
                            penalty=penalty, shuffle=shuffle)
        write_atomically(output, xml)
    except (ExportError, RecordError) as exc:
        raise click.ClickException(str(exc)) from exc
    categories = len({r[category_by] for r in records})
    click.echo(f"Wrote {len(records)} questions in {categories} categories to {output}")


@export.command(name="html", short_help="Write a set as one self-contained HTML page.")
@SET_ARGUMENT
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@click.option("--mode", type=SuggestingChoice(["practice", "exam", "key"]), default="practice", show_default=True,
              help="practice: graded at once with feedback; exam: a printable paper without answers; "
                   "key: the teacher's answer key with solutions.")
def html(set_path, output, mode):
    """Write SET.jsonl as one self-contained HTML page: no network, works offline, prints cleanly.

    \b
    Examples:
      torchquiz export html set.jsonl -o quiz.html
      torchquiz export html set.jsonl -o paper.html --mode exam
      torchquiz export html set.jsonl -o key.html --mode key
    """
    from torchquiz.exports.html import to_html

    try:
        records = _load(set_path)
        page = to_html(records, mode=mode)
        write_atomically(output, page)
    except (ExportError, RecordError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {len(records)} questions ({mode}) to {output}")
