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


def continued(command, width, indent="    "):
    """A printed command split into rows of at most `width` columns at word boundaries, each row
    but the last ending in a backslash, so that the rows copied together run as one command in
    a POSIX shell (a word longer than a row keeps a row of its own)."""
    words = [shlex.quote(w) for w in shlex.split(command)]
    rows, row = [], indent + words[0]
    for word in words[1:]:
        if len(row) + 1 + len(word) + 2 > width:  # room for " \\" at the end of the row
            rows.append(row + " \\")
            row = indent + "  " + word
        else:
            row += " " + word
    return rows + [row]
