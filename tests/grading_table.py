"""One table of typed responses and the mark each must get, in the terminal quiz, in the HTML
page and in Moodle (tests/test_grading_agreement.py proves all three).

An outcome is `right`, `wrong` or `again`: asked again, the try not counted (the terminal's
Malformed, the page's "does not count"). Moodle has no "again" for a shortanswer, so there
an `again` response gets 0; a numerical question answered with something that is not a
number gets Moodle's own "please enter a valid number" (`invalid`), asked again as well.

A row may name a Moodle outcome of its own: those are the spellings Moodle cannot mark as
the quiz does, and README.md ("Typed answers: what counts as the same shape") names each.
"""
from export_records import record

KEYS = {
    # the shape measured in a real Moodle 4.3 (issue 8); `accepted` as older generators wrote it
    "shape": ("shortanswer", {"text": "(60, 4)", "accepted": ["(60,4)", "[60, 4]", "[60,4]",
                                                              "torch.Size([60, 4])"]}),
    "shape3": ("shortanswer", {"text": "(4, 7, 6)", "accepted": []}),
    "shape1": ("shortanswer", {"text": "(4,)", "accepted": []}),
    "shape0": ("shortanswer", {"text": "()", "accepted": []}),
    "formula": ("shortanswer", {"text": "2 * hidden_size", "accepted": ["hidden_size * 2"]}),
    "error": ("shortanswer", {"text": "RuntimeError", "accepted": []}),
    "ratio": ("numerical", {"text": "0.91", "value": 0.9090909090909091, "tolerance": 0.005}),
    "count": ("numerical", {"text": "2560", "value": 2560, "tolerance": 0}),
    "tiny": ("numerical", {"text": "0.00001", "value": 1e-05, "tolerance": 5e-06}),
}


def _rows(key, outcome, responses):
    return [(key, response, outcome, None) for response in responses]


