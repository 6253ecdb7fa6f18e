"""The generator's public entry points: generate a question set, or one variant for preview."""
import dataclasses

from .errors import NothingSelected, VariantError
from .params import LAYER_TOPICS, draws_layers, specs_for
from .settings import GenerationSettings
from .templates import TEMPLATE_PLACE, load_bank, select_templates, TemplateError
from .workers import WorkerPool

SEED_STRIDE = 1_000_000  # variant seed = set seed * stride + index, so sets with different seeds never share one


@dataclasses.dataclass
class Failure:
    template: str
    difficulty: str
    seed: int
    message: str

    pins: dict = dataclasses.field(default_factory=dict)
    kind: str | None = None  # the question type, for a template that makes several


@dataclasses.dataclass
class GenerationResult:
    records: list
    failures: list
    duplicates: int
    torch: str | None = None
    device: str | None = None
    snippets: list = dataclasses.field(default_factory=list)  # per record, with trace=True
    interrupted: bool = False  # Ctrl-C: records holds the variants finished before it
    off_topic: int = 0  # variants left out because none of their topics was asked for (see on_topic)
    others: int = 0     # broken template files the selection left out (a note names the command that lists them)
    outcomes: list = dataclasses.field(default_factory=list)  # per job, in job order: record, message or None


