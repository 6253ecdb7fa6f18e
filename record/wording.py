"""Counts and lists in words: "1 question", "2 questions", "A, B and C", the one rule every message uses."""


def shortened(text, width):
    """`text` in at most `width` characters; a cut one ends in '…', so it is not read as the whole."""
    return text if len(text) <= width else text[:width - 1] + "…"


def listed(items):
    """Items as a sentence lists them: "A", "A and B", "A, B and C"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def counted(n, one, many=None):
    """`n` with its noun: one for 1, else many (default: one + "s")."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
