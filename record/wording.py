"""Counts in words: "1 question", "2 questions", the one rule every message uses."""


def counted(n, one, many=None):
    """`n` with its noun: one for 1, else many (default: one + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
