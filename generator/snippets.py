"""Running one snippet inside a torch worker: captured stdout, the exception it raised, a time limit."""
import contextlib
import dataclasses
import io
import json
import re
import signal
import warnings


class SnippetTimeout(BaseException):
    """Raised inside a snippet that ran past its time limit (BaseException so `except Exception` can't eat it)."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    stdout: str
    exception: str | None = None
    message: str | None = None
    result: object = None        # the snippet's `result` variable (compute snippets), JSON values only
    warnings: tuple = ()         # ((category, first line of message), ...) that the snippet made Python warn
    line: int | None = None      # the snippet's line the exception came from (innermost), not in the record
    own: bool = False            # the snippet's own code raised it (last frame, a SyntaxError, or a module's
                                 # __getattr__ refusing a name it asked for), not code it called

    def as_record(self):
        record = {"stdout": self.stdout, "exception": self.exception, "message": self.message}
        if self.warnings:  # only when it warned: records of snippets that don't warn stay byte-identical
            record["warnings"] = [{"category": c, "message": m} for c, m in self.warnings]
        return record


def _on_alarm(signum, frame):
    raise SnippetTimeout()


def _first_line(exc):
    text = str(exc).strip()
    return text.splitlines()[0] if text else None


def run_snippet(code, time_limit=20.0):
    """Execute `code` as `__main__` in a fresh namespace and report what it did.

    A snippet that runs past `time_limit` seconds raises SnippetTimeout to the caller,
    which is a failure of the template, not an answer.
    """
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    buffer = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    # "always": a warning is part of what the snippet does, so a worker that already ran a warning
    # snippet must report it again (the default filter shows each warning once per process).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(code, "<snippet>", "exec"), namespace)
        except SnippetTimeout:
            raise
        except (Exception, SystemExit) as exc:  # the snippet's own error is the answer, not ours
            return RunResult(buffer.getvalue(), type(exc).__name__, _first_line(exc), warnings=_warned(caught),
                             **_origin(exc))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    result = namespace.get("result")
    if result is not None:
        result = json.loads(json.dumps(result))  # JSON values only: the record must serialise
    return RunResult(buffer.getvalue(), None, None, result, _warned(caught))


def _origin(exc):
    """Where in the snippet an exception came from: its innermost line there, and whether the snippet's
    own code raised it (a SyntaxError in it, or a last frame that is the snippet's, not torch's). An attribute
    a module lacks counts as the snippet's even where the module answers it with its own `__getattr__`
    (PEP 562): `torch.zeross` is raised in torch/__init__.py, as `nn.LSMT` is not."""
    if isinstance(exc, SyntaxError) and exc.filename == "<snippet>":
        return {"line": exc.lineno, "own": True}
    frames, tb = [], exc.__traceback__
    while tb is not None:
        frames.append(tb)
        tb = tb.tb_next
    lines = [f.tb_lineno for f in frames if f.tb_frame.f_code.co_filename == "<snippet>"]
    own = bool(frames) and (frames[-1].tb_frame.f_code.co_filename == "<snippet>" or (
        isinstance(exc, AttributeError) and len(frames) > 1 and _module_getattr(frames[-1].tb_frame)
        and frames[-2].tb_frame.f_code.co_filename == "<snippet>"))
    return {"line": lines[-1] if lines else None, "own": own}


def _module_getattr(frame):
    """Whether `frame` runs a module's own `__getattr__` (PEP 562), the function the module's globals name so."""
    hook = frame.f_globals.get("__getattr__")
    return frame.f_code.co_name == "__getattr__" and getattr(hook, "__code__", None) is frame.f_code


# A backend's notice about itself ("LSTM with projections is not supported with oneDNN") depends on
# the device and build torch runs on, not on the code: it is no part of what the snippet does, and a
# record must read the same on every device (an option said "with a UserWarning" on CPU only).
BACKEND_NOTICE = re.compile(r"onednn|mkldnn|cudnn|miopen", re.IGNORECASE)


def _warned(caught):
    """Distinct (category, first message line) pairs in the order Python raised them, backend notices left out."""
    return tuple(dict.fromkeys((w.category.__name__, _first_line(w.message) or "") for w in caught
                               if not BACKEND_NOTICE.search(str(w.message))))


class CachedRunner:
    """Runs snippets, reusing the result of any snippet text already run (results are deterministic)."""

    def __init__(self, time_limit=20.0):
        self.time_limit = time_limit
        self.cache = {}
        self.executed = []   # distinct snippets run since the last reset, for the benchmark floor

    def __call__(self, code):
        if code not in self.cache:
            self.cache[code] = run_snippet(code, self.time_limit)
        self.executed.append(code)
        return self.cache[code]
