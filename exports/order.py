"""Question order for pages and papers: the set's identity, seeded shuffles, exam versions.

Shuffling happens on the records, before any page is built, so every mode and every format
sees one consistent order. Option texts, feedback and solutions never name an option by
its letter, so permuting the options keeps every text true; a true/false pair keeps its
True-then-False order, which readers expect.
"""
import copy
import hashlib
import random

from torchquiz.exports.errors import ExportError

SHUFFLED_TYPES = ("multichoice", "multiresponse")


def set_id(records):
    """16 hex digits naming the set whatever its order: the first 16 of the SHA-256 of the
    newline-joined sorted question ids. Pages key saved progress by it, and the saved-answers
    file carries it, so a reshuffled page of the same questions is the same set."""
    joined = "\n".join(sorted(record["id"] for record in records))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def shuffled(records, seed):
    """The records in a seeded random order, each choice question's options permuted too.

    One `random.Random(seed)` drives everything, so the same set and seed give the same page
    byte for byte (principle 4); the input records are not modified.
    """
    rng = random.Random(seed)
    order = list(records)
    rng.shuffle(order)
    return [_with_shuffled_options(record, rng) for record in order]


def _with_shuffled_options(record, rng):
    if record["type"] not in SHUFFLED_TYPES or len(record["options"]) < 2:
        return record
    record = copy.copy(record)
    options = list(record["options"])
    rng.shuffle(options)
    record["options"] = options
    return record


def version_label(index):
    """Version names as printed on the paper: A, B, ... Z, then 27, 28, ..."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def exam_versions(records, count, seed):
    """`count` versions of one exam: [(label, records)], each its own order of questions and options.

    Version i is shuffled with seed (seed, i), so adding a version never changes the others.
    """
    if count < 1:
        raise ExportError(f"--versions {count}: expected at least 1")
    return [(version_label(i), shuffled(records, f"{seed}:{i}")) for i in range(count)]
