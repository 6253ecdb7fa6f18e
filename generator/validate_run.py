"""`bank validate --run`: build one variant of every sound template and question type, the way
`generate` builds them (variant_jobs and run_jobs, in torch workers), and report each failure as a
problem of the template's file, at the snippet's line when the failure names one."""
import re
from pathlib import Path

from .api import run_jobs, variant_jobs
from .catalogue import CATALOGUE_FILE, load_misconceptions
from .errors import Problem, TemplateError
from .settings import GenerationSettings
from .templates import load_bank, load_template


def run_problems(settings=None, path=None, on_progress=None):
    """Problems from building one variant (seed 0, the first level) per template and type: every template
    of the settings' banks, or those of `path` (a bank folder or a template file). Templates with static
    problems do not load and are left out: `bank_problems` reports those. Returns (problems, variants run)."""
    settings = settings or GenerationSettings()
    templates, settings = _sound_templates(settings, path)
    jobs = variant_jobs(templates, count=1, seed=0)
    if not jobs:
        return [], 0
    result = run_jobs(jobs, settings, on_progress=on_progress)
    if result.interrupted:
        raise KeyboardInterrupt
    by_id = {t.id: t for t in templates}
    return [_problem(failure, by_id[failure.template]) for failure in result.failures], len(jobs)


def _sound_templates(settings, path):
    """The templates to run, and the settings whose banks give their workers the right catalogue."""
    if path is None:
        return list(load_bank(settings.bank_dirs, settings.include_builtin)[0].values()), settings
    path = Path(path)
    if path.is_dir():
        settings = settings.replace(bank_dirs=(*settings.bank_dirs, str(path)))
        templates = load_bank(settings.bank_dirs, settings.include_builtin)[0].values()
        return [t for t in templates if Path(t.path).resolve().is_relative_to(path.resolve())], settings
    if path.name == CATALOGUE_FILE:
        return [], settings
    settings = settings.replace(bank_dirs=(*settings.bank_dirs, str(path.parent.parent)))
    try:
        catalogue = load_misconceptions(settings.bank_dirs, settings.include_builtin)
        return [load_template(path, catalogue)], settings
    except TemplateError:
        return [], settings


def _problem(failure, template):
    """A failed variant as a Problem of its file: `file:line` when the failure names the snippet's line."""
    path = template.path
    detail = failure.message.removeprefix(f"{failure.template} (seed {failure.seed}, {failure.difficulty}): ")
    found = re.match(rf"{re.escape(path)}:(\d+)(?::)? ?", detail)
    line = int(found.group(1)) if found else None
    detail = detail[found.end():] if found else detail
    what = f"building a {failure.kind or template.type} variant ({failure.difficulty}, seed {failure.seed}) failed"
    return Problem(path, line, "", f"{what}: {detail}")
