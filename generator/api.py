"""The generator's public entry points: generate a question set, or one variant for preview."""
import dataclasses
import json

from .errors import VariantError
from .templates import load_bank, select_templates, TemplateError
from .workers import WorkerPool

SEED_STRIDE = 1_000_000  # variant seed = set seed * stride + index, so sets with different seeds never share one


@dataclasses.dataclass
class Failure:
    template: str
    difficulty: str
    seed: int
    message: str

    @property
    def reproduce(self):
        return f"torchquiz preview {self.template} --seed {self.seed} --difficulty {self.difficulty}"


@dataclasses.dataclass
class GenerationResult:
    records: list
    failures: list
    duplicates: int
    torch: str | None = None
    device: str | None = None
    snippets: list = dataclasses.field(default_factory=list)  # per record, with trace=True
    interrupted: bool = False  # Ctrl-C: records holds the variants finished before it


def variant_jobs(templates, count, seed, difficulty="mixed", pins=None):
    """The (template, difficulty, seed) jobs of a set, in output order."""
    jobs = []
    for template in templates:
        levels = template.levels if difficulty == "mixed" else [difficulty]
        if not set(levels) <= set(template.levels):
            continue
        for index in range(count):
            jobs.append({"id": len(jobs), "template": template.id, "path": template.path,
                         "difficulty": levels[index % len(levels)],
                         "seed": seed * SEED_STRIDE + index, "pins": pins or {}})
    return jobs


def load_templates(bank_dirs=(), include_builtin=True):
    templates, problems = load_bank(bank_dirs, include_builtin)
    if problems:
        raise TemplateError(problems)
    return templates


def run_jobs(jobs, *, device="cpu", workers=1, time_limit=20.0, bank_dirs=(), include_builtin=True,
             on_progress=None, trace=False):
    """Build every job's variant in worker processes; records come back in job order."""
    with WorkerPool(min(workers, max(1, len(jobs))), device, time_limit, bank_dirs, include_builtin) as pool:
        return collect(pool, jobs, on_progress, trace)


def collect(pool, jobs, on_progress=None, trace=False):
    """Run `jobs` on a started pool; failures and duplicates are counted, Ctrl-C keeps what finished."""
    replies = [None] * len(jobs)
    interrupted = False
    hello = pool.ready()
    try:
        for done, (job, reply) in enumerate(pool.run([{**j, "trace": trace} for j in jobs]), 1):
            replies[job["id"]] = reply
            if on_progress:
                on_progress(done, len(jobs))
    except KeyboardInterrupt:  # keep what is finished; the caller decides what to write
        interrupted = True
    result = GenerationResult([], [], 0, hello["torch"], hello["device"], interrupted=interrupted)
    seen = set()
    for job, reply in zip(jobs, replies):
        if reply is None:
            continue
        if "record" not in reply:
            message = reply["error"]
            if reply.get("crashed"):
                message = str(VariantError(job["template"], job["difficulty"], job["seed"], message))
            result.failures.append(Failure(job["template"], job["difficulty"], job["seed"], message))
            continue
        record = reply["record"]
        if record["id"] in seen:
            result.duplicates += 1
            continue
        seen.add(record["id"])
        result.records.append(record)
        if trace:
            result.snippets.append(reply.get("snippets", []))
    return result


def generate_set(*, bank_dirs=(), include_builtin=True, templates=None, families=None, difficulty="mixed",
                 count=1, seed=0, device="cpu", workers=1, time_limit=20.0, pins=None, on_progress=None,
                 trace=False):
    """Generate `count` variants of each selected template (all templates when none are selected)."""
    with WorkerPool(workers, device, time_limit, bank_dirs, include_builtin) as pool:
        # The workers import torch meanwhile: loading and validating the bank here costs no wall time.
        loaded = load_templates(bank_dirs, include_builtin)
        chosen = select_templates(loaded, templates or (), families or ())
        jobs = variant_jobs(chosen, count, seed, difficulty, pins)
        return collect(pool, jobs, on_progress, trace)


def jsonl_text(records):
    """A set as JSON Lines, one record per line; sorted keys make the same set byte-identical."""
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records)
