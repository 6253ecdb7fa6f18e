"""`torchquiz bank build` and `torchquiz bank import`: fill the question store.

The store's location is --db PATH, else $TORCHQUIZ_DB, else the per-user data
directory ($XDG_DATA_HOME/torchquiz/torchquiz.db, ~/.local/share by default).
"""
import sys

import click

from torchquiz.record.schema import LEVELS, TYPES

from torchquiz.cli.options import (SEED, SuggestingChoice, count_option, db_option, generation_options,
                                   note_other_problems, progress_bar, record_errors, store_errors, user_errors)


def default_learner():
    """The learner name when --learner is not given: the user's login name."""
    import getpass
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (some containers)
        return "learner"


def check_db_folder(db_path):
    """A --db (or $TORCHQUIZ_DB) whose folder does not exist is an error; the folder is never made."""
    from pathlib import Path

    if db_path:
        path = Path(db_path).expanduser()
        if not path.parent.is_dir():
            raise click.ClickException(f"--db {path}: folder {path.parent} does not exist (nothing was created)")


def open_store(db_path, create=False, read_only=False):
    """The store at --db (or $TORCHQUIZ_DB, or the default place). Only `bank build` and `bank import`
    create one (create=True); no command creates a folder that --db names, so a mistyped --db is
    an error that leaves nothing behind (issue 12). read_only: a command that only reads (report, stats)."""
    from torchquiz.engine.store import Store

    check_db_folder(db_path)
    with store_errors():
        return Store.open(db_path, create=create, read_only=read_only)


@click.command("import")
@click.argument("set_path", metavar="SET.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-bad", is_flag=True, help="Import the valid lines even if some lines are bad.")
@db_option
def import_set(set_path, skip_bad, db_path):
    """Import a question set (JSON Lines) into the store, checking every line against the schema.

    Bad lines are reported as SET.jsonl:LINE: what is wrong. By default nothing is imported
    when any line is bad; --skip-bad imports the good ones. Questions already stored
    (same id) are kept as they are.

    \b
    Examples:
      torchquiz bank import set.jsonl
      torchquiz bank import set.jsonl --db class.db
      torchquiz bank import partly-broken.jsonl --skip-bad
    """
    from torchquiz.record.jsonl import read_set, shown  # the one reader of set files

    check_db_folder(db_path)  # a --db that cannot be is found before the set is read
    with record_errors():
        entries, problems = read_set(set_path)
    records = [record for _, record in entries]
    for line in shown(problems):
        click.echo(line, err=True)
    if problems and not skip_bad:
        raise click.ClickException(f"{len(problems)} bad line(s) in {set_path}; nothing imported "
                                   "(fix them, or use --skip-bad)")
    if not records:
        raise click.ClickException(f"{set_path}: no good question record in it ({len(problems)} bad line(s) skipped); "
                                   "nothing imported" if problems else f"{set_path} holds no question records; "
                                   "nothing imported")
    store = open_store(db_path, create=True)
    with store_errors():
        added, duplicates = store.add_questions(records)
    click.echo(f"Imported {added} question(s) into {store.path}"
               + (f"; {duplicates} already stored" if duplicates else "")
               + (f"; {len(problems)} bad line(s) skipped" if problems else "") + ".")


@click.command()
@count_option("Variants per selected template and question type")
@click.option("--family", "families", multiple=True, help="Only templates of this family (repeatable).")
@click.option("--topic", "topics", multiple=True, help="Only templates on this topic (repeatable).")
@click.option("--template", "templates", multiple=True, help="Only this template id (repeatable).")
@click.option("--difficulty", type=SuggestingChoice([*LEVELS, "mixed"]), default="mixed", show_default=True,
              help="One level, or mixed: each template's levels in turn.")
@click.option("--type", "types", multiple=True, type=SuggestingChoice(TYPES),
              help="Only questions of this type (repeatable).")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Set seed (same seed, same questions).")
@generation_options()
@db_option
def build(count, families, topics, templates, difficulty, types, seed, settings, db_path):
    """Generate questions from the bank straight into the store, with a progress bar.

    \b
    Examples:
      torchquiz bank build --count 20
      torchquiz bank build --family shape --family packing --count 50 --workers 4
      torchquiz bank build --topic attention --difficulty hard --count 10
      torchquiz bank build --count 10 --seed 3 --db class.db
      torchquiz bank build --bank my_bank --no-builtin --count 5
    """
    from torchquiz.engine.store import NoStore, Store
    from torchquiz.generator.api import generate_set

    # A store that is there is opened before the work (a file that is not one is said at once); a new
    # one is made only when there is something to put in it.
    check_db_folder(db_path)
    with store_errors():
        try:
            store = Store.open(db_path, create=False)
        except NoStore:
            store = None
    with progress_bar("Generating") as progress, user_errors():
        result = generate_set(settings, templates=templates, families=families, topics=topics, count=count,
                              seed=seed, difficulty=difficulty, types=types, on_progress=progress)
    for failure in result.failures:  # the message names template, seed, level and the reproduce command
        click.echo(f"failed: {failure.message}", err=True)
    note_other_problems(result.others, settings)  # broken files this selection left out
    if not result.records and result.interrupted:
        click.echo("Interrupted before any question was finished; nothing stored.", err=True)
        sys.exit(130)
    if not result.records:
        raise click.ClickException("every variant failed; nothing stored" if not result.off_topic else
                                   f"every variant built was off topic ({result.off_topic} left out); nothing stored")
    if store is None:
        store = open_store(db_path, create=True)
    with store_errors():
        added, duplicates = store.add_questions(result.records)
    if result.interrupted:
        click.echo(f"Interrupted: stored the {added} new question(s) generated so far in {store.path}.", err=True)
        sys.exit(130)
    click.echo(f"Stored {added} new question(s) in {store.path}"
               + (f"; {duplicates} already there" if duplicates else "")
               + (f"; {len(result.failures)} variant(s) failed" if result.failures else "")
               + (f"; {result.off_topic} off topic left out" if result.off_topic else "") + ".")
