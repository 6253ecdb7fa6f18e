"""The shared core of every export format: what a format is, and the content they all show.

A format is a `Format` in exports/registry.py: a name, a function `build(records, **options)`
that returns the contents of one or more files (str or bytes), and the options it takes,
declared without click so the exports never import the CLI. The command line turns each
`Option` into a click option; the content helpers below make every format show the same
stem, code, solution and feedback, so a question reads the same in Moodle, Canvas or GIFT.
"""
import dataclasses
import glob
import re
from pathlib import Path

from torchquiz.record.schema import LEVELS
from torchquiz.record.validate import CHOICE_TYPES
from torchquiz.record.wording import shortened
from torchquiz.exports.errors import ExportError
from torchquiz.exports.text import code_block, inline_html, plain_text, run_html, xml_safe

CATEGORY_KEYS = ("template", "family", "difficulty")


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of a format, as the CLI offers it (`--flag`), passed to `build` as `name`."""
    name: str
    flag: str
    help: str
    default: object = None
    choices: tuple = ()
    kind: type = str  # str, int, float or bool (a --flag/--no-flag pair)
    bounds: tuple = ()  # (low, high) for numbers


@dataclasses.dataclass(frozen=True)
class Format:
    """One export format. `build` names a function in `module`: records, **options -> [file contents]."""
    name: str
    summary: str
    suffix: str
    module: str
    build: str
    options: tuple = ()
    examples: tuple = ()

    def builder(self):
        import importlib

        return getattr(importlib.import_module(self.module), self.build)


# Where one export's files go: `output` itself for a single file, else numbered parts
# (quiz-01.xml, quiz-02.xml, ...); a file that names its part (an exam version "A", "B", ...,
# or its "key": exports/html_papers.Page) is named by it: paper-A.html, paper-key.html.
PART_NAME = r"\d+|[A-Z]|key"   # every part name output_paths gives (tests/test_export_cli.py checks)


def part_path(output, part):
    output = Path(output)
    return output.with_name(f"{output.stem}-{part}{output.suffix}")


def output_paths(output, files):
    """The path of each file of one export (see PART_NAME)."""
    output = Path(output)
    if len(files) == 1 and not getattr(files[0], "part", None):
        return [output]
    width = max(2, len(str(len(files))))
    return [part_path(output, getattr(content, "part", None) or f"{n:0{width}d}")
            for n, content in enumerate(files, 1)]


def earlier_outputs(output, written):
    """Files beside `output` that an earlier export under the same name wrote and this one did not:
    the single file, or its parts (quiz-03.xml, quiz-B.html, quiz-key.html)."""
    output = Path(output)
    pattern = re.compile(re.escape(output.stem) + f"-({PART_NAME})" + re.escape(output.suffix))
    candidates = [output] + [p for p in output.parent.glob(f"{glob.escape(output.stem)}-*{glob.escape(output.suffix)}")
                             if pattern.fullmatch(p.name)]
    return sorted(p for p in candidates if p.is_file() and p not in written)


def check_category_by(category_by):
    if category_by not in CATEGORY_KEYS:
        raise ExportError(f"category_by={category_by!r}: expected one of {', '.join(CATEGORY_KEYS)}")


def group_records(records, category_by):
    """{category key: [records]} in first-seen order (one Moodle category, Canvas bank, QTI section)."""
    check_category_by(category_by)
    groups = {}
    for record in records:
        groups.setdefault(record[category_by], []).append(record)
    return groups


def count_categories(records, category_by):
    """How many categories (banks, sections) an export of `records` has."""
    return len(group_records(records, category_by))


def record_title(record):
    """The template's title as plain text (the generator adds it), else the template id."""
    title = record.get("title")
    return plain_text(title) if isinstance(title, str) and title.strip() else record["template"]


def question_name(record, limit=255):
    """A readable, unique name: title, level, short hash, stem. The hash comes before the stem
    excerpt, so cutting the name at `limit` (Moodle's 255) never reaches it. Tag-like brackets
    become look-alikes, since Moodle strips tags from names."""
    label = shortened(record_title(record), 100)
    digest = record["id"].rpartition(":")[2]
    name = f"{label} [{record['difficulty']}] {digest}: {plain_text(record['stem'])}"
    name = xml_safe(name.replace("<", "‹").replace(">", "›"))
    return shortened(name, limit)


def category_title(members, category_by):
    """A category's readable name: `Output shape of a recurrent layer (shape.recurrent_output)`,
    `Family: shape` or `Level: easy`. The id stays in the name so two templates that share a
    title never merge into one category."""
    first = members[0]
    if category_by == "template":
        title = record_title(first)
        return title if title == first["template"] else f"{title} ({first['template']})"
    return f"{'Family' if category_by == 'family' else 'Level'}: {first[category_by]}"


def category_description(members, category_by):
    """What a category holds, for a teacher choosing "random question from category"."""
    families = sorted({r["family"] for r in members})
    levels = [level for level in LEVELS if any(r["difficulty"] == level for r in members)]
    topics = sorted({t for r in members for t in r["topics"]})
    types = sorted({r["type"] for r in members})
    what = "variant" if category_by == "template" else "question"
    return (f"{len(members)} {what}{'' if len(members) == 1 else 's'} generated by torchquiz; every key computed by torch. "
            f"Family: {', '.join(families)}. Levels: {', '.join(levels)}. "
            f"Topics: {', '.join(topics)}. Question types: {', '.join(types)}.")


def item_idents(records, prefix="Q"):
    """{record id: identifier} for XML ids and file names: the prefix and the id's 12-hex hash
    (`Q0123abcd4567`). Short, because a package's file names must stay well under 255
    characters, and an NCName (no colon, a letter first) as QTI 2.1 requires; a hash that
    repeats in a set gets a suffix, so identifiers stay unique."""
    idents, taken = {}, set()
    for record in records:
        base = candidate = f"{prefix}{record['id'].rpartition(':')[2]}"
        suffix = 2
        while candidate in taken:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        taken.add(candidate)
        idents[record["id"]] = candidate
    return idents


def xml_text(text):
    """Text for an XML element or a double-quoted attribute: escaped, forbidden characters dropped."""
    return (xml_safe(str(text)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def list_html(items, tag="ul"):
    return f"<{tag}>" + "".join(f"<li>{inline_html(item)}</li>" for item in items) + f"</{tag}>"


def question_html(record):
    """The question text every format shows: the stem, then the code (escaped, lines kept)."""
    html = f"<p>{inline_html(record['stem'])}</p>"
    if record.get("code"):
        html += code_block(record["code"])
    return html


def general_feedback_html(record):
    """The worked solution: the code with what running it produced, the steps, the key, common mistakes."""
    html = "<p><strong>Worked solution</strong></p>"
    if record.get("code"):
        html += code_block(record["code"]) + run_html(record)
    html += list_html(record["solution"], "ol")
    html += f"<p>Answer: {inline_html(record['answer']['text'])}</p>"
    if record.get("common_mistakes"):
        html += "<p><strong>Common mistakes</strong></p>" + list_html(record["common_mistakes"])
    return html


def option_feedback_html(option):
    """An option's (or a misconception answer's) own feedback as HTML; '' when it has none."""
    feedback = option.get("feedback") or ""
    return f"<p>{inline_html(feedback)}</p>" if feedback.strip() else ""


def correct_feedback_html(record):
    return f"<p>Correct: {inline_html(record['answer']['text'])}</p>"


def misconception_answers(record):
    """A typed question's wrong answers that a named misconception produces, each with feedback."""
    if record["type"] in CHOICE_TYPES:
        return []
    return record.get("misconception_answers") or []
