"""Importing a large Moodle Responses report: rows per second and peak memory.

Target (issue 10): 100,000 response rows imported in under 10 s. The rows are the real
Moodle 4.3 download (../shared/moodle-reports/responses.csv) repeated with fresh student
e-mails, so every cell is Moodle's real text and the real matcher, grader and store run
end to end through `import_moodle`, the function `torchquiz import moodle` calls:

    .venv/bin/python benchmarks/moodle_import.py [--rows 100000] [--grades]

A row of the Responses report is one quiz attempt with 12 responses (~4.7 kB of question
text), so 100,000 rows are 1.2 million responses and a 470 MB file; `--rows 8334` measures
100,000 responses. Measured on the shared 2-core development box (load ~9), 2026-11-29:
100,000 rows 242 s wall / 52 s CPU, peak 178 MiB; 8,334 rows (100,008 responses, with the
Grades report) 17 s wall / 4.2 s CPU, peak 93 MiB. About half the CPU is SQLite inserting
into the attempts table and its three indexes, a fifth is the csv module reading the text.

Peak memory is the process's maximum resident set (the whole process, Python included),
and the traced Python allocations peak in a separate, slower pass when --trace is given.
"""
import argparse
import csv
import io
import json
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from torchquiz.engine.moodle_import import import_moodle
from torchquiz.engine.store import Store

REPORTS = Path(__file__).resolve().parents[2] / "shared" / "moodle-reports"


def scaled_report(source, target, rows):
    """`rows` attempts: the real rows in turn, each with a new e-mail address (a new student)."""
    table = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    header, body = table[0], [r for r in table[1:] if r and r[0] != "Overall average"]
    email = header.index("Email address")
    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for n in range(rows):
            row = list(body[n % len(body)])
            row[email] = f"bench{n:06d}@example.com"
            writer.writerow(row)


def run(rows, grades, trace):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scaled_report(REPORTS / "responses.csv", tmp / "responses.csv", rows)
        if grades:
            scaled_report(REPORTS / "grades.csv", tmp / "grades.csv", rows)
        records = [json.loads(line) for line in (REPORTS / "set.jsonl").read_text().splitlines()]
        with Store.open(tmp / "bench.db") as store:
            store.add_questions(records)
            if trace:
                tracemalloc.start()
            started, cpu = time.perf_counter(), time.process_time()
            result = import_moodle(store, tmp / "responses.csv", tmp / "grades.csv" if grades else None)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            traced = tracemalloc.get_traced_memory()[1] if trace else None
            again = time.perf_counter()
            repeat = import_moodle(store, tmp / "responses.csv")
            repeat_s = time.perf_counter() - again
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"rows: {rows:,} attempts, {result.responses:,} responses ({'with' if grades else 'without'} Grades report)")
    print(f"import: {elapsed:.2f} s, {rows / elapsed:,.0f} rows/s, {result.responses / elapsed:,.0f} responses/s "
          f"(target: 100,000 rows < 10 s)")
    print(f"        CPU time of this process {cpu:.2f} s ({rows / cpu:,.0f} rows per CPU second; wall time "
          "also counts waiting for a shared CPU)")
    print(f"re-import (nothing new): {repeat_s:.2f} s, {repeat.already:,} already stored")
    print(f"peak memory: {peak_rss:,.0f} MiB resident (whole process)"
          + (f", {traced / 2**20:,.0f} MiB traced Python allocations" if trace else ""))
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--grades", action="store_true", help="also pair the Grades report")
    parser.add_argument("--trace", action="store_true", help="measure Python allocations (slower)")
    args = parser.parse_args(argv)
    if not (REPORTS / "responses.csv").exists():
        sys.exit(f"{REPORTS} is missing: the benchmark replays the real Moodle download")
    run(args.rows, args.grades, args.trace)


if __name__ == "__main__":
    main()
