"""`torchquiz generate` and `torchquiz preview`: question sets and single variants from the bank."""
import os
import sys
import time

import click

from torchquiz.record.schema import LEVELS, TYPES
from torchquiz.record.suggest import did_you_mean
from torchquiz.record.validate import LETTERS
from torchquiz.record.wording import counted

from .options import (SEED, SuggestingChoice, count_option, generation_options, note_other_problems, progress_bar,
                      user_errors)
from .output_files import check_output, write_atomically


@click.command()
@click.option("--family", "families", multiple=True, help="Only templates of this family (repeatable).")
@click.option("--topic", "topics", multiple=True,
              help="Only questions about this topic, e.g. attention or lstm (repeatable; see `torchquiz bank list`); "
                   "a template that draws its layer draws only the layers asked for.")
@click.option("--template", "templates", multiple=True, help="Only this template id (repeatable).")
@click.option("--difficulty", type=SuggestingChoice([*LEVELS, "mixed"]), default="mixed",
              show_default=True, help="One level, or mixed: variants cycle easy, medium, hard.")
@count_option("Variants per selected template and question type")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Set seed: same bank + seed + torch = same file.")
@click.option("--type", "types", multiple=True, type=SuggestingChoice(TYPES),
              help="Only questions of this type (repeatable); a template that makes several types makes each.")
@generation_options()
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="Write the set here as JSON Lines ('-' for stdout).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--strict", is_flag=True,
              help="Write nothing and exit 1 if any variant fails (a Makefile or CI check); by default the "
                   "set is written without the failed variants, which are listed.")
def generate(families, topics, templates, difficulty, count, seed, types, settings, output, force, strict):
    """Generate a question set: every key and wrong option comes from running torch.

    The set is JSON Lines, one question record per line; the record is defined by the schema
    shipped in the package, record/question.schema.json (torchquiz.record.schema.SCHEMA_PATH).

    \b
    Examples:
      torchquiz generate --count 25 --seed 1 -o set.jsonl
      torchquiz generate --family shape --family packing --difficulty hard --count 10 -o hard.jsonl
      torchquiz generate --topic attention --topic transformer --count 5 -o attention.jsonl
      torchquiz generate --template shape.recurrent_output --workers 2 --device auto -o set.jsonl
      torchquiz generate --type shortanswer --type numerical --count 3 -o typed.jsonl
    """
    from torchquiz.generator.api import generate_set
    from torchquiz.record.jsonl import jsonl_text

    if output != "-":
        check_output(output, force)  # before the work, not after it
    started = time.monotonic()
    with progress_bar("Generating") as progress, user_errors():
        result = generate_set(settings, templates=templates, families=families, difficulty=difficulty,
                              count=count, seed=seed, types=types, topics=topics, on_progress=progress)
    for failure in result.failures:
        click.echo(f"failed: {failure.message}", err=True)
    note_other_problems(result.others, settings)  # broken files this selection left out: said, not silently skipped
    # An earlier set under that name stays as it was.
    if result.failures and (strict or not result.records) and not result.interrupted:
        why = "--strict" if result.records else "no question could be built"
        click.echo(f"{len(result.failures)} failed ({why}): nothing written to {output}", err=True)
        sys.exit(1)
    if result.interrupted:  # the finished part beside the output, never under its name
        partial = f"{output}.partial" if output != "-" else output
        if output == "-":
            sys.stdout.write(jsonl_text(result.records))
        elif result.records:
            write_atomically(partial, jsonl_text(result.records))
        kept = f"; {output} is untouched" if output != "-" and os.path.exists(output) else ""
        done = (f"wrote the {counted(len(result.records), 'question')} finished so far to {partial}{kept}" if result.records
                else f"no question was finished, nothing written{kept}")
        click.echo(f"interrupted: {done}. Run the same command again for the complete, identical set", err=True)
        sys.exit(130)
    if output == "-":
        sys.stdout.write(jsonl_text(result.records))
    else:
        write_atomically(output, jsonl_text(result.records), replace=force)  # a set another run wrote meanwhile stays
        if os.path.exists(f"{output}.partial"):
            click.echo(f"note: {output}.partial is left from an interrupted run; {output} is the complete set",
                       err=True)
    elapsed = time.monotonic() - started
    off_topic = f", {result.off_topic} off topic left out" if result.off_topic else ""
    click.echo(f"{counted(len(result.records), 'question')} -> {output} ({result.duplicates} duplicates dropped, "
               f"{len(result.failures)} failed{off_topic}) with torch {result.torch} on {result.device} in {elapsed:.1f} s",
               err=True)


