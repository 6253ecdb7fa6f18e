"""Item statistics exactly as Moodle's quiz statistics report computes them.

A port of `question/classes/statistics/questions/calculator.php` (Moodle 4.3): facility,
SD, discrimination index, discriminative efficiency and effective weight for every slot,
for every question a random slot drew, and for every variant. Pure functions over marks,
so the same code serves Moodle's own fixture, an imported Moodle report and our store.

Moodle's quirks are kept on purpose, because an educator compares our figures with the
ones Moodle shows them:
- a slot's "other marks" are the attempt's total minus that slot's mark, but a question
  drawn by a random slot is correlated with the whole total, its own mark included
  (`initial_steps_walker(..., positionstat=false)`), which inflates its index;
- variances and covariances divide by s - 1; with one attempt they are undefined (None);
- discriminative efficiency divides by the covariance of the *sorted* marks with the
  *sorted* other marks (the largest covariance these marks could have);
- effective weight uses only slots whose covariance with the total is not negative;
- an unanswered question's mark is NULL in Moodle's database, which PHP sums as 0.
"""
import math
from dataclasses import dataclass, field

from torchquiz.record.answers import format_number


@dataclass(frozen=True)
class QuestionAttempt:
    """One question in one quiz attempt, as Moodle's latest step holds it."""
    usage: object            # the quiz attempt (Moodle's question usage)
    slot: int
    question: str            # the question actually asked (what a random slot drew)
    mark: float | None       # fraction x maxmark; None when unanswered (counts as 0)
    variant: int = 1
    maxmark: float = 1.0


@dataclass(frozen=True)
class Slot:
    number: int
    maxmark: float = 1.0
    random: bool = False               # a random question: stats per drawn question too
    break_down_variants: bool = True   # Moodle's qtype default; variants show only when >1 was seen


@dataclass
class ItemStatistics:
    """One row of Moodle's `question_statistics` table."""
    slot: int | None
    question: str | None
    variant: int | None
    subquestion: bool
    maxmark: float
    s: int = 0
    facility: float | None = None
    sd: float | None = None
    markvariance: float | None = None
    othermarkvariance: float | None = None
    covariance: float | None = None
    covariancemax: float | None = None
    covariancewithoverallmark: float | None = None
    discriminationindex: float | None = None
    discriminativeefficiency: float | None = None
    effectiveweight: float | None = None
    randomguessscore: float | None = None
    variants: list = field(default_factory=list)   # ItemStatistics per variant, when Moodle keeps them
    _marks: list = field(default_factory=list, repr=False)
    _others: list = field(default_factory=list, repr=False)
    _totals: list = field(default_factory=list, repr=False)
    _variant_of: list = field(default_factory=list, repr=False)

    def add(self, mark, other, total, variant):
        self._marks.append(mark)
        self._others.append(other)
        self._totals.append(total)
        self._variant_of.append(variant)

    def as_dict(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_") and k != "variants"} | {
            "variants": [v.as_dict() for v in self.variants]}


def _finish(stats):
    """Moodle's initial_question_walker + secondary_question_walker for one row."""
    s = stats.s = len(stats._marks)
    mean = sum(stats._marks) / s if s else 0.0
    other_mean = sum(stats._others) / s if s else 0.0
    stats.facility = mean / stats.maxmark if stats.maxmark else None
    if s > 1:
        d_mark = [m - mean for m in stats._marks]
        d_other = [o - other_mean for o in stats._others]
        sorted_mark = [m - mean for m in sorted(stats._marks)]
        sorted_other = [o - other_mean for o in sorted(stats._others)]
        stats.markvariance = sum(d * d for d in d_mark) / (s - 1)
        stats.othermarkvariance = sum(d * d for d in d_other) / (s - 1)
        stats.covariance = sum(a * b for a, b in zip(d_mark, d_other)) / (s - 1)
        stats.covariancemax = sum(a * b for a, b in zip(sorted_mark, sorted_other)) / (s - 1)
        # Moodle never fills `totalsummarks`, so its "overall mark difference" is the raw total;
        # the covariance is the same because the mark differences sum to zero.
        stats.covariancewithoverallmark = sum(a * t for a, t in zip(d_mark, stats._totals)) / (s - 1)
        stats.sd = math.sqrt(stats.markvariance)
    if stats.markvariance and stats.othermarkvariance:
        stats.discriminationindex = 100 * stats.covariance / math.sqrt(stats.markvariance * stats.othermarkvariance)
    if stats.covariancemax:
        stats.discriminativeefficiency = 100 * stats.covariance / stats.covariancemax


def _with_variants(stats, break_down):
    """Split a row by variant the way Moodle does: only when more than one variant was seen."""
    seen = sorted(set(stats._variant_of))
    if break_down and len(seen) > 1:
        for variant in seen:
            part = ItemStatistics(stats.slot, stats.question, variant, stats.subquestion, stats.maxmark)
            for m, o, t, v in zip(stats._marks, stats._others, stats._totals, stats._variant_of):
                if v == variant:
                    part.add(m, o, t, v)
            _finish(part)
            stats.variants.append(part)
    _finish(stats)
    return stats


