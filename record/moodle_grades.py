"""Moodle's grade list and the fractions built from it, for the exports that write them (Moodle XML,
GIFT) and for QTI 2.1's weights, which follow them.

`import moodle` (engine/moodle_match.grade_cell) works a mark out again by `wrong_fraction`, or by an
even split per wrong box (-33.33333 for three) where an attempt's total shows it: the export that made
the real Moodle reports in ../shared/moodle-reports wrote that split.
"""
from decimal import Decimal

# Moodle's grade list; any other fraction rejects the whole file (33.33 does).
GRADES = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
          "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")
# 100 split evenly over n correct options, for the n the grade list allows.
SHARES = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667",
          7: "14.28571", 8: "12.5", 9: "11.11111", 10: "10"}


def wrong_fraction(count):
    """Negative fraction for each of `count` wrong options, so that ticking every box scores exactly 0.

    The even split is not enough: 3 x 33.33333 = 99.99999 leaves 1e-07 (so do 7 and 9
    wrong options). Moodle clamps a total below 0 to 0, so the smallest grade whose
    `count` copies reach 100 exactly (in decimal, as Moodle stores them) is used.
    """
    return "-" + min((g for g in GRADES if Decimal(g) * count >= 100), key=Decimal)
