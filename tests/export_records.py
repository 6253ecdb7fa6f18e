"""Hand-written question records for the export tests and benchmarks/export.py.

Every question type, and the edge cases that have broken Moodle imports or HTML pages:
`# a<b & c>d` in code, `]]>` and `<script>` in stems, `*` in a shortanswer key, very long
names, two questions whose names would collide, numbers that tempt a comma or an exponent.
"""
import os
import copy
import hashlib

LONG_TEMPLATE = "shape." + "recurrent_output_under_batch_first_and_bidirectional_" * 5 + "x"
TRICKY_CODE = (
    "import torch\n"
    "import torch.nn as nn\n"
    "\n"
    "# a<b & c>d\n"
    "rnn = nn.GRU(5, 3, batch_first=True)\n"
    "for step in range(1):\n"
    "    x = torch.randn(4, 7, 5)\n"
    "    out, h_n = rnn(x)\n"
    "print(out.shape)\n"
)


def make_id(template, salt):
    return f"{template}:{hashlib.sha256(f'{template}/{salt}'.encode()).hexdigest()[:12]}"


def option(text, correct, feedback, misconception=None):
    return {"text": text, "correct": correct, "feedback": feedback, "misconception": misconception}


def record(template, family, kind, stem, options, answer, *, code=None, run=None, salt="0",
           difficulty="medium", topics=("rnn",), answer_from="stdout", **extra):
    result = {
        "schema": "torchquiz/question@1", "id": make_id(template, salt), "template": template,
        "family": family, "topics": list(topics), "difficulty": difficulty, "type": kind,
        "stem": stem, "code": code, "run": run, "answer_from": answer_from if code else "computed",
        "options": options, "answer": answer,
        "solution": ["Step 1: read the constructor: `hidden_size` is 3.",
                     "Step 2: with `batch_first=True` the output is (batch, seq, hidden) = (4, 7, 3)."],
        "hint": "With `batch_first=True` the batch comes first.",
        "common_mistakes": ["Ignoring `batch_first`", "Mixing up input_size and hidden_size"],
        "params": {"batch": 4, "seq_len": 7}, "provenance": {"torch": "2.13.0", "device": "cpu", "seed": 1,
                                                             "template_version": "v1"},
    }
    result.update(extra)
    return result