def variant_jobs(templates, count, seed, difficulty="mixed", pins=None, types=(), topics=()):
    """The (template, type, difficulty, seed) jobs of a set, in output order: `count` per template and type.

    `types` keeps only questions of those types; a template that makes several types gets jobs for each.
    `topics` that name layers (lstm, gru, rnn) pin the layer of a template that draws it, when the template
    was chosen for that layer alone: `--topic lstm` then makes LSTM questions only, and a level that cannot
    draw the layer makes none.
    """
    jobs = []
    for template in templates:
        for kind in template.types or (template.type,):
            form = template.as_type(kind)
            levels = form.levels if difficulty == "mixed" else [difficulty]
            if (types and kind not in types) or not set(levels) <= set(form.levels):
                continue
            layers = {level: layers_asked(form, level, topics, pins) for level in levels}
            levels = [level for level in levels if layers[level] != []]
            for index in range(count if levels else 0):
                level = levels[index % len(levels)]
                job = {"id": len(jobs), "template": template.id, "path": template.path, "difficulty": level,
                       "seed": seed * SEED_STRIDE + index, "pins": pins or {}}
                if layers[level]:  # the asked layers in turn, shifted each round of levels: every pair comes up
                    turn = (index // len(levels) + index % len(levels)) % len(layers[level])
                    job["pins"] = {**job["pins"], "layer": layers[level][turn]}
                if len(template.types) > 1:  # only then: a single-type template's jobs stay as they were
                    job["type"] = kind
                jobs.append(job)
    return jobs


def layers_asked(form, level, topics, pins=None):
    """The values of the template's `layer` choice at `level` that `topics` ask for; None when the topics
    do not restrict the layer (no layer topic asked, the template was chosen for another of its topics,
    the layer is pinned already, or the template draws no layer), [] when the level draws none asked."""
    asked = {t for t in topics if t in LAYER_TOPICS}
    if not asked or set(form.topics) & (set(topics) - asked) or "layer" in (pins or {}):
        return None
    spec = specs_for(form.params, form.difficulty[level]).get("layer")
    if not draws_layers(spec):
        return None
    return [c for c in (spec.get("choice") if isinstance(spec, dict) else [spec]) if c.lower() in asked]


def load_templates(settings=None):
    """Every template of the settings' banks, validated (a TemplateError lists every problem)."""
    settings = settings or GenerationSettings()
    templates, problems = load_bank(settings.bank_dirs, settings.include_builtin)
    if problems:
        raise TemplateError(problems)
    return templates


def load_selected(settings=None, ids=(), families=(), topics=()):
    """The chosen templates of `selected_and_others`."""
    return selected_and_others(settings, ids, families, topics)[0]


def selected_and_others(settings=None, ids=(), families=(), topics=()):
    """The templates named by id, family or topic (all when none is given). A broken template file
    fails only a selection that may include it: every template, any topic (a broken file's topics
    are unknown), its family (the one it declares, whatever folder it lies in; any family when it
    declares none readably), or its own id (an id no sound template has names only the file that
    declares it, as `preview` does). Any other command runs; the failing ones raise a TemplateError
    naming file:line (issue 12). A bank without a single template file is an error too, naming the
    files it never reads (a `.yml` template, one at the wrong depth). Returns (the chosen templates, how
    many broken template files the selection left out)."""
    from .templates import current_template_id, declared, load_one, template_files, unread_files

    settings = settings or GenerationSettings()
    templates, problems = load_bank(settings.bank_dirs, settings.include_builtin)
    if not templates and not problems and not template_files(settings.bank_dirs, settings.include_builtin):
        raise NothingSelected(_no_templates(settings, unread_files(settings.bank_dirs, settings.include_builtin)))
    for name in ids:  # an id no sound template has: its own file's problems, or "unknown" with a did-you-mean
        if name not in templates and current_template_id(name, templates) is None:
            load_one(name, settings.bank_dirs, settings.include_builtin)
    family_of = {}

    def may_be_selected(problem):
        if (not ids and not families) or topics:
            return True
        if problem.path not in family_of:
            family_of[problem.path] = declared(problem.path, "family")
        return bool(families) and family_of[problem.path] in (None, *families)

    relevant = [problem for problem in problems if not templates or may_be_selected(problem)]
    if relevant:
        raise TemplateError(relevant)
    chosen = select_templates(templates, ids, families, topics)
    # A chosen id that another file also claims: which of the two is meant is not known.
    claimed = [problem for problem in problems if problem.field in {f"id={t.id!r}" for t in chosen}]
    if claimed:
        raise TemplateError(claimed)
    return chosen, len({problem.path for problem in problems})


def _no_templates(settings, unread):
    where = ", ".join(map(str, settings.bank_dirs)) or "the bank"
    builtin = "" if settings.include_builtin else " (the built-in bank left out by --no-builtin)"
    return "\n".join([f"no template files in {where}{builtin}: {TEMPLATE_PLACE}", *unread])


def bank_problems(settings=None, path=None):
    """Every problem in the bank, or in one extra bank folder or template file (`path`), at once."""
    from pathlib import Path

    from .catalogue import CATALOGUE_FILE, checked_misconceptions, load_misconceptions
    from .templates import load_template

    settings = settings or GenerationSettings()
    if path is None:
        return load_bank(settings.bank_dirs, settings.include_builtin)[1]
    path = Path(path)
    if path.is_dir():
        return load_bank((*settings.bank_dirs, path), settings.include_builtin)[1]
    problems = []
    try:
        if path.name == CATALOGUE_FILE:  # the misconception catalogue, not a template
            load_misconceptions((*settings.bank_dirs, path.parent), settings.include_builtin)
            return []
        catalogue, problems = checked_misconceptions((*settings.bank_dirs, path.parent.parent))
        load_template(path, catalogue)
    except TemplateError as exc:
        return problems + exc.problems
    return problems


def run_jobs(jobs, settings=None, *, on_progress=None, trace=False):
    """Build every job's variant in worker processes; records come back in job order."""
    settings = settings or GenerationSettings()
    with WorkerPool(settings, size=min(settings.workers, max(1, len(jobs)))) as pool:
        return collect(pool, jobs, on_progress, trace)


def collect(pool, jobs, on_progress=None, trace=False):
    """Run `jobs` on a started pool; failures and duplicates are counted, Ctrl-C keeps what finished."""
    replies = [None] * len(jobs)
    interrupted = False
    hello = {"torch": None, "device": None}
    try:
        if on_progress:  # shown at once: the workers take seconds to import torch
            on_progress(0, len(jobs))
        hello = pool.ready()  # Ctrl-C while the workers still import torch is an interruption too
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
            result.outcomes.append(None)
            continue
        if "record" not in reply:
            message = reply["error"]
            if reply.get("crashed"):  # the worker died: its reproduce command is made here, with the run's settings
                error = VariantError(job["template"], job["difficulty"], job["seed"], message, job.get("pins"),
                                     pool.settings.bank_dirs, kind=job.get("type"))
                error.options = pool.settings.command_words()
                message = str(error)
            result.failures.append(Failure(job["template"], job["difficulty"], job["seed"], message,
                                           dict(job.get("pins") or {}), job.get("type")))
            result.outcomes.append(message)
            continue
        record = reply["record"]
        result.outcomes.append(record)
        if record["id"] in seen:
            result.duplicates += 1
            continue
        seen.add(record["id"])
        result.records.append(record)
        if trace:
            result.snippets.append(reply.get("snippets", []))
    return result


def generate_set(settings=None, *, templates=None, families=None, difficulty="mixed", count=1, seed=0,
                 pins=None, on_progress=None, trace=False, types=(), topics=()):
    """Generate `count` variants of each selected template (all templates when none are selected)."""
    settings = settings or GenerationSettings()
    with WorkerPool(settings) as pool:
        # The workers import torch meanwhile: loading and validating the bank here costs no wall time.
        chosen, others = selected_and_others(settings, templates or (), families or (), topics or ())
        jobs = variant_jobs(chosen, count, seed, difficulty, pins, types, topics or ())
        if chosen and not jobs:
            raise NothingSelected(_nothing_to_make(chosen, difficulty, types, topics or ()))
        result = on_topic(collect(pool, jobs, on_progress, trace), topics)
        result.others = others
        return result


def on_topic(result, topics):
    """Leave out the variants whose own topics miss every asked one: a template chosen for `lstm` whose
    layer is derived from another parameter (not pinned by variant_jobs) can still draw a GRU."""
    if not topics or not result.records:
        return result
    keep = [bool(set(record["topics"]) & set(topics)) for record in result.records]
    result.off_topic = keep.count(False)
    if result.snippets:
        result.snippets = [s for s, k in zip(result.snippets, keep) if k]
    result.records = [r for r, k in zip(result.records, keep) if k]
    return result


def _nothing_to_make(chosen, difficulty, types, topics=()):
    """Why templates that were selected make no question of the types, level and layers asked for."""
    if variant_jobs(chosen, 1, 0, difficulty, None, types):  # they would: the asked layers are the reason
        layers = ", ".join(sorted(t for t in topics if t in LAYER_TOPICS))
        level = "" if difficulty == "mixed" else f" at {difficulty} level"
        return (f"the selected templates draw no {layers} layer{level}: "
                + "; ".join(t.id for t in chosen[:5]) + ("; ..." if len(chosen) > 5 else ""))
    wanted = f"{' or '.join(types)} questions" if types else "questions of any type"
    level = "" if difficulty == "mixed" else f" at {difficulty} level"
    makes = "; ".join(f"{t.id} makes {', '.join(t.types or (t.type,))} at {', '.join(t.levels)}" for t in chosen[:5])
    more = f"; and {len(chosen) - 5} more" if len(chosen) > 5 else ""
    return f"the selected templates make no {wanted}{level}: {makes}{more}"
