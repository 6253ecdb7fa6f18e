"""Exceptions raised by the exports. Only the CLI turns them into `Error: ...` messages."""


class ExportError(Exception):
    """Base class for every error an export raises on purpose."""


class RecordError(ExportError):
    """A question record is malformed, or cannot be exported without changing its key."""
