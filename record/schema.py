"""The question record's schema, shipped in this package, and the names it defines.

The schema is the one authority for the levels, families and question types: every other
module takes them from here instead of spelling the tuple again.
"""
import functools
import json
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().with_name("question.schema.json")
SCHEMA_ID = "torchquiz/question@1"


@functools.lru_cache(maxsize=1)
def load_schema():
    """The schema as a dict (record/question.schema.json; a test keeps it in step with ../shared)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _enum(field):
    return tuple(load_schema()["properties"][field]["enum"])


LEVELS = _enum("difficulty")     # easy, medium, hard: the order is the order of difficulty
FAMILIES = _enum("family")
TYPES = _enum("type")
