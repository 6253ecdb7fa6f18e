"""Commands the quiz and the reports print for the learner to copy: they run as printed.

A printed command keeps the --db and --learner this run was given, so copying it reaches the
same store and the same learner (a resume hint without --db once created an empty database in
the default place and failed there: issue 12). No Rich or torch here: `report` imports it too.
"""
import shlex


def command_line(*args, db=None, learner=None):
    """A `torchquiz ...` command that runs as printed: it keeps the --db and --learner that
    this run was given, so copying it reaches the same store and the same learner."""
    words = ["torchquiz", *args]
    if learner and "--learner" not in words:
        words += ["--learner", learner]
    if db and "--db" not in words:
        words += ["--db", str(db)]
    return " ".join(shlex.quote(str(w)) for w in words)


def with_pins(line, db=None, learner=None):
    """A suggestion line ending in a `torchquiz ...` command, with the run's --db/--learner added."""
    head, sep, command = line.partition("torchquiz ")
    if not sep:
        return line
    return head + command_line(*shlex.split(command), db=db, learner=learner)
