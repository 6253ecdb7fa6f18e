"""A pool of persistent torch worker processes with a deadline on every job.

A job that hangs or crashes its worker fails alone: the worker is killed and replaced,
and the pool goes on with the next job.
"""
import json
import os
import selectors
import subprocess
import sys
import time

from .errors import DeviceUnavailable, WorkerFailure

START_TIMEOUT = 180.0


class Worker:
    def __init__(self, command):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, bufsize=1)
        self.job = None
        self.deadline = None
        self.hello = None

    def read_hello(self):
        ready = selectors.DefaultSelector()
        ready.register(self.process.stdout, selectors.EVENT_READ)
        if not ready.select(START_TIMEOUT):
            self.kill()
            raise WorkerFailure(f"a torch worker did not start within {START_TIMEOUT:g} s")
        line = self.process.stdout.readline()
        if not line:
            err = self.process.stderr.read()[-2000:]
            raise WorkerFailure(f"a torch worker exited while starting:\n{err}")
        self.hello = json.loads(line)
        if not self.hello.get("ok"):
            self.kill()
            raise DeviceUnavailable(self.hello["error"])
        return self.hello

    def send(self, job, deadline):
        self.job, self.deadline = job, deadline
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """`size` workers on `device`; use as a context manager, then `run(jobs)`."""

    def __init__(self, size=1, device="cpu", time_limit=20.0, bank_dirs=(), include_builtin=True):
        self.size, self.time_limit = max(1, size), time_limit
        self.command = [sys.executable, "-m", "generator.worker", "--device", device,
                        "--time-limit", str(time_limit)]
        for directory in bank_dirs:
            self.command += ["--bank", os.fspath(directory)]
        if not include_builtin:
            self.command.append("--no-builtin")
        self.workers = []
        self.hello = None

    def __enter__(self):
        self.workers = [Worker(self.command) for _ in range(self.size)]
        try:
            for worker in self.workers:
                self.hello = worker.read_hello()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for worker in self.workers:
            worker.kill()
        self.workers = []

    @property
    def job_timeout(self):
        # The worker stops a Python-level hang itself at time_limit; this catches hangs inside C code.
        return max(3 * self.time_limit, self.time_limit + 10)

    def _replace(self, worker):
        worker.kill()
        fresh = Worker(self.command)
        fresh.read_hello()
        self.workers[self.workers.index(worker)] = fresh
        return fresh

    def run(self, jobs):
        """Yield (job, reply) as jobs finish; reply has "record" or "error"."""
        pending = list(reversed(jobs))
        selector = selectors.DefaultSelector()

        def dispatch(worker):
            if pending:
                worker.send(pending.pop(), time.monotonic() + self.job_timeout)
                selector.register(worker.process.stdout, selectors.EVENT_READ, worker)

        for worker in self.workers:
            dispatch(worker)
        try:
            while selector.get_map():
                nearest = min(w.deadline for w in self.workers if w.job is not None)
                events = selector.select(max(0.0, nearest - time.monotonic()))
                finished = []
                for key, _ in events:
                    worker = key.data
                    line = worker.process.stdout.readline()
                    if line:
                        finished.append((worker, json.loads(line)))
                    else:
                        code = worker.process.wait()
                        finished.append((worker, {"error": f"the worker process died (exit code {code}) "
                                                           f"while building this variant", "crashed": True}))
                now = time.monotonic()
                for worker in self.workers:
                    if worker.job is not None and worker.deadline < now and all(w is not worker for w, _ in finished):
                        finished.append((worker, {"error": f"ran past the {self.job_timeout:g} s job deadline "
                                                           f"(the worker was killed and replaced)", "crashed": True}))
                for worker, reply in finished:
                    job = worker.job
                    selector.unregister(worker.process.stdout)
                    worker.job = None
                    if reply.get("crashed"):
                        worker = self._replace(worker)
                    yield job, reply
                    dispatch(worker)
        finally:
            selector.close()
