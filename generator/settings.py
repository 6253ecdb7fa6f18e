"""Where and how generation runs: one object built once (by the CLI's generation options) and
passed whole to the worker pool, to every generator entry point and to the near-variant maker,
so a `--bank` or `--device` given by the user reaches every place that loads templates or runs torch.
"""
import dataclasses
import os
import re

DEVICE_ENV = "TORCHQUIZ_DEVICE"
BANK_ENV = "TORCHQUIZ_BANK"


DEVICE_FORMS = "cpu, cuda, cuda:N, mps or auto"


def device_name_problem(name):
    """Why `name` cannot name a torch device (None when it can): the form only, without torch,
    so a misspelt --device fails before a worker starts.  Whether the device is present is the
    worker's to say (`torchquiz.generator.worker.resolve_device`)."""
    if re.fullmatch(r"cpu|cuda(:\d+)?|mps|auto", name or ""):
        return None
    return f"unknown device {name!r}; use {DEVICE_FORMS}"


def default_workers():
    """One torch worker per CPU, at most 4 (more rarely pays: each imports torch, ~0.3 GB)."""
    return min(4, os.cpu_count() or 1)


@dataclasses.dataclass(frozen=True)
class GenerationSettings:
    device: str = "cpu"                 # cpu, cuda, cuda:N, mps or auto
    workers: int = dataclasses.field(default_factory=default_workers)
    time_limit: float = 20.0            # seconds per snippet run
    bank_dirs: tuple = ()               # extra template folders, searched after the built-in bank
    include_builtin: bool = True

    def __post_init__(self):
        object.__setattr__(self, "bank_dirs", tuple(os.fspath(d) for d in self.bank_dirs))
        if self.workers < 1:
            raise ValueError(f"workers={self.workers!r}: at least 1")
        if self.time_limit <= 0:
            raise ValueError(f"time_limit={self.time_limit!r}: must be positive")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def command_line(self):
        """These settings as command-line options, for the worker and near-variant subprocesses."""
        args = ["--device", self.device, "--workers", str(self.workers), "--time-limit", str(self.time_limit)]
        for directory in self.bank_dirs:
            args += ["--bank", directory]
        if not self.include_builtin:
            args.append("--no-builtin")
        return args

    def command_words(self):
        """The settings that can decide whether a variant builds, as `torchquiz preview` options: the device,
        and the time limit and --no-builtin where they differ from the defaults (--bank goes with the pins)."""
        defaults = GenerationSettings(workers=1)
        words = ["--device", self.device]  # always: TORCHQUIZ_DEVICE in the shell that reruns it may differ
        words += [] if self.time_limit == defaults.time_limit else ["--time-limit", repr(self.time_limit)]
        return tuple(words + ([] if self.include_builtin else ["--no-builtin"]))

    @staticmethod
    def add_arguments(parser):
        """The options of command_line() on an argparse parser (subprocess side)."""
        parser.add_argument("--device", default="cpu")
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--time-limit", type=float, default=20.0)
        parser.add_argument("--bank", action="append", default=[])
        parser.add_argument("--no-builtin", action="store_true")

    @classmethod
    def from_arguments(cls, args):
        return cls(device=args.device, workers=args.workers, time_limit=args.time_limit,
                   bank_dirs=tuple(args.bank), include_builtin=not args.no_builtin)
