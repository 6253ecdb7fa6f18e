"""Every export format, one entry each (as R/exams has one exams2xyz per format over one core).

Adding a format is one module with a `build(records, **options) -> [file contents]` function
and one entry here; `torchquiz export` makes a command of each entry, with its options.
Modules are imported only when their format runs, so `torchquiz export --help` stays fast.
"""
from torchquiz.exports.core import CATEGORY_KEYS, Format, Option

CATEGORY_BY = Option("category_by", "--category-by", "One category (bank, section) per template, so a quiz "
                     "can draw a random variant; or per family or difficulty.", "template", CATEGORY_KEYS)
CATEGORY_ROOT = Option("category_root", "--category-root", "Moodle category path the categories go under; "
                       "a `/` separates levels.", "$course$/top/torchquiz")
TITLE = Option("title", "--title", "Title of the quiz (assessment) in the package.", "torchquiz quiz")
SHUFFLE = Option("shuffle", "--shuffle/--no-shuffle", "Let the LMS shuffle the options of choice questions.",
                 True, kind=bool)

FORMATS = {f.name: f for f in (
    Format("moodle", "Moodle XML for Moodle's importer (split at --max-size).", ".xml",
           "torchquiz.exports.moodle", "to_moodle_files",
           (CATEGORY_BY, CATEGORY_ROOT,
            Option("penalty", "--penalty", "Fraction of the mark lost per wrong try (interactive / adaptive "
                   "behaviours).", 0.3333333, kind=float, bounds=(0, 1)),
            SHUFFLE,
            Option("max_mb", "--max-size", "Largest file in MB (10^6 bytes); a bigger export is split into "
                   "numbered files, each importable alone. PHP's default upload limit is 2 MB.", 2.0,
                   kind=float, bounds=(0.01, None))),
           ("torchquiz export moodle set.jsonl -o quiz.xml",
            "torchquiz export moodle set.jsonl -o quiz.xml --category-by family --max-size 8",
            "torchquiz export moodle set.jsonl -o quiz.xml --category-root '$course$/top/RNN week 3' --penalty 0.1")),
    Format("html", "One self-contained HTML page: practice, exam or key; or exam versions and their key.", ".html",
           "torchquiz.exports.html_papers", "html_pages",
           (Option("mode", "--mode", "practice: graded at once with feedback; exam: a printable paper without "
                   "answers; key: the teacher's answer key with solutions.", "practice", ("practice", "exam", "key")),
            Option("title", "--title", "Heading of the page (default: torchquiz practice, torchquiz exam or "
                   "torchquiz answer key).", None),
            Option("shuffle", "--shuffle/--no-shuffle", "Shuffle the order of the questions and of their options "
                   "(the same --seed gives the same page; exam versions are always shuffled).", False, kind=bool),
            Option("seed", "--seed", "Seed of --shuffle and of exam versions (default 0).", None, kind=int),
            Option("versions", "--versions", "Exam versions to write, each with its own order of questions and "
                   "options, named after -o (paper.html: paper-A.html, paper-B.html, ...), plus one compact key for all "
                   "(paper-key.html).",
                   1, kind=int, bounds=(1, 26)),
            Option("answer_grid", "--answer-grid/--no-answer-grid", "Add an answer-grid page to an exam.",
                   False, kind=bool)),
           ("torchquiz export html set.jsonl -o quiz.html",
            "torchquiz export html set.jsonl -o quiz.html --shuffle --seed 3",
            "torchquiz export html set.jsonl -o paper.html --mode exam --title 'RNN week 3: test'",
            "torchquiz export html set.jsonl -o paper.html --mode exam --versions 3 --seed 7 --answer-grid")),
    Format("qti12", "QTI 1.2 package for Canvas (Import Course Content > QTI .zip file).", ".zip",
           "torchquiz.exports.qti12", "qti12_files", (CATEGORY_BY, TITLE, SHUFFLE),
           ("torchquiz export qti12 set.jsonl -o quiz.zip",
            "torchquiz export qti12 set.jsonl -o quiz.zip --category-by family --title 'RNN week 3'")),
    Format("qti21", "QTI 2.1 package: one assessmentItem per question and an assessmentTest.", ".zip",
           "torchquiz.exports.qti21", "qti21_files", (CATEGORY_BY, TITLE, SHUFFLE),
           ("torchquiz export qti21 set.jsonl -o quiz.zip",
            "torchquiz export qti21 set.jsonl -o quiz.zip --category-by difficulty")),
    Format("gift", "GIFT text, for pasting or importing into Moodle by hand.", ".txt",
           "torchquiz.exports.gift", "gift_files", (CATEGORY_BY, CATEGORY_ROOT),
           ("torchquiz export gift set.jsonl -o quiz.gift.txt",)),
)}


def get_format(name):
    """The Format called `name`; an unknown name is an ExportError suggesting the closest one."""
    from torchquiz.exports.errors import ExportError
    from torchquiz.record.suggest import did_you_mean

    if name not in FORMATS:
        raise ExportError(f"unknown export format {name!r}: expected one of {', '.join(FORMATS)}."
                          f"{did_you_mean(name, FORMATS)}")
    return FORMATS[name]


def export(name, records, **options):
    """The file contents (a list of str or bytes) of `records` exported as format `name`."""
    result = get_format(name).builder()(records, **options)
    return result if isinstance(result, list) else [result]
