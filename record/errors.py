"""Exceptions of the question record. Only the CLI turns them into `Error: ...` messages."""


class RecordError(Exception):
    """A question record is malformed, or cannot be used without changing its key."""