def edge_case_records():
    """A small set covering every type and the nasty edge cases (fresh copies each call)."""
    stdout_run = {"stdout": "torch.Size([4, 7, 3])\n", "exception": None, "message": None}
    return [
        record("shape.gru_output", "shape", "multichoice",
               "What is the shape of `out`? (watch *batch_first*)",
               [option("(7, 4, 3)", False, "You ignored `batch_first=True`.", "ignore_batch_first"),
                option("(4, 7, 3)", True, "Right: (batch, seq_len, hidden_size)."),
                option("(4, 7, 5)", False, "That is `input_size`, not `hidden_size`.", "swap_input_hidden"),
                option("(4, 7, 6)", False, "Only a bidirectional layer doubles the last dimension.",
                       "forget_bidirectional_doubling")],
               {"text": "(4, 7, 3)"}, code=TRICKY_CODE, run=stdout_run, difficulty="easy",
               topics=["gru", "batch_first"], title="Output shape of a <GRU> layer",
               unknown_extra_key={"ignored": True}),
        record("equivalence.last_step", "equivalence", "multiresponse",
               "Which slices equal `h_n[-1]`? Note: ]]> must not end any CDATA section.",
               [option("`out[:, -1]`", True, "The last time step of a unidirectional layer is h_n[-1]."),
                option("`out[-1]`", False, "With batch_first the first axis is the batch.", "ignore_batch_first"),
                option("`h_n[0]` when num_layers=1", True, "With one layer h_n[0] is h_n[-1]."),
                option("`out[:, 0]`", False, "That is the first time step.", "first_step_is_last")],
               {"text": "`out[:, -1]`, `h_n[0]` when num_layers=1"}, code=TRICKY_CODE.replace("print(out.shape)", "print(torch.allclose(out[:, -1], h_n[-1]))"),
               run={"stdout": "True\n", "exception": None, "message": None}, topics=["gru"]),
        record("metrics.precision_choice", "metrics", "multiresponse",
               "Which of these are **true** for TP=50, FP=5, FN=10?",
               [option("precision = 0.91", True, "50 / 55."),
                option("recall = 0.83", True, "50 / 60."),
                option("F1 = 0.87", True, "2PR/(P+R)."),
                option("precision = 0.83", False, "That is recall.", "precision_recall_confused"),
                option("accuracy = 0.5", False, "Accuracy needs TN.", "accuracy_without_tn")],
               {"text": "precision = 0.91, recall = 0.83, F1 = 0.87"}, difficulty="hard", topics=["precision", "recall"]),
        record("metrics.precision", "metrics", "numerical",
               "A classifier has TP=50 and FP=5. What is its precision? Give 2 decimals.", [],
               {"text": "0.91", "value": 0.9090909090909091, "tolerance": 0.005}, topics=["precision"]),
        record("params.lstm_count", "params", "numerical",
               "How many learnable parameters does `nn.LSTM(10, 20)` have?", [],
               {"text": "2560", "value": 2560, "tolerance": 0}, difficulty="easy", topics=["lstm"]),
        record("metrics.tiny_mse", "metrics", "numerical",
               "What is the MSE? (it is tiny)", [], {"text": "0.00001", "value": 1e-05, "tolerance": 5e-06},
               difficulty="hard", topics=["mse"]),
        record("shape.gru_output_typed", "shape", "shortanswer",
               "Type the shape of `out`.", [],
               {"text": "(4, 7, 3)", "accepted": ["(4,7,3)", "[4, 7, 3]", "torch.Size([4, 7, 3])"]},
               code=TRICKY_CODE, run=stdout_run, salt="typed", topics=["gru", "batch_first"]),
        record("concept.wildcard_key", "concept", "shortanswer",
               "Which expression gives the feature size of a bidirectional `out`? Use `*`.", [],
               {"text": "2 * hidden_size", "accepted": ["hidden_size * 2", "2*hidden_size"]},
               topics=["bidirectional"]),
        record("error.script_stem", "error", "truefalse",
               "True or false: <script>alert('x')</script> this snippet raises & stops.",
               [option("True", False, "It runs: unbatched 2-D input is accepted.", "unbatched_is_invalid"),
                option("False", True, "Right: torch accepts unbatched (seq, feature) input.")],
               {"text": "False"}, code="import torch\nx = torch.randn(10, 8)\nprint(torch.nn.RNN(8, 4)(x)[0].shape)\n",
               run={"stdout": "torch.Size([10, 4])\n", "exception": None, "message": None}, topics=["unbatched"]),
        record("error.raises", "error", "truefalse", "True or false: this raises a RuntimeError.",
               [option("False", False, "It does raise.", "shapes_always_broadcast"),
                option("True", True, "input.size(-1) must equal input_size.")],
               {"text": "True"}, code="import torch\nnn = torch.nn\nnn.LSTM(3, 2)(torch.randn(5, 1, 4))\n",
               run={"stdout": "", "exception": "RuntimeError", "message": "input.size(-1) must be equal to input_size. Expected 3, got 4"},
               answer_from="exception", topics=["lstm"]),
        record(LONG_TEMPLATE, "shape", "multichoice", "Long template name: " + "very long stem " * 30,
               [option("(2, 3)", True, "Right."), option("(3, 2)", False, "Swapped.", "swap_dims")],
               {"text": "(2, 3)"}, salt="a", difficulty="hard", topics=["rnn"]),
        # Same template, stem and difficulty as the one above: only the id tells them apart.
        record(LONG_TEMPLATE, "shape", "multichoice", "Long template name: " + "very long stem " * 30,
               [option("(2, 3)", False, "Swapped.", "swap_dims"), option("(3, 2)", True, "Right.")],
               {"text": "(3, 2)"}, salt="b", difficulty="hard", topics=["rnn"]),
    ]


def repeated(records, count):
    """`count` records: `records` repeated in turn, each copy under its own id."""
    out = []
    for index in range(count):
        record = copy.deepcopy(records[index % len(records)])
        record["id"] = make_id(record["template"], f"copy{index}")
        out.append(record)
    return out


def replicated_records(count):
    """`count` records: the edge-case set repeated with distinct ids (benchmarks).

    Every integer in a copy's code is shifted by the copy's index, so no two snippets are
    alike and line-level caches cannot make the benchmark look better than real sets.
    """
    import re

    records = repeated(edge_case_records(), count)
    for index, item in enumerate(records):
        if item["code"]:
            item["code"] = re.sub(r"\b\d+\b", lambda m: str(int(m.group()) + index), item["code"])
    return records


def generate_set(path, count=1, seed=1):
    """Run the real `torchquiz generate` into `path`. Returns None, or a reason to skip
    when the command does not exist yet; raises AssertionError if it exists and fails.

    The exports are tested on a really generated set as soon as the generator exists; until
    then (and only outside CI) the caller skips with the reason returned here.
    """
    import os
    import subprocess
    import sys

    command = [sys.executable, "-c", "from torchquiz.cli.main import main; main()",
               "generate", "--count", str(count), "--seed", str(seed), "-o", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if result.returncode == 2 and "No such command 'generate'" in result.stderr:
        return "`torchquiz generate` is not built yet (engine/cli_generate.py missing)"
    if result.returncode != 0:
        raise AssertionError(f"`torchquiz generate` failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}")
    return None


def session_generated_set(tmp_path_factory):
    """One really generated set per test session, shared by the export test modules.

    Returns (path, None), or (None, reason) when `torchquiz generate` does not exist yet.
    """
    path = tmp_path_factory.getbasetemp() / "export-generated-set.jsonl"
    if path.exists():
        return path, None
    partial = path.with_suffix(".partial")
    reason = generate_set(partial)
    if reason:
        return None, reason
    partial.replace(path)
    return path, None


def generated_set_or_skip(tmp_path_factory):
    """The session's generated set's path; a skip, or a failure under CI=true, when it cannot be made."""
    import pytest

    path, reason = session_generated_set(tmp_path_factory)
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
