"""Hand-written question records for the engine's tests (store, grading, session, quiz UI).

Each record validates against the question schema; the answers are what torch prints
for the snippets shown (checked by hand), so the quiz tests read like real questions.
"""
import hashlib
import json
from pathlib import Path

from torchquiz.engine import selection

SCHEMA_PATHS = [Path(__file__).resolve().parents[1] / "record" / "question.schema.json",
                Path(__file__).resolve().parents[2] / "shared" / "question.schema.json",
                Path("/work/shared/question.schema.json")]

TOPICS = ["rnn", "gru", "lstm", "bidirectional", "packing", "metrics"]
LABELS = ["easy", "medium", "hard"]


def schema():
    for path in SCHEMA_PATHS:
        if path.exists():
            return json.loads(path.read_text())
    raise FileNotFoundError("question.schema.json not found")


def _id(template, params):
    digest = hashlib.sha256(json.dumps([template, params], sort_keys=True).encode()).hexdigest()
    return f"{template}:{digest[:12]}"


def shape_question(n=0, *, topic="lstm", difficulty="medium", template="shape.recurrent_output",
                   correct_index=None):
    """A multichoice shape question; `n` varies the sizes so ids differ."""
    batch, hidden = 2 + n % 5, 4 + n % 3
    seq = batch + 1 + n % 4  # never equal to batch, so the swapped option differs
    layer = {"rnn": "RNN", "gru": "GRU"}.get(topic, "LSTM")
    params = {"layer": layer, "batch": batch, "seq_len": seq, "hidden_size": hidden, "n": n}
    right = f"({batch}, {seq}, {hidden})"
    wrong = [(f"({seq}, {batch}, {hidden})", "ignore_batch_first",
              "You read the input as (seq, batch, feature), but batch_first=True puts batch first."),
             (f"({batch}, {seq}, {2 * hidden})", "forget_bidirectional_doubling",
              "Only a bidirectional layer doubles the last dimension; this one is unidirectional."),
             (f"({batch}, {seq}, 9)", "swap_input_hidden",
              "The last dimension of `output` is hidden_size, not input_size.")]
    options = [{"text": t, "correct": False, "feedback": f, "misconception": m} for t, m, f in wrong]
    position = (n % 4) if correct_index is None else correct_index
    options.insert(position, {"text": right, "correct": True, "misconception": None,
                              "feedback": "Right: batch_first=True gives (batch, seq_len, hidden_size)."})
    code = (f"import torch\nimport torch.nn as nn\nlayer = nn.{layer}(9, {hidden}, batch_first=True)\n"
            f"x = torch.randn({batch}, {seq}, 9)\nout, _ = layer(x)\nprint(out.shape)\n")
    return _record(template, "shape", [topic, "batch_first"], difficulty, "multichoice",
                   "What is the shape of `out`?", code, {"stdout": f"torch.Size([{batch}, {seq}, {hidden}])\n",
                                                         "exception": None, "message": None},
                   "stdout", options, {"text": right}, params)


def typed_shape_question(n=0, *, topic="gru", difficulty="easy"):
    batch, seq, hidden = 3 + n % 4, 5 + n % 3, 6
    right = f"({seq}, {batch}, {hidden})"
    params = {"batch": batch, "seq_len": seq, "n": n}
    record = _record("shape.typed_output", "shape", [topic], difficulty, "shortanswer",
                     "Type the shape of `out`.",
                     f"import torch\nimport torch.nn as nn\nlayer = nn.GRU(4, {hidden})\n"
                     f"x = torch.randn({seq}, {batch}, 4)\nout, _ = layer(x)\nprint(out.shape)\n",
                     {"stdout": f"torch.Size([{seq}, {batch}, {hidden}])\n", "exception": None, "message": None},
                     "stdout", [], {"text": right, "accepted": [f"({seq},{batch},{hidden})",
                                                               f"torch.Size([{seq}, {batch}, {hidden}])"]},
                     params)
    record["misconception_answers"] = [{"text": f"({batch}, {seq}, {hidden})", "misconception": "ignore_batch_first"}]
    return record


def numerical_question(n=0, *, difficulty="medium"):
    tp, fp = 6 + n % 3, 2
    value = round(tp / (tp + fp), 2)
    params = {"tp": tp, "fp": fp, "n": n}
    record = _record("metrics.precision", "metrics", ["metrics"], difficulty, "numerical",
                     f"A classifier has {tp} true positives, {fp} false positives and 3 false negatives. "
                     "What is its precision (2 decimals)?", None, None, "computed", [],
                     {"text": f"{value:.2f}", "value": value, "tolerance": 0.005}, params)
    recall = round(tp / (tp + 3), 2)
    record["misconception_answers"] = [{"text": f"{recall:.2f}", "misconception": "precision_recall_confusion"}]
    return record


