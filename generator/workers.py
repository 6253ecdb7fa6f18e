"""A pool of persistent torch worker processes with a deadline on every job.

A job that hangs or crashes its worker fails alone: the worker is killed and replaced,
and the pool goes on with the next job. Each worker holds up to PIPELINE jobs, so it
starts the next variant while the parent reads the last one.
"""
import collections
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time

from .errors import DeviceUnavailable, WorkerFailure
from .settings import GenerationSettings

START_TIMEOUT = 180.0
PIPELINE = 2


class Worker:
    def __init__(self, command):
        # stderr goes to a file, not a pipe: a chatty snippet must not fill a pipe nobody reads.
        self.stderr = tempfile.TemporaryFile(mode="w+")
        # Unbuffered binary pipes and our own line buffer: a buffered readline could swallow two
        # replies at once and leave select() waiting for data that already arrived.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.stderr, bufsize=0)
        self.fd = self.process.stdout.fileno()
        self.pending_bytes = b""
        self.jobs = collections.deque()   # in flight, oldest first; replies come back in this order
        self.deadline = None              # of the oldest job in flight
        self.hello = None

    def read_lines(self):
        """The complete reply lines now available (maybe none); None once the worker has exited."""
        chunk = os.read(self.fd, 1 << 20)
        if not chunk:
            return None
        *lines, self.pending_bytes = (self.pending_bytes + chunk).split(b"\n")
        return [json.loads(line) for line in lines]

    def read_hello(self):
        ready = selectors.DefaultSelector()
        ready.register(self.fd, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT
        lines = []
        while not lines:
            if not ready.select(max(0.0, deadline - time.monotonic())):
                self.kill()
                raise WorkerFailure(f"a torch worker did not start within {START_TIMEOUT:g} s")
            lines = self.read_lines()
            if lines is None:
                self.process.wait()
                self.stderr.seek(0)
                raise WorkerFailure(f"a torch worker exited while starting:\n{self.stderr.read()[-2000:]}")
        self.hello = lines[0]
        if not self.hello.get("ok"):
            self.kill()
            raise DeviceUnavailable(self.hello["error"])
        return self.hello

    def send(self, job, timeout):
        if not self.jobs:
            self.deadline = time.monotonic() + timeout
        self.jobs.append(job)
        data = (json.dumps(job) + "\n").encode()
        while data:
            data = data[os.write(self.process.stdin.fileno(), data):]

    def finish(self, timeout):
        """The oldest job is answered; the next one's clock starts now."""
        job = self.jobs.popleft()
        self.deadline = time.monotonic() + timeout if self.jobs else None
        return job

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            try:
                stream.close()
            except OSError:
                pass


class WorkerPool:
    """Workers as the settings say (or `size` of them); use as a context manager, then `run(jobs)`."""

    def __init__(self, settings=None, size=None):
        settings = settings or GenerationSettings()
        self.settings = settings
        self.size, self.time_limit = max(1, size or settings.workers), settings.time_limit
        self.command = [sys.executable, "-m", "torchquiz.generator.worker", *settings.command_line()]
        self.workers = []
        self.hello = None

    def __enter__(self):
        # Spawn only: the workers import torch while the caller does its own start-up work.
        self.workers = [Worker(self.command) for _ in range(self.size)]
        return self

    def ready(self):
        """Wait until every worker has imported torch and found its device (raises DeviceUnavailable)."""
        try:
            for worker in self.workers:
                if worker.hello is None:
                    self.hello = worker.read_hello()
        except BaseException:
            self.close()
            raise
        return self.hello

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
        self.ready()
        pending = collections.deque(jobs)
        selector = selectors.DefaultSelector()

        def dispatch(worker):
            while pending and len(worker.jobs) < PIPELINE:
                worker.send(pending.popleft(), self.job_timeout)
            if worker.jobs and worker.fd not in selector.get_map():
                selector.register(worker.fd, selectors.EVENT_READ, worker)

        for worker in self.workers:
            dispatch(worker)
        try:
            while selector.get_map():
                nearest = min(w.deadline for w in self.workers if w.jobs)
                events = selector.select(max(0.0, nearest - time.monotonic()))
                for key, _ in events:
                    worker = key.data
                    if worker not in self.workers:  # replaced while handling an earlier event
                        continue
                    replies = worker.read_lines()
                    if replies is None:
                        code = worker.process.wait()
                        yield from self._fail(worker, selector, pending, dispatch,
                                              f"the worker process died (exit code {code}) while building this variant")
                        continue
                    for reply in replies:
                        job = worker.finish(self.job_timeout)
                        if not worker.jobs:
                            selector.unregister(worker.fd)
                        yield job, reply
                    dispatch(worker)
                now = time.monotonic()
                for worker in list(self.workers):
                    if worker.jobs and worker.deadline < now:
                        yield from self._fail(worker, selector, pending, dispatch,
                                              f"ran past the {self.job_timeout:g} s job deadline "
                                              f"(the worker was killed and replaced)")
        finally:
            selector.close()

    def _fail(self, worker, selector, pending, dispatch, message):
        """The oldest job in flight failed with its worker: replace the worker, re-queue the others."""
        if worker.fd in selector.get_map():
            selector.unregister(worker.fd)
        failed = worker.jobs.popleft()
        pending.extendleft(reversed(worker.jobs))
        fresh = self._replace(worker)
        yield failed, {"error": message, "crashed": True}
        dispatch(fresh)
