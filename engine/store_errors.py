"""What the store refuses to do, as exceptions: every command turns them into one line (cli)."""


def foreign_database(path, tables):
    """The error for a database whose tables are another application's (None for a torchquiz store or an empty one)."""
    if not tables or "torchquiz_meta" in tables:
        return None
    shown = ", ".join(sorted(tables)[:5])
    return NotATorchquizDatabase(f"{path} is an SQLite database of another application (tables: {shown})")


class StoreError(Exception):
    """Base class for everything the store refuses to do."""


class NotATorchquizDatabase(StoreError):
    """The file exists but is not a torchquiz database."""


class NoStore(StoreError):
    """No database where one was named, and this command does not create one."""


class NewerSchemaError(StoreError):
    """The database was written by a newer torchquiz than this one."""


class UnknownQuestion(StoreError):
    """A question id that the store does not hold."""


class DamagedStore(StoreError):
    """The file holds what torchquiz never writes (text where a number belongs): edited by hand, or damaged."""