def moodle_statistics(attempts, slots):
    """Moodle's question statistics for `attempts` (QuestionAttempt) on `slots` (Slot).

    Returns {"slots": [ItemStatistics per slot], "questions": {question: ItemStatistics}}:
    "questions" holds the questions random slots drew (Moodle's sub-questions).
    """
    slots = {slot.number: slot for slot in slots}
    totals = {}
    for a in attempts:
        if a.slot not in slots:
            raise ValueError(f"attempt {a.usage!r} has slot {a.slot}, which is not one of the quiz's slots")
        totals[a.usage] = totals.get(a.usage, 0.0) + (a.mark or 0.0)
    per_slot = {n: ItemStatistics(n, None, None, False, slot.maxmark) for n, slot in sorted(slots.items())}
    per_question = {}
    for a in attempts:
        mark, total = a.mark or 0.0, totals[a.usage]
        per_slot[a.slot].add(mark, total - mark, total, a.variant)
        if slots[a.slot].random:
            sub = per_question.setdefault(a.question, ItemStatistics(None, a.question, None, True, a.maxmark))
            sub.add(mark, total, total, a.variant)  # the whole total: Moodle's sub-question rule
    for number, stats in per_slot.items():
        _with_variants(stats, slots[number].break_down_variants and not slots[number].random)
    for stats in per_question.values():
        _with_variants(stats, True)
    roots = [math.sqrt(s.covariancewithoverallmark) for s in per_slot.values()
             if s.covariancewithoverallmark is not None and s.covariancewithoverallmark >= 0]
    denominator = sum(roots)
    for stats in per_slot.values():
        cov = stats.covariancewithoverallmark
        if denominator and cov is not None and cov >= 0:
            stats.effectiveweight = 100 * math.sqrt(cov) / denominator
    return {"slots": list(per_slot.values()), "questions": per_question}


def quiz_statistics(attempts, slots, sumgrades=None):
    """Moodle's quiz-level figures on the attempts' totals: mean, median, SD, skewness, kurtosis,
    coefficient of internal consistency (Cronbach's alpha), error ratio and standard error,
    all as percentages of the quiz's maximum (`sumgrades`, default the slots' marks)."""
    slots = list(slots)
    sumgrades = sumgrades or sum(s.maxmark for s in slots)
    totals = {}
    for a in attempts:
        totals[a.usage] = totals.get(a.usage, 0.0) + (a.mark or 0.0)
    values = sorted(totals.values())
    n = len(values)
    if n < 2:
        return {"attempts": n}
    mean = sum(values) / n
    median = values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2
    m2 = sum((v - mean) ** 2 for v in values) / n
    m3 = sum((v - mean) ** 3 for v in values) / n
    m4 = sum((v - mean) ** 4 for v in values) / n
    sd = math.sqrt(m2 * n / (n - 1))
    result = {"attempts": n, "average": 100 * mean / sumgrades, "median": 100 * median / sumgrades,
              "sd": 100 * sd / sumgrades}
    if n > 2 and m2:
        k2 = n * m2 / (n - 1)
        k3 = n * n * m3 / ((n - 1) * (n - 2))
        result["skewness"] = k3 / k2 ** 1.5
        if n > 3:
            k4 = n * n * ((n + 1) * m4 - 3 * (n - 1) * m2 * m2) / ((n - 1) * (n - 2) * (n - 3))
            result["kurtosis"] = k4 / (k2 * k2)
    item = moodle_statistics(attempts, slots)
    sum_markvariance = sum(s.markvariance or 0.0 for s in item["slots"])
    k = len(slots)
    if k > 1 and sd:
        cic = 100 * k / (k - 1) * (1 - sum_markvariance / sd ** 2)
        result["cic"] = cic
        if cic < 100:
            result["error_ratio"] = 100 * math.sqrt(1 - cic / 100)
            result["standard_error"] = result["error_ratio"] * result["sd"] / 100
    return result


def moodle_percent(value):
    """`value` as Moodle's report prints a percentage: two decimals, halves rounded away from zero
    (PHP's rounding, the one rule of `format_number`), so 78.125 shows as 78.13% where round() gives 78.12."""
    return "" if value is None else format_number(value, 2) + "%"


def quiz_information(summary):
    """Moodle's "Quiz information" figures in one line, as its Statistics page shows them."""
    shown = [f"{summary['attempts']} attempts"]
    for key, name in (("average", "average"), ("median", "median"), ("sd", "SD"), ("cic", "CIC"),
                      ("error_ratio", "error ratio"), ("standard_error", "standard error")):
        if key in summary:
            shown.append(f"{name} {moodle_percent(summary[key])}")
    shown += [f"{key} {summary[key]:.4f}" for key in ("skewness", "kurtosis") if key in summary]
    return ", ".join(shown)