def truefalse_question(n=0, *, difficulty="easy"):
    options = [{"text": "True", "correct": False, "misconception": "unbatched_input_invalid",
                "feedback": "nn.RNN accepts an unbatched 2-D input (seq_len, input_size)."},
               {"text": "False", "correct": True, "misconception": None,
                "feedback": "Right: a 2-D input is treated as one unbatched sequence."}]
    return _record("error.unbatched", "error", ["rnn"], difficulty, "truefalse",
                   "True or false: `nn.RNN(8, 4)` raises an error on a 2-D input of shape (5, 8).",
                   "import torch\nimport torch.nn as nn\nprint(nn.RNN(8, 4)(torch.randn(5, 8))[0].shape)\n",
                   {"stdout": "torch.Size([5, 4])\n", "exception": None, "message": None}, "exception",
                   options, {"text": "False"}, {"n": n})


def multiresponse_question(n=0):
    options = [{"text": "`output`", "correct": True, "misconception": None, "feedback": "Yes."},
               {"text": "`h_n`", "correct": True, "misconception": None, "feedback": "Yes."},
               {"text": "`c_n`", "correct": False, "misconception": "gru_has_cell_state",
                "feedback": "A GRU has no cell state."},
               {"text": "`gates`", "correct": False, "misconception": "gates_returned",
                "feedback": "Gates are internal."}]
    return _record("concept.gru_returns", "concept", ["gru"], "medium", "multiresponse",
                   "Which does `nn.GRU` return?", None, None, "computed", options,
                   {"text": "`output`, `h_n`"}, {"n": n})


def _record(template, family, topics, difficulty, kind, stem, code, run, answer_from, options, answer, params):
    return {"schema": "torchquiz/question@1", "id": _id(template, params), "template": template,
            "family": family, "topics": topics, "difficulty": difficulty, "type": kind, "stem": stem,
            "code": code, "run": run, "answer_from": answer_from, "options": options, "answer": answer,
            "solution": ["Step 1: read the layer's arguments.", f"Step 2: the answer is {answer['text']}."],
            "hint": "Look at batch_first and at the last dimension.", "common_mistakes": ["Ignoring batch_first."],
            "params": params, "provenance": {"torch": "2.13.0", "device": "cpu", "seed": 0,
                                             "template_version": "fixture"}}


def bank(size=40):
    """A mixed pool over all topics, labels and question types."""
    records = []
    for n in range(size):
        kind = n % 8
        if kind == 5:
            records.append(typed_shape_question(n, difficulty=LABELS[n % 3]))
        elif kind == 6:
            records.append(numerical_question(n, difficulty=LABELS[n % 3]))
        elif kind == 7:
            records.append(truefalse_question(n, difficulty=LABELS[n % 3]))
        else:
            records.append(shape_question(n, topic=TOPICS[n % 6], difficulty=LABELS[n % 3]))
    return records


def write_jsonl(path, records):
    Path(path).write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def select_next(
    pool,
    history,
    rng,
    *,
    target: float = 0.70,
    top_k: int = 5,
    topic_sd: float = 0.0,
    predictive: bool = False,
    **options,
):
    """The next item for a learner with this history, or None if none is left: select_index, the quiz
    session's own choice, called as the quiz calls it but without a session (near variants, level caps and
    the store are the session's). A test helper: the product calls select_index from QuizSession._select.

    target, top_k and the keyword `options` (window, topic_weight,
    info_weight, max_exposure, band) are those of `select_index`.

    topic_sd: the spread of topic abilities around the general one (see
    `torchquiz.engine.topic_ability`); 0 treats all topics as one ability.
    predictive: aim the success averaged over the ability's posterior rather
    than at its mean (the quiz does: truer success, and in adaptive-sim at
    2,000 learners RMSE@15 within noise of the plug-in aim).
    Near variants are the quiz session's business (`torchquiz.engine.near_schedule`).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"target={target!r}: must lie strictly between 0 and 1")
    if top_k < 1:
        raise ValueError(f"top_k={top_k!r}: must be at least 1")
    pool = selection.as_pool(pool)
    seen, counts = selection.history_state(pool, history)
    theta, theta_sd = selection.selection_ability(pool, history, topic_sd)
    i = selection.select_index(pool, seen, counts, theta, rng, target=target, top_k=top_k,
                               theta_sd=theta_sd if predictive else 0.0, **options)
    return None if i is None else pool.item(i)