ROWS = [
    # (60, 4): every spelling of the grammar: (), [], torch.Size([]), bare; ", " or ","; trailing comma
    *_rows("shape", "right", [
        "(60, 4)", "(60,4)", "[60, 4]", "[60,4]", "torch.Size([60, 4])", "torch.Size([60,4])", "60, 4", "60,4",
        "(60, 4,)", "(60,4,)", "[60, 4,]", "[60,4,]", "torch.Size([60, 4,])", "torch.Size([60,4,])", "60, 4,",
        "60,4,", "  (60, 4)  ", "\t(60, 4)\n", "TORCH.SIZE([60, 4])", "Torch.size([60,4])"]),
    *_rows("shape", "wrong", [
        "(4, 60)", "(60,)", "(60, 4, 1)", "()", "[4,60]", "torch.Size([60, 5])", "60, 4, 1", "(600, 4)"]),
    # the loose spellings the quiz and the page used to accept, and Moodle gave 0
    *_rows("shape", "again", [
        "( 60, 4 )", "(60 , 4)", "(60,  4)", "(60, 4 )", "[ 60, 4 ]", "torch.Size( [60, 4] )",
        "torch.Size([60, 4] )", "(60, 4, )", "(60,4, )", "(060, 4)", "(+60, 4)", "(60, 4", "60 4", "(60; 4)",
        "(60.0, 4)", "((60, 4))", "(60, 4),", "sixty by four", "\u00a0(60, 4)", "(\uff160, 4)", "(60,\u00a04)",
        "torch.Size((60, 4))", "Size([60, 4])", "(60 4)", "(60,\t4)"]),
    ("shape", "", "again", "invalid"),       # empty: Moodle asks for an answer too
    ("shape", "   ", "again", "invalid"),
    *_rows("shape3", "right", ["(4,7,6)", "4, 7, 6,", "[4, 7, 6]", "torch.Size([4,7,6,])", "(4, 7, 6)"]),
    *_rows("shape3", "wrong", ["(4, 6, 7)", "(7, 4, 6)", "(4, 7)", "(4, 7, 6, 1)"]),
    *_rows("shape3", "again", ["(4, 7,6)", "(4,7, 6)", "(4, 7, 6]", "(4,,7,6)", "4 7 6"]),
    *_rows("shape1", "right", ["(4,)", "[4]", "[4,]", "torch.Size([4])", "torch.Size([4,])", "4,"]),
    *_rows("shape1", "wrong", ["(4, 1)", "()", "(5,)", "[1, 4]"]),
    *_rows("shape1", "again", ["(4)", "4", "( 4, )", "(4 ,)", "[4 ]", "[4, ]"]),
    *_rows("shape0", "right", ["()", "[]", "torch.Size([])", " () "]),
    *_rows("shape0", "wrong", ["(0,)", "[1]", "(1, 1)"]),
    *_rows("shape0", "again", ["( )", "(,)", "[ ]", "torch.Size()", "0", "torch.Size([ ])"]),
    # texts: whole string, case-insensitive, `*` literal (Moodle's wildcard is escaped)
    *_rows("formula", "right", ["2 * hidden_size", "2 * HIDDEN_SIZE", " hidden_size * 2 "]),
    *_rows("formula", "wrong", ["2*hidden_size", "2  *  hidden_size", "anything", "2 * hidden_size_", "*",
                                "2 \\* hidden_size"]),
    *_rows("error", "right", ["RuntimeError", "runtimeerror", "RUNTIMEERROR ", "\nRuntimeError"]),
    *_rows("error", "wrong", ["Runtime Error", "RuntimeError.", "ValueError", "\u00a0RuntimeError"]),
    # numbers, read as Moodle reads them: within tolerance, spaces dropped, e/E/x10^ exponents
    *_rows("ratio", "right", [
        "0.91", ".91", " 0.91 ", "0.910", "+0.91", "9.1e-1", "9.1E-1", "91e-2", "9.1x10^-1", "9.1\u00d710^-1",
        "9.1*10**-1", "0.905", "0.914", "0.9 1", "\t0.91\n", "9.1 e-1"]),
    *_rows("ratio", "wrong", ["0.92", "0.9", "0.8", "91", "-0.91", "1", "0", "1e400"]),
    *_rows("ratio", "again", [
        "91%", "91 %", "0.91%", "abc", "0.91.", "inf", "nan", "0x10", "1_000", "\u0660.\u0669\u0661", "\u00bd",
        "0.91abc", "--0.91", "0.\t91", "e-1", ".", "0.91e", "", "   "]),
    # a comma: Moodle reads it by the site's language; an English site drops it (0,91 is 91)
    ("ratio", "0,91", "again", "wrong"),
    ("ratio", "0,910", "again", "wrong"),
    *_rows("count", "right", ["2560", "2560.0", "2.56e3", "2 560", "2560.", "2.56E+3"]),
    *_rows("count", "wrong", ["2561", "2560.4", "256", "-2560"]),
    *_rows("count", "again", ["2560 params", "2560!", "two thousand"]),
    ("count", "2,560", "again", "right"),
    ("count", "2,560.0", "again", "right"),
    *_rows("tiny", "right", ["0.00001", "1e-5", "1E-5", "0.000014", "1x10^-5", "10e-6", ".00001"]),
    *_rows("tiny", "wrong", ["0.000016", "0.0001", "0", "1e-6"]),
    ("tiny", "0,00001", "again", "wrong"),
]


def moodle_outcome(key, outcome, moodle=None):
    """What Moodle gives a row: its own outcome if named, else the quiz's (0 for a shortanswer
    asked again, Moodle's own 'not a valid number' for a numerical one)."""
    if moodle is not None:
        return moodle
    if outcome != "again":
        return outcome
    return "invalid" if KEYS[key][0] == "numerical" else "wrong"


def table_records():
    """One valid question record per key, in KEYS order."""
    records = []
    for name, (kind, answer) in KEYS.items():
        records.append(record(f"table.{name}", "shape" if name.startswith("shape") else "metrics", kind,
                              f"Table question {name}: type the answer.", [], dict(answer), salt=name))
    return records
