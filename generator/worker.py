"""A persistent torch worker: imports torch once, then builds variants sent as JSON lines.

Protocol (one JSON object per line): the worker first answers
{"ok": true, "torch": ..., "device": ...} or {"ok": false, "error": ...}; then for each
job {"id", "template", "type" (a template that makes several types), "difficulty", "seed", "pins", "trace"} it answers
{"id", "record"} or {"id", "error"}. Run it as `python -m torchquiz.generator.worker --device cpu`.
"""
import argparse
import json
import os
import signal
import sys

from .catalogue import load_misconceptions
from .errors import GeneratorError, VariantError
from .snippets import CachedRunner, SnippetTimeout
from .settings import GenerationSettings, device_name_problem
from .templates import load_bank, load_template
from .variant import build_variant

CACHE_LIMIT = 20000


def resolve_device(torch, name):
    """The torch device to run on, or a ValueError saying why it is not there."""
    if name == "auto":
        if torch.cuda.is_available():
            name = "cuda"
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            name = "mps"
        else:
            name = "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            why = ("this torch build has no CUDA support" if torch.version.cuda is None
                   else "no CUDA GPU is visible (check the driver and CUDA_VISIBLE_DEVICES)")
            raise ValueError(f"--device {name}: CUDA is not available: {why} (torch {torch.__version__}). "
                             f"Use --device cpu or --device auto.")
        device = torch.device(name)
        index = device.index if device.index is not None else torch.cuda.current_device()
        if index >= torch.cuda.device_count():
            raise ValueError(f"--device {name}: only {torch.cuda.device_count()} CUDA device(s) visible")
        return f"cuda:{index}"
    if name == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ValueError("--device mps: Apple MPS is not available on this machine. Use --device cpu or auto.")
        return "mps"
    if name != "cpu":
        raise ValueError(f"--device {name}: {device_name_problem(name) or 'unknown device'}")
    return "cpu"


class TemplateCache:
    """Templates loaded when a job first needs them: from the job's `path` when the parent sent one
    (the parent validated it), else from the whole bank, loaded once."""

    def __init__(self, bank_dirs, include_builtin):
        self.bank_dirs, self.include_builtin = bank_dirs, include_builtin
        self.by_path, self.bank = {}, None

    def get(self, job):
        if job.get("path"):
            if job["path"] not in self.by_path:
                self.by_path[job["path"]] = load_template(job["path"], validate=False)
            return self.by_path[job["path"]]
        if self.bank is None:
            self.bank, _ = load_bank(self.bank_dirs, self.include_builtin, validate=False)
        return self.bank[job["template"]]


def _with_job(error, job, settings):
    """The error with the job's pins and banks, so its reproduce command rebuilds this very variant."""
    error.pins, error.bank_dirs = dict(job.get("pins") or {}), settings.bank_dirs
    error.kind = error.kind or job.get("type")
    error.options = settings.command_words()
    return error


def serve(settings, protocol):
    def send(message):
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    import torch

    torch.set_num_threads(1)  # tiny tensors: threads cost more than they give, and workers run side by side
    # torch's C++ warn-once warnings (e.g. an LSTM with proj_size on oneDNN) fire only in the first snippet of a
    # process that hits them; which snippet that is depends on how jobs fell to workers, and a recorded warning
    # is part of the record. Warning every time keeps the set the same for any number of workers.
    torch.set_warn_always(True)
    try:
        device = resolve_device(torch, settings.device)
    except ValueError as exc:
        send({"ok": False, "error": str(exc)})
        return
    if device != "cpu":
        torch.set_default_device(device)  # the learner's snippet stays free of device code
    try:
        catalogue = load_misconceptions(settings.bank_dirs, settings.include_builtin)
    except GeneratorError as exc:
        send({"ok": False, "error": str(exc)})
        return
    provenance = {"torch": torch.__version__, "device": device}
    send({"ok": True, "torch": torch.__version__, "device": device, "pid": os.getpid()})
    runner = CachedRunner(settings.time_limit)
    templates = TemplateCache(settings.bank_dirs, settings.include_builtin)
    for line in sys.stdin:
        job = json.loads(line)
        if len(runner.cache) > CACHE_LIMIT:
            runner.cache.clear()
        runner.executed = []
        try:
            template = templates.get(job).as_type(job.get("type"))  # a job names the type of a several-type template
            record = build_variant(template, job["difficulty"], job["seed"], runner, catalogue,
                                   provenance, job.get("pins"))
            reply = {"id": job["id"], "record": record}
        except SnippetTimeout:
            error = VariantError(job["template"], job["difficulty"], job["seed"],
                                 f"a snippet ran past the {settings.time_limit:g} s time limit")
            reply = {"id": job["id"], "error": str(_with_job(error, job, settings))}
        except VariantError as exc:
            reply = {"id": job["id"], "error": str(_with_job(exc, job, settings))}
        except GeneratorError as exc:
            reply = {"id": job["id"], "error": str(exc)}
        except Exception as exc:  # a template bug must fail its variant, never the worker
            error = VariantError(job["template"], job["difficulty"], job["seed"], f"{type(exc).__name__}: {exc}")
            reply = {"id": job["id"], "error": str(_with_job(error, job, settings))}
        if job.get("trace"):
            reply["snippets"] = list(dict.fromkeys(runner.executed))
        send(reply)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m torchquiz.generator.worker")
    GenerationSettings.add_arguments(parser)
    settings = GenerationSettings.from_arguments(parser.parse_args(argv))
    # Ctrl-C, a closed terminal or a SIGTERM to the process group reaches every worker too: the parent
    # decides and stops them; a worker whose parent is gone sees its stdin end and exits.
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    # Keep the protocol on a private copy of stdout: C code or snippets writing to fd 1 can't corrupt it.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    serve(settings, protocol)


if __name__ == "__main__":
    main()
