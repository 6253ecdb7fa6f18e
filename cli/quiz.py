"""`torchquiz quiz`: an adaptive quiz in the terminal, from the questions in the store."""
import contextlib
import os
import sys

import click

from torchquiz.cli.options import (SEED, EnvironmentOption, FiniteFloatRange, db_option, generation_options,
                                   store_errors)
from torchquiz.cli.store import default_learner, open_store
from torchquiz.record.suggest import did_you_mean


def _check_names(kind, given, known):
    for name in given:
        if name not in known:
            hint = did_you_mean(name, known) or f" Known: {', '.join(known) or 'none'}."
            raise click.BadParameter(f"no {kind} '{name}' in the store.{hint}", param_hint=f"--{kind}")


def one_line_name(name):
    """A learner's name is printed on one line of reports and commands (record/validate.NOT_IN_NAME)."""
    from torchquiz.record.validate import NOT_IN_NAME

    if name is not None and NOT_IN_NAME.search(name):
        raise click.BadParameter(f"{name!r} holds a control character or a line break, which no learner's name "
                                 "may hold")
    if name is not None and not name.strip():  # a nameless learner: reports read "Learner : 0/0"
        raise click.BadParameter("a learner's name cannot be empty; leave --learner out to use your user name")
    return name


@click.command()
@click.option("--learner", envvar="TORCHQUIZ_LEARNER", cls=EnvironmentOption, default=default_learner,
              show_default="your user name",
              callback=lambda ctx, param, name: one_line_name(name),
              help="Whose progress to use and keep (env TORCHQUIZ_LEARNER).")
@click.option("--topic", "topics", multiple=True, help="Only questions on this topic (repeatable).")
@click.option("--family", "families", multiple=True, help="Only questions of this family (repeatable).")
@click.option("--length", default=10, show_default=True, type=click.IntRange(1), help="Questions in the quiz.")
@click.option("--resume", is_flag=True, help="Continue your unfinished quiz where you left it.")
@click.option("--target", default=0.70, show_default=True, type=FiniteFloatRange(0.05, 0.95),
              help="The chance of success the questions aim for.")
@click.option("--seed", type=SEED, default=None,
              help="Fix the question order of a quiz taken without a break (for demos and tests); after --resume "
                   "the rest follows its own reproducible order.")
@click.option("--generate/--no-generate", "generate", default=True, show_default=True,
              help="Generate near variants in the background when the store has none.")
@db_option
@generation_options()
def quiz(learner, topics, families, length, resume, target, seed, generate, db_path, settings):
    """Take an adaptive quiz: questions near your level, feedback and a worked solution after each.

    Answer with a letter (A-D), an option number, or type the answer (a shape such as
    (4, 7, 6) in any usual spelling, or a number). Keys: h hint, s skip, q quit.
    Every answer is saved at once: quit or press Ctrl-C at any time and continue
    later with --resume.

    \b
    Examples:
      torchquiz quiz
      torchquiz quiz --learner ada --length 10
      torchquiz quiz --learner ada --resume
      torchquiz quiz --topic lstm --topic packing --family shape
    """
    from torchquiz.engine.commands import command_line
    from torchquiz.engine.live_quiz import live_quiz

    if resume:  # a resumed quiz keeps what it was started with
        source = click.get_current_context().get_parameter_source
        given = [flag for flag, name in (("--topic", "topics"), ("--family", "families"), ("--length", "length"),
                                          ("--target", "target"), ("--seed", "seed"))
                 if source(name) is not None and source(name).name in ("COMMANDLINE", "ENVIRONMENT")]
        if given:
            raise click.UsageError(f"--resume continues the quiz as it was started, so {', '.join(given)} would "
                                   "change nothing: leave them out, or start a new quiz without --resume")
    store = open_store(db_path)
    resume_hint = command_line("quiz", "--learner", learner, "--resume", db=db_path)  # runs as printed
    with contextlib.ExitStack() as running:
        # Held from before the session opens until the quiz ends: a second quiz for this learner
        # would otherwise abandon the open session under the first one (issue 12).
        with store_errors():
            running.enter_context(live_quiz(store.path, learner, resume_hint))
        _run_quiz(store, learner, topics, families, length, resume, target, seed, settings, generate, db_path,
                  resume_hint)


def _run_quiz(store, learner, topics, families, length, resume, target, seed, settings, generate, db_path,
              resume_hint):
    from torchquiz.engine.near_variants import NearVariantMaker
    from torchquiz.engine.refit import BackgroundRefit
    from torchquiz.engine.session import NothingToResume, QuizSession
    from torchquiz.engine.tui import QUIT, QuizUI, play

    maker = NearVariantMaker(store.path, settings) if generate else None
    # Starting writes too (the learner, the session): a busy store is said at once and waited for, as in the quiz.
    store.on_busy = lambda: click.echo("The store is busy: another command (an import, a refit) is writing to it. "
                                       "The quiz starts as soon as it is free; waiting… (Ctrl-C stops.)", err=True)
    with store_errors():
        if resume:
            try:
                session = QuizSession.resume(store, learner, near_variants=maker, refit=BackgroundRefit())
            except NothingToResume as exc:
                from torchquiz.engine.commands import command_line

                raise click.ClickException(f"{exc}. Start one with: "
                                           f"{command_line('quiz', '--learner', learner, db=db_path)}") from None
        else:
            _check_names("topic", topics, store.topics())
            _check_names("family", families, store.families())
            session = QuizSession.start(store, learner, topics=topics, families=families, length=length,
                                        target=target, seed=seed, near_variants=maker,
                                        refit=BackgroundRefit())
    if session.set_aside:
        done, total = session.set_aside
        click.echo(f"Your unfinished quiz ({done} of {total} done) is closed; its answers are kept. "
                   "To continue an unfinished quiz instead, start with --resume.", err=True)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")  # QuizUI turns it off for TERM=dumb
    ui = QuizUI(sys.stdin, sys.stdout, color=color, db=db_path, learner=learner)
    try:
        with store_errors():
            outcome = play(session, ui)
    except KeyboardInterrupt:
        if session.row.status != "open":  # stopped while the end screen was written: nothing left to resume
            click.echo(f"\nInterrupted. The quiz is finished and saved. See its results with:\n  "
                       f"{ui.command('report', '--learner', learner)}", err=True)
            sys.exit(130)
        click.echo(f"\nInterrupted. {session.answered + session.skipped} of {session.length} done, all saved. "
                   f"Continue with:\n  {resume_hint}", err=True)
        sys.exit(130)
    if outcome == QUIT:
        click.echo(f"\nSaved: {session.position} of {session.length} done. Continue with:\n  {resume_hint}")
    else:
        # Commands on a line of their own: a terminal's wrap never cuts one between two of its words.
        click.echo(f"\nSee your progress any time:\n  {ui.command('report', '--learner', learner)}")
