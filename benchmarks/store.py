"""Store and quiz-session speed on a large bank: recording an attempt, choosing the next question.

Targets (issue 4): recording an attempt <= 5 ms; next-question selection p99 <= 20 ms
from a DB holding 100,000 questions. Everything is measured end to end through the
real store on a real SQLite file (WAL, synchronous=NORMAL), in one run:

    .venv/bin/python benchmarks/store.py [--questions 100000] [--answers 300]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=300, help="answers timed (one session)")
    args = parser.parse_args()
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
            select, answer, answer_cpu, record_only = [], [], [], []
            for _ in range(args.answers):
                t0 = time.perf_counter()
                record = session.next_question()  # select + remember on screen + load the record
                t1, c1 = time.perf_counter(), time.process_time()
                letter = "ABCD"[rng.randrange(4)]
                session.answer(record, grade(record, letter), seconds=3.0)  # EAP + online step + one commit
                t2, c2 = time.perf_counter(), time.process_time()
                select.append(t1 - t0)
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
