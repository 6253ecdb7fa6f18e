"""Generator speed: variants/s, the ratio to the bare torch floor, and the 2-worker speed-up.

The floor is the same final snippets (answer and distractor runs of every accepted variant)
executed with exec() in a plain loop in this one process, torch already imported. The generator
is timed end to end (worker start-up included) and also without start-up.

    .venv/bin/python benchmarks/generate.py [--count 63] [--seed 1]
"""
import argparse
import contextlib
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from generator.api import load_templates, run_jobs, variant_jobs  # noqa: E402
from generator.templates import select_templates  # noqa: E402

FAMILIES = ("shape", "constructor", "metrics", "packing")


def timed_generation(jobs, workers, trace=False):
    marks = {}

    def on_progress(done, total):
        marks.setdefault("first", time.perf_counter())

    started = time.perf_counter()
    result = run_jobs(jobs, workers=workers, trace=trace, on_progress=on_progress)
    return result, time.perf_counter() - started


def startup_time(workers):
    from generator.workers import WorkerPool

    started = time.perf_counter()
    with WorkerPool(workers):
        pass
    return time.perf_counter() - started


def floor_time(snippet_lists):
    import torch  # noqa: F401  (imported before the clock starts, as in the workers)

    torch.set_num_threads(1)
    snippets = [code for per_variant in snippet_lists for code in per_variant]
    started = time.perf_counter()
    for code in snippets:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
            except Exception:
                pass
    return time.perf_counter() - started, len(snippets)


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
    t_floor, n_snippets = floor_time(one.snippets)
    n = len(one.records)
    assert n == len(two.records) and not one.failures, one.failures[:3]
    cpus = os.cpu_count()
    print(f"torch {one.torch} on {one.device}, {cpus} CPUs")
    print(f"{'':34}{'seconds':>10}{'variants/s':>12}")
    print(f"{'generator, 1 worker':34}{t_one:>10.2f}{n / t_one:>12.1f}")
    print(f"{'generator, 2 workers':34}{t_two:>10.2f}{n / t_two:>12.1f}")
    print(f"{'worker start-up (1 / 2)':34}{start_one:>10.2f}{start_two:>12.2f}")
    print(f"{'bare torch floor (' + str(n_snippets) + ' snippets)':34}{t_floor:>10.2f}{n / t_floor:>12.1f}")
    print()
    print(f"ratio generator(1 worker) / floor          {t_one / t_floor:6.2f}   (target <= 1.3)")
    print(f"  same, without worker start-up            {(t_one - start_one) / t_floor:6.2f}")
    print(f"speed-up 2 workers / 1 worker              {t_one / t_two:6.2f}   (target >= 1.6 on 2 cores)")
    print(f"  same, without worker start-up            {(t_one - start_one) / (t_two - start_two):6.2f}")


if __name__ == "__main__":
    main()
