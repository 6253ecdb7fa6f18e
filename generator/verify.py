"""Verify a stored set: rebuild every record from its template with the installed torch and report drift.

Each record is rebuilt from its template with its own seed and difficulty on the configured device,
which re-runs its code, its answer snippets and every distractor. Where the template has not changed
since (same variant id), the rebuilt record must match the stored one field for field; where it has
changed, the variant is rebuilt with the stored parameters pinned and its key, code and run compared.
"""
import json

from torchquiz.record.answers import parse_number
from torchquiz.record.jsonl import read_set

from .api import load_templates, run_jobs
from .question_types import current_template_id
from .settings import GenerationSettings

# Fields that carry the answer; a difference in any of them is what torch drift looks like.
ANSWER_FIELDS = ("answer", "options", "run", "code", "misconception_answers")
IGNORED_FIELDS = {"provenance"}   # torch version and device are expected to differ


def _short(value, limit=80):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def compare_records(stored, fresh, pinned=False):
    """What differs between a stored record and its rebuild, as short phrases (empty when they agree)."""
    changes = []
    before, now = stored.get("answer", {}).get("text"), fresh["answer"]["text"]
    if before != now:
        same = isinstance(before, str) and parse_number(before) is not None and parse_number(before) == parse_number(now)
        changes.append(f"key shown differently: stored {before!r}, now {now!r} (the same number)" if same else
                       f"key changed: stored {_short(before)!r}, torch now gives {_short(now)!r}")
    if stored.get("run") != fresh.get("run"):
        changes.append(f"run changed: stored {_short(stored.get('run'))}, now {_short(fresh.get('run'))}")
    if stored.get("code") != fresh.get("code"):
        changes.append("code differs from what the template renders for these parameters")
    if pinned:
        return changes
    for name in ("options", "misconception_answers"):
        if stored.get(name) != fresh.get(name):
            changes.append(f"{name} changed")
    others = sorted(k for k in set(stored) | set(fresh)
                    if k not in IGNORED_FIELDS and k not in ANSWER_FIELDS and stored.get(k) != fresh.get(k))
    if others:
        changes.append(f"record differs in: {', '.join(others)}")
    return changes


def _rebuild(entries, pinned, settings, on_progress):
    """({line number: record or error message}, torch, device) for the given (line, record) entries."""
    # The record's type picks the form of a template that makes several types.
    jobs = [{"id": index, "template": record["template"], "type": record.get("type"), "difficulty": record["difficulty"],
             "seed": record["provenance"]["seed"], "pins": record["params"] if pinned else {}}
            for index, (_, record) in enumerate(entries)]
    if not jobs:
        return {}, None, None
    result = run_jobs(jobs, settings, on_progress=on_progress)
    rebuilt = {}
    for (number, _), outcome in zip(entries, result.outcomes):
        rebuilt[number] = outcome
    return rebuilt, result.torch, result.device


def verify_set(path, settings=None, on_progress=None):
    """(checked, problems, bad, (torch, device)): problems are (line, id, [phrases]) for every record that
    drifted or fails to reproduce, and for each of the `bad` lines that are not a valid record (not checked)."""
    settings = settings or GenerationSettings()
    entries, bad_lines = read_set(path)
    templates = load_templates(settings)
    problems, todo = [], []
    for bad in bad_lines:
        problems.append((bad.line, bad.id or "?", [bad.message]))
    for number, record in entries:
        name = current_template_id(record["template"], templates)
        if name is None:
            problems.append((number, record["id"], [f"no longer reproduces: template '{record['template']}' "
                                                     f"is not in the bank"]))
        else:  # a template merged into another since (RENAMED) is rebuilt by that one, with its parameters pinned
            todo.append((number, record if name == record["template"] else {**record, "template": name}))
    rebuilt, torch, device = _rebuild(todo, False, settings, on_progress)
    # A template edited since the set was made samples differently: rebuild those with their parameters pinned.
    changed = [(n, r) for n, r in todo if not isinstance(rebuilt[n], dict) or rebuilt[n]["id"] != r["id"]]
    # One that still draws the same parameters (a template merged or reworded since) is compared as rebuilt:
    # pinning would skip the draws and shuffle its options differently.
    redrawn = [(n, r) for n, r in changed if not isinstance(rebuilt[n], dict) or rebuilt[n]["params"] != r["params"]]
    repinned, torch2, device2 = _rebuild(redrawn, True, settings, None)
    changed = {n for n, _ in changed}
    for number, record in todo:
        pinned = number in changed
        fresh = repinned.get(number, rebuilt[number])
        if not isinstance(fresh, dict):
            problems.append((number, record["id"], [f"no longer reproduces: {fresh.splitlines()[0]}"]))
            continue
        changes = compare_records(record, fresh, pinned)
        if changes:
            if pinned:
                changes.append("(the template changed since the set was made: compared with its parameters pinned)")
            problems.append((number, record["id"], changes))
    return len(entries), sorted(problems), len(bad_lines), (torch or torch2, device or device2)
