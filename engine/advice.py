"""What to do next, from the learner's actual results: one list of lines for the end screen
and for `torchquiz report`.

A learner at 20/20 and a learner at 0/12 must not read the same advice.  The lines follow
the results: a learner who got at least 80% right, with an overall mastery of at least 60% and
no topic shown weak, is told first that harder questions are ready; otherwise the weak topics
(lowest mastery first) and the misconceptions actually shown come first, with an easier target
for a learner who is struggling everywhere.  A learner told "ready" who still missed questions in a
topic below WEAK (too few answers to call it weak) is told which one, so the line never contradicts
the bar shown beside it.  Mastery is the predicted success on a medium
question; a topic is shown weak when its answers keep it below 60% (see shown_weak).
"""
from __future__ import annotations

READY = 0.8           # success above this (and no topic shown weak): the quiz is too easy for the learner
STRUGGLING = 0.4      # success below this: aim the next quiz easier
WEAK = 0.6            # a topic below this mastery is worth practising on its own; "ready" needs this overall
HARDER, EASIER = 0.55, 0.85   # the targets suggested after the default 0.70; after another, one step (0.15) past it
TARGETS = (0.05, 0.95)        # the quiz's own bounds on --target


def harder_target(target=None):
    """The --target to suggest for harder questions: HARDER, or one step below a quiz aimed lower already;
    None when the quiz was at the hardest target."""
    suggested = HARDER if target is None else round(max(TARGETS[0], min(HARDER, target - 0.15)), 2)
    return suggested if target is None or suggested < target else None


def easier_target(target=None):
    """The --target to suggest for easier questions: EASIER, or one step above a quiz aimed higher already;
    None when the quiz was at the easiest target."""
    suggested = EASIER if target is None else round(min(TARGETS[1], max(EASIER, target + 0.15)), 2)
    return suggested if target is None or suggested > target else None


def shown_weak(ability):
    """Whether the answers show the topic is weak: at least two answers in it, and below WEAK even at the hopeful
    end of its estimate (mean + 1 sd). One answer never calls a topic weak (a miss on a question the store has
    calibrated as easy put its hopeful end near 50%); three misses do."""
    return ability.n >= 2 and ability.mastery < WEAK and ability.hopeful_mastery < WEAK


def practise_next(abilities, misconceptions, *, answered=0, correct=0, overall=None, weakest=2, where=None,
                  missed=None, target=None):
    """Lines of advice.  abilities: [TopicAbility]; misconceptions: [(id, count, explanation)]
    most frequent first; answered/correct: the counts the advice is about; overall: TopicAbility;
    where: {misconception id: the topic it was shown in most}, for a quiz that practises it;
    missed: {topic: wrong answers in it}, over the same answers; target: the quiz's --target (None for a
    whole history), so that "harder" and "easier" mean harder and easier than that."""
    if not answered:
        return ["Nothing answered yet, so nothing to judge: answer a few questions (s skips one, h gives a hint): "
                "torchquiz quiz --length 10"]
    success = correct / answered
    mastery = overall.mastery if overall is not None else None
    ranked = sorted(abilities, key=lambda a: a.mastery)
    weak = [a for a in ranked if shown_weak(a)][:weakest]
    lines, lowest = [], []
    if answered >= 3 and success >= READY and (mastery is None or mastery >= WEAK) and not weak:
        harder = harder_target(target)
        lines.append(f"Ready for harder: {correct}/{answered} right. " + (
            f"Aim at harder questions with torchquiz quiz --target {harder}" if harder is not None else
            f"The quiz aimed at its hardest already; a longer one tells more: torchquiz quiz --target {target} "
            "--length 20"))
        lowest = [a for a in ranked if a.n >= 2 and a.mastery < WEAK and (missed or {}).get(a.topic)][:1]
        for ability in lowest:
            lines.append(f"Lowest so far: {ability.topic} (mastery {ability.mastery:.0%}, {missed[ability.topic]} "
                         f"missed); a few more questions there would tell: "
                         f"torchquiz quiz --topic {ability.topic} --length 5")
    elif answered >= 3 and success < STRUGGLING:
        easier = easier_target(target)
        options = f" --target {target if easier is None else easier}" + (f" --topic {weak[0].topic}" if weak else "")
        lines.append(f"Build up first: {correct}/{answered} right. " + (
            "Easier questions" if easier is not None else "The quiz aimed at its easiest already; the worked "
            "solutions show the way: read them, then try again") + f": torchquiz quiz{options}")
    for ability in weak:
        lines.append(f"Practise {ability.topic} (mastery {ability.mastery:.0%}): torchquiz quiz --topic {ability.topic}")
    practised = {ability.topic for ability in weak + lowest}
    for misconception, count, _ in misconceptions[:2]:
        times = "once" if count == 1 else f"{count} times"
        topic = (where or {}).get(misconception)
        practice = (f", then practise it with the {topic} quiz." if topic in practised  # its command is listed
                    else f", then practise it: torchquiz quiz --topic {topic}" if topic else ".")
        lines.append(f"Review the misconception {misconception!r} (shown {times}){practice}")
    if not lines and answered < 3:  # no praise, and no verdict, on one or two answers
        lines.append(f"Too few answers to judge ({correct}/{answered} right): a longer quiz tells more: "
                     "torchquiz quiz --length 10")
    if not lines:
        strongest = ranked[-1].topic if ranked else None
        more = f", or topics beyond {strongest}" if strongest else ""
        lines.append(f"Solid, with room to grow: try a longer quiz{more}: torchquiz quiz --length 20")
    return lines
