"""Exceptions raised by the exports. Only the CLI turns them into `Error: ...` messages."""
from torchquiz.record.errors import RecordError


class ExportError(Exception):
    """Base class for every error an export raises on purpose (a bad record is a RecordError)."""


__all__ = ["ExportError", "RecordError"]
