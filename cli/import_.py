"""`torchquiz import moodle` and `torchquiz import practice`: answers given elsewhere come back.

Parses options, calls the engine's importers, prints what they did; the engine raises
ReportError (a StoreError) with a one-line message for every bad file.
"""
import click

from torchquiz.cli.options import db_option, store_errors
from torchquiz.cli.store import open_store


@click.group("import")
def import_answers():
    """Import answers given outside the terminal: Moodle quiz reports, HTML practice files.

    \b
    Examples:
      torchquiz import moodle responses.csv --grades grades.csv
      torchquiz import practice answers/*.json
    """


def _calibrate(store, calibrate, imported):
    """The refit after an import; also when an earlier import's refit was interrupted or skipped."""
    from torchquiz.engine.import_calibration import calibrate_after_import, unplaced_learners

    if not calibrate or not (imported or unplaced_learners(store)):
        return
    try:
        changed, attempts, learners = calibrate_after_import(store)
    except KeyboardInterrupt:
        click.echo("\nInterrupted while recalibrating: the answers are imported, but the imported learners have no "
                   "ability yet; run `torchquiz calibrate` (or this import again) to place them.", err=True)
        raise SystemExit(130) from None
    click.echo(f"Recalibrated from {attempts} answers: {changed} difficulties changed, "
               f"{learners} imported learners placed on the ability scale.")


calibrate_option = click.option("--calibrate/--no-calibrate", default=True, show_default=True,
                                 help="Refit the difficulties and the learners' abilities after importing "
                                      "(with --no-calibrate, `torchquiz calibrate` does it later).")


@import_answers.command("moodle")
@click.argument("responses", metavar="RESPONSES.csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--grades", "grades", metavar="GRADES.csv", type=click.Path(exists=True, dir_okay=False),
              help="The quiz's Grades report: Moodle's marks (partial credit included) replace our regrading.")
@click.option("--skip-unmatched", is_flag=True,
              help="Import the attempts whose every response matched, and list the others.")
@calibrate_option
@db_option
def moodle(responses, grades, skip_unmatched, calibrate, db_path):
    """Import a Moodle quiz's Responses report (CSV), optionally with its Grades report.

    Each response is matched to its stored question by content (question text and code,
    then the choices and the right answer), so import the question set first
    (`torchquiz bank import SET.jsonl`). Each finished attempt becomes a finished quiz of
    the learner named by their e-mail address (else "First Last (ID number)", else their name,
    with a warning that namesakes merge). Importing the same file again changes nothing, but
    for one thing: attempts imported first without --grades take Moodle's own marks when the
    file is imported again with it.

    \b
    Examples:
      torchquiz import moodle responses.csv
      torchquiz import moodle responses.csv --grades grades.csv --db class.db
      torchquiz import moodle responses.csv --skip-unmatched
    """
    from torchquiz.engine.moodle_import import UnmatchedResponses, grouped_problems, import_moodle

    store = open_store(db_path)
    with store_errors():
        try:
            result = import_moodle(store, responses, grades, skip_unmatched=skip_unmatched)
        except UnmatchedResponses as exc:  # list every unmatched response, then the one-line error
            for line in grouped_problems(exc.problems):
                click.echo(f"{click.format_filename(responses)}: {line}", err=True)
            raise
    for line in grouped_problems(result.problems):
        click.echo(f"{result.file}: {line}", err=True)
    for line in result.notes:
        click.echo(f"{result.file}: {line}", err=True)
    click.echo(f"{result.file}: {result.imported} attempt(s) with {result.responses} responses imported"
               + (f"; {result.already} already imported" if result.already else "")
               + (f", {result.remarked} of them re-marked with Moodle's marks from the Grades report "
                  f"({result.remarked_marks} mark(s) changed)" if result.remarked else "")
               + (f"; {result.skipped} attempt(s) with {result.skipped_responses} responses skipped, because "
                  f"{len(result.problems)} of their responses match no stored question" if result.skipped else "")
               + (f"; {result.disagreements} mark(s) where our grading differs from Moodle's (Moodle's kept)"
                  if result.disagreements else "")
               + (f"; `torchquiz stats --by-template` shows this quiz as {result.quiz}" if result.quiz else "") + ".")
    _calibrate(store, calibrate, result.imported or result.remarked)


@import_answers.command("practice")
@click.argument("files", metavar="FILE.json...", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--learner", help="Whose answers these are (default: the file name, ada.json -> ada; for the "
                                "page's own name, torchquiz-answers-SET.json, the folder the file is in).")
@calibrate_option
@db_option
def practice(files, learner, calibrate, db_path):
    """Import the answers saved from the HTML practice page ("Save my answers"), in bulk.

    One transaction per file: a bad file stops the import with its name and what is wrong,
    and the files before it stay imported. Importing a file again changes nothing, also under
    another file name or --learner: the answers already stored are recognised by their content.

    \b
    Examples:
      torchquiz import practice ada.json grace.json
      torchquiz import practice answers/*/torchquiz-answers-*.json --db class.db
      torchquiz import practice saved.json --learner ada
    """
    from torchquiz.engine.practice_import import folder_namesakes, import_practice

    with store_errors():  # a file that is no practice file is one line, before anything is stored
        mixed = {} if learner else folder_namesakes(files)
    for name, shared in mixed.items():  # nothing imported yet: two students never merge into one
        raise click.ClickException(
            f"{', '.join(map(str, shared))} have the page's own name in one folder but different answers, so "
            f"they would all be learner {name!r}: rename each after its learner (ada.json), put each in a "
            "folder named after its learner, or import them one at a time with --learner NAME")
    store = open_store(db_path)
    imported = 0
    for path in files:
        with store_errors():
            (result,) = import_practice(store, [path], learner)
        imported += result.imported
        if result.stored_as and result.stored_as != result.learner:  # the same saved answers, renamed
            same = f" (the same saved answers as {result.stored_from})" if result.stored_from != result.file else ""
            said = (f"{result.file}: {result.answers} answer(s) already imported as {result.stored_as}'s{same}, "
                    f"so not imported again as {result.learner}")
        elif result.earlier:  # a later save of the page holds the earlier save's answers
            said = (f"{result.file}: {result.answers} answer(s) of {result.learner}: "
                    f"{result.answers - result.earlier} imported, {result.earlier} imported before from "
                    f"{result.earlier_from} (a later save holds the earlier saves' answers; each counts once)")
        else:
            said = (f"{result.file}: {result.answers} answer(s) of {result.learner} "
                    + ("imported" if result.imported else "already imported"))
        click.echo(said
                   + (f"; {result.disagreements} verdict(s) where the page and the record disagree (the record's kept)"
                      if result.disagreements else "") + ".")
    _calibrate(store, calibrate, imported)
