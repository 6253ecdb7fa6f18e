"""Counts and lists in words: "1 question", "2 questions", "A, B and C", the one rule every message uses."""


def listed(items):
    """Items as a sentence lists them: "A", "A and B", "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def counted(n, one, many=None):
    """`n` with its noun: one for 1, else many (default: one + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
