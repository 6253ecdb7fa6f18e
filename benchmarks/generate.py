"""Generator speed: variants/s, the ratio to the bare torch floor, and the 2-worker speed-up.

The floor is the same final snippets (answer and distractor runs of every accepted variant)
executed with exec() in a plain loop in one process. It is timed two ways, to match the two ways
the generator is timed: end to end (a fresh `python` that imports torch and runs the loop, as
the generator's worker must import torch too) and steady state (the loop alone, torch already
imported; the generator without its worker start-up).

    .venv/bin/python benchmarks/generate.py [--count 63] [--seed 1]
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from torchquiz.generator.settings import GenerationSettings

from torchquiz.generator.api import load_templates, run_jobs, variant_jobs  # noqa: E402
from torchquiz.generator.templates import select_templates  # noqa: E402

FAMILIES = ("shape", "constructor", "metrics", "packing")


def timed_generation(jobs, workers, trace=False):
    marks = {}

    def on_progress(done, total):
        marks.setdefault("first", time.perf_counter())

    started = time.perf_counter()
    result = run_jobs(jobs, GenerationSettings(workers=workers), trace=trace, on_progress=on_progress)
    return result, time.perf_counter() - started


def startup_time(workers):
    from torchquiz.generator.workers import WorkerPool

    started = time.perf_counter()
    with WorkerPool(GenerationSettings(workers=workers)) as pool:
        pool.ready()
    return time.perf_counter() - started


FLOOR_LOOP = """
import contextlib, io, json, sys, time
started = time.perf_counter()
import torch
torch.set_num_threads(1)
imported = time.perf_counter()
for code in json.load(open(sys.argv[1])):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
        except Exception:
            pass
print(json.dumps({"loop": time.perf_counter() - imported}))
"""


def floor_times(snippet_lists):
    """(end-to-end seconds of a fresh process, seconds of the loop alone, number of snippets)."""
    import json
    import subprocess
    import tempfile

    snippets = [code for per_variant in snippet_lists for code in per_variant]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(snippets, handle)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", FLOOR_LOOP, handle.name], capture_output=True, text=True, check=True)
    end_to_end = time.perf_counter() - started
    os.unlink(handle.name)
    return end_to_end, json.loads(done.stdout)["loop"], len(snippets)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=None, help="variants per template (default: ~1000 in all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    templates = select_templates(load_templates(), (), FAMILIES)
    count = args.count or max(1, round(1000 / len(templates)))
    jobs = variant_jobs(templates, count, args.seed)
    print(f"{len(jobs)} variants: {count} per template x {len(templates)} templates ({', '.join(FAMILIES)})")

    one, t_one = timed_generation(jobs, 1, trace=True)
    two, t_two = timed_generation(jobs, 2)
    start_one, start_two = startup_time(1), startup_time(2)
    t_floor_e2e, t_floor, n_snippets = floor_times(one.snippets)
    n = len(one.records)
    assert n == len(two.records) and not one.failures, one.failures[:3]
    cpus = os.cpu_count()
    print(f"torch {one.torch} on {one.device}, {cpus} CPUs")
    print(f"{'':34}{'seconds':>10}{'variants/s':>12}")
    print(f"{'generator, 1 worker':34}{t_one:>10.2f}{n / t_one:>12.1f}")
    print(f"{'generator, 2 workers':34}{t_two:>10.2f}{n / t_two:>12.1f}")
    print(f"{'worker start-up (1 / 2)':34}{start_one:>10.2f}{start_two:>12.2f}")
    print(f"{'floor, fresh process (' + str(n_snippets) + ' snippets)':34}{t_floor_e2e:>10.2f}{n / t_floor_e2e:>12.1f}")
    print(f"{'floor, loop alone':34}{t_floor:>10.2f}{n / t_floor:>12.1f}")
    print()
    print(f"ratio generator(1 worker) / floor, end to end    {t_one / t_floor_e2e:6.2f}   (target <= 1.3)")
    print(f"  steady state (no start-up, no torch import)    {(t_one - start_one) / t_floor:6.2f}")
    print(f"speed-up 2 workers / 1 worker, end to end        {t_one / t_two:6.2f}   (target >= 1.6 on 2 cores)")
    print(f"  steady state (no start-up)                     {(t_one - start_one) / (t_two - start_two):6.2f}")


if __name__ == "__main__":
    main()
