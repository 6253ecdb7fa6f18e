"""Exceptions raised by the generator. Only the CLI turns them into messages."""


class GeneratorError(Exception):
    """Base class for every error the generator raises on purpose."""


class Problem:
    """One problem found in a template file: where, which field, what is wrong."""

    def __init__(self, path, line, field, message):
        self.path, self.line, self.field, self.message = str(path), line, field, message

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"

    def __repr__(self):
        return f"Problem({str(self)!r})"


class TemplateError(GeneratorError):
    """A template (or the misconception catalogue) failed validation; carries every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownTemplate(GeneratorError):
    def __init__(self, name, known, kind="template"):
        import difflib

        self.name = name
        matches = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
        super().__init__(f"unknown {kind} {name!r}.{hint}")


class VariantError(GeneratorError):
    """One variant could not be built; names the template, seed and difficulty and how to reproduce it."""

    def __init__(self, template, difficulty, seed, message):
        self.template, self.difficulty, self.seed, self.message = template, difficulty, seed, message
        super().__init__(
            f"{template} (seed {seed}, {difficulty}): {message}\n"
            f"  reproduce: {self.reproduce}"
        )

    @property
    def reproduce(self):
        return f"torchquiz preview {self.template} --seed {self.seed} --difficulty {self.difficulty}"


class DeviceUnavailable(GeneratorError):
    """The requested torch device does not exist on this machine."""


class WorkerFailure(GeneratorError):
    """A worker process died or could not start."""