def _parse_pins(pairs):
    import json

    pins = {}
    for pair in pairs:
        if "=" not in pair:
            raise click.BadParameter(f"{pair!r}: use name=value, e.g. hidden_size=12", param_hint="--param")
        name, raw = pair.split("=", 1)
        try:
            pins[name] = json.loads(raw)
        except json.JSONDecodeError:
            pins[name] = {"True": True, "False": False}.get(raw, raw)
    return pins


def format_question(record):
    """A record as a learner sees it, then its key, feedback and solution (plain text)."""
    lines = [f"{record['title']}  [{record['template']} · {record['difficulty']} · {record['type']}]", "",
             record["stem"]]
    if record["code"]:
        lines += ["", *("    " + ln for ln in record["code"].rstrip().splitlines())]
    if record["options"]:
        lines.append("")
        lines += [f"  {LETTERS[i]}. {o['text']}" for i, o in enumerate(record["options"])]
    lines += ["", f"Key: {record['answer']['text']}"]
    for i, option in enumerate(record["options"]):
        tag = "right" if option["correct"] else f"wrong · {option['misconception']}"
        lines.append(f"  {LETTERS[i]} ({tag}): {option['feedback']}")
    for wrong in record.get("misconception_answers", []):
        lines.append(f"  typed {wrong['text']} ({wrong['misconception']}): {wrong['feedback']}")
    lines += ["", "Solution:", *(f"  {n}. {s}" for n, s in enumerate(record["solution"], 1)),
              f"Hint: {record['hint']}"]
    if record["common_mistakes"]:
        lines += ["Common mistakes:", *(f"  - {m}" for m in record["common_mistakes"])]
    return "\n".join(lines)


@click.command()
@click.argument("template")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Variant seed (failures print theirs).")
@click.option("--difficulty", type=SuggestingChoice(LEVELS), default=None,
              help="Level; defaults to the template's first.")
@click.option("--param", "pairs", multiple=True, metavar="NAME=VALUE", help="Pin a parameter (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON instead.")
@click.option("--type", "kind", type=SuggestingChoice(TYPES), default=None,
              help="Question type, for a template that makes several; defaults to its first.")
@generation_options()
def preview(template, seed, difficulty, pairs, as_json, kind, settings):
    """Print one variant of TEMPLATE as a learner sees it, then its key, feedback and solution.

    \b
    Examples:
      torchquiz preview shape.recurrent_output --seed 3 --difficulty hard
      torchquiz preview shape.recurrent_output --param layer=GRU --param batch_first=true --param batch=4 --param seq_len=7
      torchquiz preview shape.recurrent_output --type shortanswer --seed 2
    """
    import json

    from torchquiz.generator.api import run_jobs
    from torchquiz.generator.errors import TemplateError, UnknownTemplate
    from torchquiz.generator.params import SampleError, check_pins, specs_for
    from torchquiz.generator.templates import load_one

    pins = _parse_pins(pairs)
    with user_errors():
        try:  # only this template's problems stop it; the others' are counted in a note
            found, others = load_one(template, settings.bank_dirs, settings.include_builtin)
        except (TemplateError, UnknownTemplate) as exc:
            note_other_problems(getattr(exc, "others", 0), settings)
            raise
        note_other_problems(others, settings)
        chosen = found.as_type(kind)
        level = difficulty or chosen.levels[0]
        unknown = sorted(set(pins) - set(chosen.params))
        if unknown:
            raise click.BadParameter(f"'{unknown[0]}' is not a parameter of {template}."
                                     f"{did_you_mean(unknown[0], chosen.params)}", param_hint="--param")
        try:
            check_pins(specs_for(chosen.params, chosen.difficulty.get(level)), pins)
        except SampleError as exc:  # a value outside the template's choices, named as such
            raise click.BadParameter(str(exc), param_hint="--param") from None
        job = {"id": 0, "template": chosen.id, "difficulty": level, "seed": seed, "pins": pins}
        if len(chosen.types) > 1:
            job["type"] = chosen.type
        result = run_jobs([job], settings.replace(workers=1))
    if result.failures:
        raise click.ClickException(result.failures[0].message)
    record = result.records[0]
    click.echo(json.dumps(record, indent=2, ensure_ascii=False) if as_json else format_question(record))
