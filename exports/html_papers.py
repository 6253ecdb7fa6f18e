"""The `torchquiz export html` build: one page, a seeded shuffle of it, or exam versions and their key.

`html_pages(records, mode=..., versions=N, seed=S)` returns the file contents; with N exam
versions they are N papers and one compact key, each a `Page` whose `part` ("A", ..., "key")
names its file (paper-A.html, ..., paper-key.html) instead of a number.
"""
from markupsafe import Markup

from torchquiz.exports.errors import ExportError
from torchquiz.exports.html import _asset, to_html
from torchquiz.exports.order import exam_versions, set_id, shuffled
from torchquiz.exports.templating import render
from torchquiz.exports.text import inline_html
from torchquiz.record.validate import CHOICE_TYPES, check_records

LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Page(str):
    """File contents that say which part of an export they are, for the file's name."""
    part = None

    def __new__(cls, text, part):
        page = super().__new__(cls, text)
        page.part = part
        return page


def key_answer(record):
    """The answer as the key prints it: the letters of the right options, or the typed answer."""
    if record["type"] in CHOICE_TYPES:
        letters = [LETTERS[i] for i, option in enumerate(record["options"]) if option["correct"]]
        return Markup(", ".join(letters))
    text = Markup(inline_html(record["answer"]["text"]))
    tolerance = record["answer"].get("tolerance") if record["type"] == "numerical" else None
    return text + Markup(f" ± {tolerance:g}") if tolerance else text   # the marker's rule, as the page grades


def exam_key_html(versions, title="torchquiz exam"):
    """One compact answer key for every version: per version, question number and answer only,
    set in columns, so 172 questions in several versions print on a few pages."""
    from torchquiz.exports.page_layout import marks

    tables = [{"label": label,
               "answers": [{"number": n, "answer": key_answer(r), "marks": marks(r)}
                           for n, r in enumerate(records, start=1)]}
              for label, records in versions]
    first = versions[0][1]
    return render("exam_key.html.j2", title=title, versions=tables, set_id=set_id(first),
                  total_marks=sum(marks(r) for r in first), count=len(first), css=Markup(_asset("quiz.css")))


def html_pages(records, mode="practice", shuffle=False, seed=None, versions=1, answer_grid=False, title=None):
    """The pages of one `export html` run (a list of str): see the module's docstring. `title` heads
    every page (default: TITLES of the mode, and "torchquiz exam" for versions and their key)."""
    if seed is not None and not shuffle and versions == 1:
        raise ExportError(f"--seed {seed} orders a shuffled page or exam versions: add --shuffle, or ask an exam for "
                          "2 or more --versions (--versions 1 is one paper in the set's order)")
    seed = seed or 0
    if versions > 1 and mode != "exam":
        raise ExportError(f"--versions {versions}: only an exam has versions (use --mode exam)")
    if answer_grid and mode != "exam":
        raise ExportError("--answer-grid: only an exam has an answer grid (use --mode exam)")
    if versions == 1:
        originals = None
        if shuffle:
            originals = {r["id"]: r for r in check_records(records)}
            records = shuffled(list(originals.values()), seed)
        return [to_html(records, mode=mode, title=title, answer_grid=answer_grid, originals=originals)]
    papers = exam_versions(check_records(records), versions, seed)
    pages = [Page(to_html(paper, mode="exam", title=title, version=label, answer_grid=answer_grid), label)
             for label, paper in papers]
    return pages + [Page(exam_key_html(papers, title or "torchquiz exam"), "key")]
