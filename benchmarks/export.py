"""Export throughput: 1,000 and 10,000 questions in every format of the export registry.

Prints questions/s per format and size, and the 10k/1k time ratio (about 10 when the
export is linear). Target (issues 5 and 11): 10,000 questions in under 2 s per format.
Each format runs as `torchquiz export` runs it (exports.registry, default options): Moodle
split at 2 MB, QTI packages zipped, so the figures include writing every file's bytes.

The records are the tests' edge-case set replicated with distinct ids and distinct code
(tests/export_records.py), so caches cannot flatter the figures. Each export includes
validating every record against the question schema, as the CLI does. Every run starts
with a cold highlighting cache; the fastest of --repeat runs counts. Both CPU seconds of
this process and wall seconds are printed: on a shared machine wall time includes waiting
for a core, so the target is judged on CPU seconds (and shown for wall seconds too).

    .venv/bin/python benchmarks/export.py [--repeat 3]
"""
import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from export_records import replicated_records  # noqa: E402
from torchquiz.exports.registry import FORMATS as REGISTRY, export as run_export  # noqa: E402
from torchquiz.exports.text import clear_highlight_cache  # noqa: E402

FORMATS = {name: (lambda records, name=name: run_export(name, records)) for name in REGISTRY}
SIZES = (1_000, 10_000)
TARGET_SECONDS = 2.0


def best_times(export, records, repeat):
    """Fastest CPU and wall seconds over `repeat` cold runs, and the output size in bytes."""
    cpu, wall = [], []
    for _ in range(repeat):
        clear_highlight_cache()  # every run starts cold, as one export command does
        gc.collect()
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        output = export(records)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return min(cpu), min(wall), sum(len(f.encode("utf-8") if isinstance(f, str) else f) for f in output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest counts")
    args = parser.parse_args()
    sets = {size: replicated_records(size) for size in SIZES}
    for export in FORMATS.values():  # import and compile templates, lexer, schema outside the timing
        export(sets[SIZES[0]][:20])
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"{'format':<8}{'questions':>10}{'cpu s':>8}{'wall s':>8}{'questions/s (cpu)':>19}{'MB':>7}")
    failed = False
    for name, export in FORMATS.items():
        cpu, wall = {}, {}
        for size in SIZES:
            cpu[size], wall[size], size_bytes = best_times(export, sets[size], args.repeat)
            print(f"{name:<8}{size:>10,}{cpu[size]:>8.3f}{wall[size]:>8.3f}{size / cpu[size]:>19,.0f}"
                  f"{size_bytes / 1e6:>7.1f}")
        big, small = SIZES[1], SIZES[0]
        verdict = "ok" if cpu[big] < TARGET_SECONDS else "OVER TARGET"
        failed |= verdict != "ok"
        print(f"{name:<8}10k/1k ratio {cpu[big] / cpu[small]:.2f} cpu, {wall[big] / wall[small]:.2f} wall "
              f"(linear: about 10); 10k in {cpu[big]:.2f} s cpu, {wall[big]:.2f} s wall "
              f"(target < {TARGET_SECONDS:.0f} s): {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
