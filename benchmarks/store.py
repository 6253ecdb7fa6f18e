"""Store and quiz-session speed on a large bank: recording an attempt, choosing the next question,
and (--refit) the pooled calibration's refit as the store grows to 10^6 attempts.

Targets (issue 4): recording an attempt <= 5 ms; next-question selection p99 <= 20 ms
from a DB holding 100,000 questions. Everything is measured end to end through the
real store on a real SQLite file (WAL, synchronous=NORMAL), in one run:

    .venv/bin/python benchmarks/store.py [--questions 100000] [--answers 300]
    .venv/bin/python benchmarks/store.py --refit [--attempts 10000,100000,1000000]
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402

from torchquiz.engine import progress  # noqa: E402
from torchquiz.record.grading import grade  # noqa: E402
from torchquiz.engine.session import QuizSession  # noqa: E402
from torchquiz.engine.store import Store  # noqa: E402
from quiz_fixtures import LABELS, TOPICS, shape_question  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def ms(seconds):
    return f"{seconds * 1000:7.2f} ms"


def build(path, count):
    records = (shape_question(n, topic=TOPICS[n % len(TOPICS)], difficulty=LABELS[(n // 6) % 3])
               for n in range(count))
    started = time.perf_counter()
    with Store.open(path) as store:
        batch = []
        for record in records:
            batch.append(record)
            if len(batch) == 10_000:
                store.add_questions(batch)
                batch = []
        store.add_questions(batch)
        stored = store.count_questions()
    return stored, time.perf_counter() - started


def add_attempts(store, item_ids, true_b, count, first_learner, rng):
    """`count` answers by new learners (20 each, one finished session each), 2PL with a = 1.3."""
    learners = count // 20
    ids = np.arange(first_learner, first_learner + learners)
    theta = rng.normal(size=learners)
    picks = np.array([rng.choice(len(item_ids), 20, replace=False) for _ in range(learners)])
    correct = rng.random(picks.shape) < 1 / (1 + np.exp(-1.3 * (theta[:, None] - true_b[picks])))
    stamp = "2026-01-01T00:00:00Z"
    with store.write() as conn:
        conn.executemany("INSERT INTO learners (id, name, created_at) VALUES (?, ?, ?)",
                         [(int(i), f"sim{i}", stamp) for i in ids])
        conn.executemany("INSERT INTO sessions (id, learner_id, status, length, target, filters, seed, pending, "
                         "started_at) VALUES (?, ?, 'finished', 20, 0.7, '{}', 0, '[]', ?)",
                         [(int(i), int(i), stamp) for i in ids])
        conn.executemany("INSERT INTO attempts (session_id, learner_id, question_id, position, correct, skipped, "
                         "answered_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
                         [(int(ids[l]), int(ids[l]), item_ids[picks[l, k]], k + 1, int(correct[l, k]), stamp)
                          for l in range(learners) for k in range(20)])
        conn.execute("UPDATE items SET n_seen = (SELECT count(*) FROM attempts a WHERE a.question_id = items.question_id)")
    return first_learner + learners


def refit_growth(sizes, templates=500, full_up_to=100_000):
    """Time the quiz's scheduled refit (warm start, REFIT_ITERATIONS) at each store size, and a
    full `calibrate` up to `full_up_to` attempts: a bank of templates x 3 levels x 10 variants."""
    rng = np.random.default_rng(9)
    base = rng.normal(0, 0.45, templates)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "refit.db") as store:
        records = [shape_question(n, template=f"t{n // 30}", difficulty=LABELS[(n // 10) % 3],
                                  topic=TOPICS[(n // 30) % len(TOPICS)]) for n in range(templates * 30)]
        store.add_questions(records)
        item_ids = [r["id"] for r in records]
        true_b = np.array([base[n // 30] + 1.1 * ((n // 10) % 3 - 1) + rng.normal(0, 0.2) for n in range(len(records))])
        print(f"refit: {len(item_ids)} questions ({templates} templates x 3 levels x 10 variants), "
              f"load average {os.getloadavg()[0]:.1f}")
        print(f"{'attempts':>10} {'scheduled refit':>16} {'full calibrate':>15} {'b RMSE':>7}")
        done, learner, previous = 0, 1, None
        for size in sizes:
            learner = add_attempts(store, item_ids, true_b, size - done, learner, rng)
            done = size
            started = time.perf_counter()
            progress.calibrate(store, iterations=progress.REFIT_ITERATIONS)
            scheduled = time.perf_counter() - started
            full = float("nan")
            if size <= full_up_to:  # 30 cold iterations: what `torchquiz calibrate` runs
                started = time.perf_counter()
                progress.calibrate(store)
                full = time.perf_counter() - started
            fitted = dict(store.conn.execute("SELECT question_id, b FROM items"))
            rmse = float(np.sqrt(np.mean([(fitted[q] - b) ** 2 for q, b in zip(item_ids, true_b)])))
            growth = "" if previous is None else \
                f"   growth exponent {np.log(scheduled / previous[1]) / np.log(size / previous[0]):.2f}"
            print(f"{size:>10,} {scheduled:>15.1f}s {full:>14.1f}s {rmse:>7.3f}{growth}", flush=True)
            previous = (size, scheduled)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=300, help="answers timed (one session)")
    parser.add_argument("--refit", action="store_true", help="time refits as attempts grow, instead")
    parser.add_argument("--attempts", default="10000,100000,1000000", help="store sizes for --refit")
    args = parser.parse_args()
    if args.refit:
        refit_growth([int(n) for n in args.attempts.split(",")])
        return
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        stored, build_s = build(path, args.questions)
        size_mb = path.stat().st_size / 1e6
        print(f"bank: {stored} questions stored in {build_s:.1f} s, {size_mb:.0f} MB; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall-clock tails grow with load)")
        with Store.open(path) as store:
            started = time.perf_counter()
            session = QuizSession.start(store, "bench", length=args.answers + 1, seed=1)
            start_s = time.perf_counter() - started
            select, select_cpu, answer, answer_cpu, record_only = [], [], [], [], []
            for _ in range(args.answers):
                t0, c0 = time.perf_counter(), time.process_time()
                record = session.next_question()  # select + remember on screen + load the record
                t1, c1 = time.perf_counter(), time.process_time()
                letter = "ABCD"[rng.randrange(4)]
                session.answer(record, grade(record, letter), seconds=3.0)  # EAP + online step + one commit
                t2, c2 = time.perf_counter(), time.process_time()
                select.append(t1 - t0)
                select_cpu.append(c1 - c0)
                answer.append(t2 - t1)
                answer_cpu.append(c2 - c1)
            learner = session.row.learner_id
            qid = record["id"]
            for _ in range(args.answers):  # the store's write alone
                t0 = time.perf_counter()
                progress.record_attempt(store, session.row, progress.Attempt(qid, "A", True), item_b=0.1,
                                        abilities={"*": (0.1, 0.5, 10), "lstm": (0.2, 0.6, 5)})
                record_only.append(time.perf_counter() - t0)
            assert progress.learner_summary(store, learner)["attempts"] == 2 * args.answers
        rows = [("session start (load pool of %d)" % stored, [start_s]),
                ("next-question selection, end to end", select),
                ("next-question selection, CPU time only", select_cpu),
                ("recording an answer, end to end", answer),
                ("recording an answer, CPU time only", answer_cpu),
                ("recording an attempt, store write only", record_only)]
        print(f"{'measure':<42} {'mean':>10} {'p50':>10} {'p99':>10} {'max':>10}")
        for name, values in rows:
            print(f"{name:<42} {ms(statistics.mean(values)):>10} {ms(percentile(values, .5)):>10} "
                  f"{ms(percentile(values, .99)):>10} {ms(max(values)):>10}")
        p99_select, p99_answer = percentile(select, .99), percentile(answer, .99)
        print(f"\nselection p99 {p99_select * 1000:.2f} ms vs target 20 ms: ratio {p99_select / 0.020:.2f}")
        print(f"answer recording p99 {p99_answer * 1000:.2f} ms vs target 5 ms: ratio {p99_answer / 0.005:.2f}; "
              f"mean {statistics.mean(answer) * 1000:.2f} ms: ratio {statistics.mean(answer) / 0.005:.2f}")


if __name__ == "__main__":
    main()
