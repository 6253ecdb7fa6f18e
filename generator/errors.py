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

    def __init__(self, problems, others=0):
        self.problems = list(problems)
        self.others = others  # how many other template files have problems, not listed here (preview)
        super().__init__("\n".join(str(p) for p in self.problems))


class UnknownTemplate(GeneratorError):
    """An unknown template, family or topic; `listed` names every known one (a short list: families)."""

    def __init__(self, name, known, kind="template", hint="", listed=False):
        from torchquiz.record.suggest import did_you_mean

        self.name = name
        choices = f" A {kind} is one of: {', '.join(known)}." if listed else ""
        super().__init__(f"unknown {kind} '{name}'.{hint or did_you_mean(name, known)}{choices}")


class NothingSelected(GeneratorError):
    """The filters of a set (template, family, topic, type, difficulty) leave nothing to generate."""


def reproduce_command(template, seed, difficulty, pins=None, bank_dirs=(), kind=None, options=()):
    """The one command that rebuilds a variant as it was asked for: every --param pin and --bank kept,
    and `options`, the run's own settings that can decide a failure (--device, --time-limit, --no-builtin)."""
    import json
    import shlex

    words = ["torchquiz", "preview", template, "--seed", str(seed), "--difficulty", difficulty]
    if kind:  # a template that makes several question types: rebuild the one that failed
        words += ["--type", kind]
    for name, value in (pins or {}).items():
        words += ["--param", f"{name}={json.dumps(value)}"]
    for directory in dict.fromkeys(map(str, bank_dirs)):  # a bank given twice (--bank and the file's own) once
        words += ["--bank", directory]
    return shlex.join(words + list(options))


class VariantError(GeneratorError):
    """One variant could not be built; names the template, seed and difficulty and how to reproduce it.

    `pins` and `bank_dirs` are filled in by whoever knows the job (the worker), so the
    reproduce command keeps them."""

    def __init__(self, template, difficulty, seed, message, pins=None, bank_dirs=(), kind=None):
        self.template, self.difficulty, self.seed, self.message = template, difficulty, seed, message
        self.kind = kind  # the question type, for a template that makes several
        self.pins, self.bank_dirs = dict(pins or {}), tuple(bank_dirs)
        self.options = ()  # the run's settings as command-line words (filled in by the worker)
        super().__init__(message)

    @property
    def reproduce(self):
        return reproduce_command(self.template, self.seed, self.difficulty, self.pins, self.bank_dirs, self.kind,
                                 self.options)

    def __str__(self):
        return f"{self.template} (seed {self.seed}, {self.difficulty}): {self.message}\n  reproduce: {self.reproduce}"


class DeviceUnavailable(GeneratorError):
    """The requested torch device does not exist on this machine."""


class WorkerFailure(GeneratorError):
    """A worker process died or could not start."""
