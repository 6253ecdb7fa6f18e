"""`torchquiz report`, `torchquiz stats` and `torchquiz calibrate`: what the stored attempts say."""
import json

import click

from torchquiz.cli.options import EnvironmentOption, db_option, json_errors, store_errors
from torchquiz.cli.store import default_learner, open_store
from torchquiz.engine.item_stats import MIN_ATTEMPTS
from torchquiz.record.wording import counted


@click.command()
@click.option("--learner", envvar="TORCHQUIZ_LEARNER", cls=EnvironmentOption, default=default_learner,
              show_default="your user name",
              help="The learner's name, as given to `torchquiz quiz` (env TORCHQUIZ_LEARNER).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@db_option
def report(learner, as_json, db_path):
    """A learner's progress: score, ability per topic, misconceptions and what to practise.

    \b
    Examples:
      torchquiz report --learner ada
      torchquiz report --learner ada --json
      torchquiz report --learner ada --db class.db
    """
    from torchquiz.engine.commands import command_line, with_pins
    from torchquiz.engine.report import mastery_bar, progress_report

    with json_errors(as_json):  # --json gives JSON, errors included
        store = open_store(db_path, read_only=True)
        with store_errors():
            result = progress_report(store, learner)
            data = result.as_dict()
    if data["unfinished_quiz"]:
        data["unfinished_quiz"]["resume"] = command_line("quiz", "--learner", learner, "--resume", db=db_path)
    # Every command printed runs as printed: the same store, the same learner.
    data["practise_next"] = [with_pins(line, db=db_path, learner=learner) for line in data["practise_next"]]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Learner {data['learner']}: {data['correct']}/{data['answered']} answers correct "
               f"in {counted(data['sessions'], 'quiz', 'quizzes')}, {data['skipped']} skipped.")
    if data["unfinished_quiz"]:
        u = data["unfinished_quiz"]
        click.echo(f"Unfinished quiz: {u['done']} of {u['length']} done. Continue with: {u['resume']}")
    click.echo("\nAbility (0 is average; ± is the uncertainty; bar: chance on a medium question):")
    rows = [*result.abilities, result.overall]  # unrounded, formatted as the quiz's end screen does
    width = max(len(r.topic) for r in rows)
    for r in rows:
        click.echo(f"  {r.topic:<{width}}  {r.mean:+.2f} ± {r.sd:.2f}  {mastery_bar(r.mastery)} "
                   f"{r.mastery:4.0%}  ({counted(r.n, 'answer')})")
    if data["misconceptions"]:
        click.echo("\nTop misconceptions:")
        for m in data["misconceptions"][:5]:
            click.echo(f"  • {m['id']} ({m['count']}×): {m['explanation']}")
    click.echo("\nWhat to practise next:")
    for line in data["practise_next"]:
        click.echo(f"  • {line}")


@click.command()
@click.option("--min-attempts", default=MIN_ATTEMPTS, show_default=True, type=click.IntRange(1),
              help="Answers a question needs before its label is checked (in every table and report).")
@click.option("--flagged", is_flag=True, help="Only items and templates whose label looks wrong "
              "(with --by-template: the templates with such a level or question).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--by-template", is_flag=True,
              help="Per template: facility and discrimination per level, parameter effects, misconceptions, items to fix.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False),
              help="Also write the per-template report as an HTML page with plots (implies --by-template).")
@db_option
def stats(min_attempts, flagged, as_json, by_template, html_path, db_path):
    """How each question and template performs: attempts, facility, discrimination, label check.

    Facility is the mean mark (Moodle's partial credit where Moodle marked it). r(abil), the discrimination, is the
    correlation of that mark with the learners' ability estimate (adaptive quizzes
    give learners different questions, so raw totals are not comparable). b is the
    calibrated difficulty; a label is flagged when b lies nearer another label's prior and
    its whole 95% interval lies outside its own label's band (the prior +- 0.5): the same
    check as the label fixes of --by-template.

    \b
    Examples:
      torchquiz stats
      torchquiz stats --flagged --min-attempts 30
      torchquiz stats --json
      torchquiz stats --by-template --html report.html
    """
    from torchquiz.engine.item_stats import item_statistics, rounded
    from torchquiz.engine.template_report import blank_note, signed
    from torchquiz.record.answers import format_number

    store = open_store(db_path, read_only=True)
    if by_template or html_path:
        from torchquiz.cli.template_stats import show_template_report
        return show_template_report(store, as_json, html_path, min_attempts=min_attempts, flagged=flagged)
    with store_errors():
        data = item_statistics(store, min_attempts=min_attempts)
    if flagged:
        data["questions"] = [q for q in data["questions"] if q["flag"]]
        data["templates"] = [t for t in data["templates"] if t["flag"]]
    if as_json:
        click.echo(json.dumps(rounded(data), indent=2))
        return
    if not data["attempts"]:
        click.echo(f"No answers stored yet ({counted(data['questions_stored'], 'question')}): nothing to measure.")
        return
    click.echo(f"{data['attempted']} of {data['questions_stored']} stored questions attempted: "
               f"{counted(data['attempts'], 'answer')}{blank_note(data['blank'])}.\n")
    if flagged and not data["questions"] and not data["templates"]:
        click.echo(f"No label looks wrong among the questions and templates with at least {min_attempts} answers.")
        return
    click.echo("facility: the mean mark; r(abil): its correlation with the learners' ability; b: the fitted "
               "difficulty (labels start at easy -1, medium 0, hard +1); flag: a label the data contradicts.\n")
    for title, rows, key in (("Per template", data["templates"], "template"),
                             ("Per question", data["questions"], "id")):
        if not rows:  # --flagged left none of these
            click.echo(f"{title}: no label looks wrong.\n")
            continue
        click.echo(title + ":")
        width = max([len(key)] + [len(r[key]) for r in rows])
        # r: the mark against the learners' ability; Moodle's discrimination index (--by-template) is
        # another measure, on a 0-100 scale
        click.echo(f"{key:<{width}} {'label':<6} {'n':>5} {'facility':>8} {'r(abil)':>7} {'b':>6}  flag")
        for r in rows:  # each figure rounded once, half up (format_number)
            discr = "-" if r["discrimination"] is None else signed(r["discrimination"])
            click.echo(f"{r[key]:<{width}} {r['label']:<6} {r['attempts']:>5} {format_number(r['facility'], 2):>8} "
                       f"{discr:>7} {signed(r['b']):>6}  {r['flag'] or ''}")
        click.echo()


@click.command()
@db_option
def calibrate(db_path):
    """Refit every question's difficulty from all stored attempts, with its label as the prior.

    Each template's variants pool what they learn (template + level + variant). The quiz also
    refits by itself: after each of the first learners, then whenever the answers grew by 5%.
    Every learner (quiz, Moodle or practice page) is then placed again on the refitted difficulties,
    so the reports of learners with the same answers agree.

    \b
    Examples:
      torchquiz calibrate
      torchquiz calibrate --db class.db
    """
    from torchquiz.engine.import_calibration import calibrate_after_import

    store = open_store(db_path)
    with store_errors():
        changed, attempts, placed = calibrate_after_import(store)
    if not attempts:
        click.echo("No answers stored yet: difficulties stay at their label priors.")
        return
    learners = f"; {counted(placed, 'imported learner')} placed on the ability scale" if placed else ""
    click.echo(f"Refit from {counted(attempts, 'answer')}: {counted(changed, 'difficulty', 'difficulties')} "
               f"changed{learners}.")
    for label, count, mean_b in store.difficulty_by_label():
        click.echo(f"  {label:<6} {count:>6} questions, mean b {mean_b:+.2f}")
