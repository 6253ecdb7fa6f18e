"""Near variants generated on demand, off the quiz's critical path.

After a wrong answer that names a misconception, the session wants a later question
of the same template whose parameters make that misconception observable (the
catalogue's `isolate` pins). When the store has none, `NearVariantMaker.request`
starts `python -m torchquiz.engine.near_variants` in the background: that process imports
torch, generates the variant, inserts it into the store and prints its ids. The
quiz process never imports torch and never waits; it collects what has arrived
before choosing each question. A generation that fails costs nothing but the variant.
"""
import argparse
import json
import subprocess
import sys

from torchquiz.generator.settings import GenerationSettings  # plain dataclass: no torch


class NearVariantMaker:
    """Starts background generations and reports the question ids they stored."""

    def __init__(self, db_path, settings=None):
        self.db_path, self.settings = str(db_path), settings
        self.running = []
        self.failures = []

    def request(self, template, misconception, *, seed, level=None, topics=()):
        command = [sys.executable, "-m", "torchquiz.engine.near_variants", "--db", self.db_path, "--template", template,
                   "--misconception", misconception, "--seed", str(seed)]
        command += (["--level", level] if level else []) + [w for topic in topics for w in ("--topic", topic)]
        if self.settings is not None:  # --bank and --device of the quiz reach the generation
            command += self.settings.replace(workers=1).command_line()
        # Own session: the learner's Ctrl-C stops the quiz, not a generation that will be
        # useful on --resume; it finishes, stores its variant and exits on its own.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.running.append(process)
        return process

    def arrived(self):
        """Ids stored by the generations that finished since the last call."""
        ids, still = [], []
        for process in self.running:
            if process.poll() is None:
                still.append(process)
                continue
            out, err = process.communicate()
            if process.returncode == 0:
                ids += json.loads(out or "{}").get("ids", [])
            else:
                self.failures.append((err or "").strip().splitlines()[-1:] or [f"exit {process.returncode}"])
        self.running = still
        return ids

    def wait(self, timeout=None):
        """Block until every started generation finished (tests and benchmarks only)."""
        for process in self.running:
            process.wait(timeout)


TRIES = 6  # variants drawn for one request: the isolating pins alone often leave the misconception unasked


def generate_near_variant(db_path, template, misconception, *, seed, level=None, topics=(), settings=None):
    """Generate variants of `template` at `level` (the missed question's; any when None) with the misconception's
    isolating pins, and of the quiz's `topics` (`--topic lstm` draws LSTMs), and store the first whose options
    can diagnose `misconception`. Returns its id; a RuntimeError when none of TRIES draws can.
    """
    from torchquiz.engine.store import Store, record_misconceptions
    from torchquiz.generator.api import generate_set
    from torchquiz.generator.catalogue import load_misconceptions
    from torchquiz.generator.settings import GenerationSettings

    settings = settings or GenerationSettings(workers=1)
    entry = load_misconceptions(settings.bank_dirs, settings.include_builtin).get(misconception)
    pins = dict(getattr(entry, "isolate", None) or {})
    result = generate_set(settings, templates=[template], count=TRIES, seed=seed, pins=pins,
                          difficulty=level or "mixed", topics=list(topics))
    if result.failures and not result.records:
        raise RuntimeError(result.failures[0].message)
    wanted = [r for r in result.records if misconception in record_misconceptions(r)][:1]
    if not wanted:
        raise RuntimeError(f"none of {TRIES} variants of {template}{f' at {level} level' if level else ''} "
                           f"asks about {misconception}")
    with Store.open(db_path) as store:
        store.add_questions(wanted)
    return [r["id"] for r in wanted]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--template", required=True)
    parser.add_argument("--misconception", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--level", help="the missed question's level: the variant is at most this hard")
    parser.add_argument("--topic", action="append", default=[], help="the quiz's topics (repeatable)")
    GenerationSettings.add_arguments(parser)
    args = parser.parse_args(argv)
    from torchquiz.generator.errors import GeneratorError

    try:
        ids = generate_near_variant(args.db, args.template, args.misconception, seed=args.seed, level=args.level,
                                    topics=args.topic, settings=GenerationSettings.from_arguments(args))
    except (GeneratorError, RuntimeError) as exc:  # one line for the quiz to show, not a traceback
        sys.exit(f"{exc}")
    print(json.dumps({"ids": ids}))


if __name__ == "__main__":
    main()
