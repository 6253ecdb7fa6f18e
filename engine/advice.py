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


def shown_weak(ability):
    """Whether the answers show the topic is weak: at least two answers in it, and below WEAK even at the hopeful
    end of its estimate (mean + 1 sd). One answer never calls a topic weak (a miss on a question the store has
    calibrated as easy put its hopeful end near 50%); three misses do."""
    return ability.n >= 2 and ability.mastery < WEAK and ability.hopeful_mastery < WEAK


def practise_next(abilities, misconceptions, *, answered=0, correct=0, overall=None, weakest=2, where=None,
                  missed=None):
    """Lines of advice.  abilities: [TopicAbility]; misconceptions: [(id, count, explanation)]
    most frequent first; answered/correct: the counts the advice is about; overall: TopicAbility;
    where: {misconception id: the topic it was shown in most}, for a quiz that practises it;
    missed: {topic: wrong answers in it}, over the same answers."""
    if not answered:
        return ["Nothing answered yet, so nothing to judge: answer a few questions (s skips one, h gives a hint): "
                "torchquiz quiz --length 10"]
    success = correct / answered
    mastery = overall.mastery if overall is not None else None
    ranked = sorted(abilities, key=lambda a: a.mastery)
    weak = [a for a in ranked if shown_weak(a)][:weakest]
    lines, lowest = [], []
    if success >= READY and (mastery is None or mastery >= WEAK) and not weak:
        lines.append(f"Ready for harder: {correct}/{answered} right. Aim at harder questions with "
                     "torchquiz quiz --target 0.55")
        lowest = [a for a in ranked if a.n >= 2 and a.mastery < WEAK and (missed or {}).get(a.topic)][:1]
        for ability in lowest:
            lines.append(f"Lowest so far: {ability.topic} (mastery {ability.mastery:.0%}, {missed[ability.topic]} "
                         f"missed); a few more questions there would tell: "
                         f"torchquiz quiz --topic {ability.topic} --length 5")
    elif answered >= 3 and success < STRUGGLING:
        topic = f" --topic {weak[0].topic}" if weak else ""
        lines.append(f"Build up first: {correct}/{answered} right. Easier questions: torchquiz quiz --target 0.85{topic}")
    for ability in weak:
        lines.append(f"Practise {ability.topic} (mastery {ability.mastery:.0%}): torchquiz quiz --topic {ability.topic}")
    practised = {ability.topic for ability in weak + lowest}
    for misconception, count, _ in misconceptions[:2]:
        times = "once" if count == 1 else f"{count} times"
        topic = (where or {}).get(misconception)
        practice = (f", then practise it with the {topic} quiz." if topic in practised  # its command is listed
                    else f", then practise it: torchquiz quiz --topic {topic}" if topic else ".")
        lines.append(f"Review the misconception {misconception!r} (shown {times}){practice}")
    if not lines and answered < 3 and success < READY:  # no praise, and no verdict, on one or two answers
        lines.append(f"Too few answers to judge ({correct}/{answered} right): a longer quiz tells more: "
                     "torchquiz quiz --length 10")
    if not lines:
        strongest = ranked[-1].topic if ranked else None
        more = f", or topics beyond {strongest}" if strongest else ""
        lines.append(f"Solid, with room to grow: try a longer quiz{more}: torchquiz quiz --length 20")
    return lines
