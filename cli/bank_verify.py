"""`torchquiz bank verify SET.jsonl`: rebuild every stored variant with the installed torch and report drift.

Each record is rebuilt from its template with its own seed and difficulty on the configured device,
which re-runs its code, its answer snippets and every distractor. Where the template has not changed
since (same variant id), the rebuilt record must match the stored one field for field; where it has
changed, the variant is rebuilt with the stored parameters pinned and its key, code and run compared.
"""
import json
import sys
import time

import click

from torchquiz.record.validate import parse_lines

from .options import bank_options, device_option, progress_reporter, user_errors

# Fields that carry the answer; a difference in any of them is what torch drift looks like.
ANSWER_FIELDS = ("answer", "options", "run", "code", "misconception_answers")
IGNORED_FIELDS = {"provenance"}   # torch version and device are expected to differ


class SetFileError(Exception):
    """The question set could not be read."""


def read_set(path):
    """[(line number, record or None, problem or None)] for every non-empty line of a JSON Lines set."""
    entries = []
    try:
        with open(path, encoding="utf-8") as handle:
            lines = list(handle)
    except OSError as exc:
        raise SetFileError(f"{path}: {exc.strerror}") from None
    for number, record, problem in parse_lines(lines):
        if problem:
            entries.append((number, None, problem))
            continue
        missing = [k for k in ("id", "template", "difficulty", "params", "provenance") if k not in record]
        if missing or "seed" not in record.get("provenance", {}):
            entries.append((number, record, f"not a question record (missing {', '.join(missing) or 'provenance.seed'})"))
            continue
        entries.append((number, record, None))
    return entries


def _short(value, limit=80):
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def compare_records(stored, fresh, pinned=False):
    """What differs between a stored record and its rebuild, as short phrases (empty when they agree)."""
    changes = []
    if stored.get("answer", {}).get("text") != fresh["answer"]["text"]:
        changes.append(f"key changed: stored {_short(stored.get('answer', {}).get('text'))!r}, "
                       f"torch now gives {_short(fresh['answer']['text'])!r}")
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


def _rebuild(entries, pinned, *, device, workers, time_limit, bank_dirs, include_builtin, on_progress):
    """{line number: reply} for rebuilding the given (line, record) entries in the worker pool."""
    from torchquiz.generator.workers import WorkerPool

    jobs = [{"id": number, "template": record["template"], "difficulty": record["difficulty"],
             "seed": record["provenance"]["seed"], "pins": record["params"] if pinned else {}}
            for number, record in entries]
    replies = {}
    if not jobs:
        return replies, None
    with WorkerPool(min(workers, len(jobs)), device, time_limit, bank_dirs, include_builtin) as pool:
        for job, reply in pool.run(jobs):
            replies[job["id"]] = reply
            if on_progress:
                on_progress(len(replies), len(jobs))
        return replies, pool.hello


def verify_set(path, *, device="cpu", workers=1, time_limit=20.0, bank_dirs=(), include_builtin=True,
               on_progress=None):
    """(checked, problems, hello): problems are (line, id, [phrases]) for every record that drifted or fails."""
    from torchquiz.generator.api import load_templates

    entries = read_set(path)
    templates = load_templates(bank_dirs, include_builtin)
    problems, todo = [], []
    for number, record, problem in entries:
        if problem:
            problems.append((number, (record or {}).get("id", "?"), [problem]))
        elif record["template"] not in templates:
            problems.append((number, record["id"], [f"no longer reproduces: template {record['template']!r} "
                                                     f"is not in the bank"]))
        else:
            todo.append((number, record))
    options = dict(device=device, workers=workers, time_limit=time_limit, bank_dirs=bank_dirs,
                   include_builtin=include_builtin)
    replies, hello = _rebuild(todo, False, on_progress=on_progress, **options)
    # A template edited since the set was made samples differently: rebuild those with their parameters pinned.
    changed_template = [(n, r) for n, r in todo if replies[n].get("record", {}).get("id") != r["id"]]
    pinned_replies, pinned_hello = _rebuild(changed_template, True, on_progress=None, **options)
    hello = hello or pinned_hello
    for number, record in todo:
        pinned = number in pinned_replies
        reply = pinned_replies[number] if pinned else replies[number]
        if "record" not in reply:
            problems.append((number, record["id"], [f"no longer reproduces: {reply['error'].splitlines()[0]}"]))
            continue
        changes = compare_records(record, reply["record"], pinned)
        if changes:
            if pinned:
                changes.append("(the template changed since the set was made: compared with its parameters pinned)")
            problems.append((number, record["id"], changes))
    return len(entries), sorted(problems), hello


@click.command(short_help="Re-run a stored set with this torch and report keys that changed.")
@click.argument("set_file", metavar="SET.jsonl", type=click.Path(exists=True, dir_okay=False))
@device_option
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Torch worker processes.")
@click.option("--time-limit", default=20.0, show_default=True, type=click.FloatRange(0.1), help="Seconds per snippet run.")
@bank_options
def verify(set_file, device, workers, time_limit, bank_dirs, no_builtin):
    """Re-run every stored variant with the installed torch and report keys that changed.

    Each record is rebuilt from its template (its seed, difficulty and parameters) on --device, which
    re-runs its code and every answer and distractor snippet. A record is reported, by line number and
    id, when its key, options or run changed (torch drift), or when it no longer reproduces at all.
    Exit code 1 if any record is reported.

    \b
    Examples:
      torchquiz bank verify set.jsonl
      torchquiz bank verify set.jsonl --device cuda --workers 2
      torchquiz bank verify my_set.jsonl --bank my_bank
    """
    started = time.monotonic()
    with user_errors():
        try:
            checked, problems, hello = verify_set(
                set_file, device=device, workers=workers, time_limit=time_limit, bank_dirs=bank_dirs,
                include_builtin=not no_builtin, on_progress=progress_reporter("Verifying"))
        except SetFileError as exc:
            raise click.ClickException(str(exc)) from None
    for number, record_id, changes in problems:
        for change in changes:
            click.echo(f"{set_file}:{number}: {record_id}: {change}")
    where = f" with torch {hello['torch']} on {hello['device']}" if hello else ""
    click.echo(f"{checked} records checked{where} in {time.monotonic() - started:.1f} s: "
               f"{len(problems)} changed or failed to reproduce", err=True)
    if problems:
        sys.exit(1)
