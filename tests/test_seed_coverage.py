"""Every practice question of the seed pages (../shared/seeds/) regenerated from a template, with a torch-true key.

Each entry names the template and the pinned parameters that regenerate the question. Where the seed
question has code, the key torch should give is computed here by running the seed's own snippet in a fresh
interpreter (never typed in); concept questions without code are checked against the seed's own answer and
options. Where the seed's key is wrong (003 Q4, 002's 2-D distractor, 002's quick-check letters), the test
asserts that ours differs from the seed's and is what torch does. Where the seed's right option is incomplete (003 Q5
packs lengths that are not in decreasing order without enforce_sorted=False), the entry records our corrected option
and why, and a test shows with torch that the seed's wording fails for those lengths. Where the seed's stem makes a
wrong option right (001 and 002 Q5: a loop over the sequences does handle their lengths), the entry records our
corrected stem and why.

Pages 000 and 003/004 are garbled: their questions are reconstructed from their solution text. Page 000's
practice questions are the same five as page 001's (same solutions, same code).
"""
import dataclasses
import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from torchquiz.generator.settings import GenerationSettings

from torchquiz.record.answers import canonical_line
from torchquiz.generator.api import load_templates, run_jobs
from torchquiz.generator.catalogue import load_misconceptions
from torchquiz.generator.params import specs_for
from torchquiz.generator.render import render

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
IMPORTS = "import torch\nimport torch.nn as nn\n"


@dataclasses.dataclass
class SeedQuestion:
    name: str                 # "<page> Q<n>"
    template: str
    difficulty: str
    pins: dict
    snippet: str = None       # the seed's own code (plus the print its question asks about)
    seed_key: str = None      # the seed's final answer, as printed on the page
    seed_stem: str = None     # the seed's question text, where the page kept it
    seed_options: tuple = ()  # the seed's wrong options, where the page kept them
    seed_is_wrong: bool = False
    quick_check_text: str = None  # the option the page's "Quick Check" letter points at, when it disagrees
    corrected_key: str = None     # our right option where the page's is not true as written (a deliberate correction)
    correction: str = None        # why the page's right option was corrected
    corrected_stem: str = None    # our stem where the page's makes a wrong option right (a deliberate correction)
    stem_correction: str = None   # why the page's stem was corrected


GRU_PURPOSE = dict(
    template="concept.layer_purpose", difficulty="easy",
    pins={"layer": "GRU", "phrasing": "purpose", "answer_wording": "remembering", "foils": "tasks"},
    seed_key="To process sequential data by remembering past information",
    seed_stem="What is the primary purpose of the nn.GRU layer in PyTorch?",
    seed_options=("To reduce the dimensionality of data using PCA", "To perform image classification using convolution",
                  "To generate random numbers for initialization"))
GRU_CONSTRUCTOR = dict(
    template="constructor.recurrent_sizes", difficulty="easy",
    pins={"layer": "GRU", "input_size": 10, "hidden_size": 20, "bidirectional": False, "style": "keyword",
          "describe": "sizes"},
    seed_key="nn.GRU(input_size=10, hidden_size=20)",
    seed_stem="Which of the following is the correct way to create a GRU layer with input size 10 and hidden size 20 in PyTorch?",
    seed_options=("nn.GRU(20, 10)", "nn.GRU(hidden_size=10, input_size=20)", "nn.GRU(10)"))
GRU_BATCH_FIRST_SHAPE = dict(
    template="shape.recurrent_output", difficulty="medium",
    pins={"layer": "GRU", "input_size": 5, "hidden_size": 3, "batch_first": True, "bidirectional": False,
          "num_layers": 1, "batch": 4, "seq_len": 7, "ask": "output"},
    snippet=IMPORTS + "gru = nn.GRU(input_size=5, hidden_size=3, batch_first=True)\n"
                      "x = torch.randn(4, 7, 5)  # batch=4, seq_len=7, input_size=5\nout, h_n = gru(x)\nprint(out.shape)\n",
    seed_key="(4, 7, 3)", seed_options=("(7, 4, 3)", "(4, 3, 7)", "(7, 3, 4)"))
GRU_DEFAULT_LAYOUT = dict(
    template="error.batch_first_default", difficulty="medium",
    pins={"layer": "GRU", "input_size": 8, "hidden_size": 4, "bidirectional": False, "batch": 5, "seq_len": 10,
          "ask": "output"},
    snippet=IMPORTS + "gru = nn.GRU(input_size=8, hidden_size=4)\nx = torch.randn(5, 10, 8)\nout, h = gru(x)\nprint(out.shape)\n",
    seed_key="It runs and prints (5, 10, 4)")
# The pages' variable-length stems ask for an approach that "correctly handles" the lengths, and 002's options include
# a loop over the sequences, which does handle them; our stem says the whole batch goes through the layer in one call.
LOOP_IS_CORRECT = "a loop over the sequences handles variable lengths correctly, just not in one call of the layer"
GRU_VARIABLE_LENGTH = dict(
    template="concept.variable_length", difficulty="easy",
    pins={"layer": "GRU", "phrasing": "build", "foils": "missing_step"},
    seed_key="Pad sequences to the same length and use pack_padded_sequence before feeding to nn.GRU",
    seed_stem="You want to build a GRU-based model to process variable-length sequences in a batch. "
              "Which approach correctly handles this in PyTorch?",
    corrected_stem="You want to build a GRU-based model to process variable-length sequences in a batch. "
                   "The whole batch should go through the layer in one call. "
                   "Which approach correctly handles this in PyTorch?",
    stem_correction=LOOP_IS_CORRECT,
    seed_options=("Feed raw variable-length sequences directly to nn.GRU without padding",
                  "Manually truncate all sequences to the shortest length before input",
                  "Use nn.GRU with batch_first=False and ignore sequence lengths"))

QUESTIONS = [
    # 001 (nn.GRU pipeline); 000 repeats the same five (garbled, identical solutions and code).
    *[SeedQuestion(f"{page} Q{n}", **spec) for page in ("000", "001")
      for n, spec in enumerate([GRU_PURPOSE, GRU_CONSTRUCTOR, GRU_BATCH_FIRST_SHAPE, GRU_DEFAULT_LAYOUT,
                                GRU_VARIABLE_LENGTH], 1)],
    # 002 (nn.RNN). The quick-check letters of Q2, Q3 and Q4 point at wrong options.
    SeedQuestion("002 Q1", "concept.layer_purpose", "easy",
                 {"layer": "RNN", "phrasing": "does", "answer_wording": "step_by_step", "foils": "operations"},
                 seed_key="Processes sequences step by step, keeping track of past information",
                 seed_stem="What does the nn.RNN layer in PyTorch primarily do?",
                 seed_options=("Sorts input data in ascending order", "Generates random numbers for initialization",
                               "Performs matrix multiplication without memory")),
    SeedQuestion("002 Q2", "constructor.recurrent_sizes", "easy",
                 {"layer": "RNN", "input_size": 10, "hidden_size": 20, "bidirectional": False, "style": "keyword",
                  "describe": "sizes"},
                 seed_key="nn.RNN(input_size=10, hidden_size=20)",
                 seed_options=("nn.RNN(20, 10)", "nn.RNN(10)", "nn.RNN(hidden_size=10, input_size=20)"),
                 quick_check_text="nn.RNN(hidden_size=10, input_size=20)"),  # "= D"
    SeedQuestion("002 Q3", "shape.recurrent_output", "medium",
                 {"layer": "RNN", "input_size": 5, "hidden_size": 3, "batch_first": True, "bidirectional": False,
                  "num_layers": 1, "batch": 4, "seq_len": 7, "ask": "output"},
                 snippet=IMPORTS + "rnn = nn.RNN(input_size=5, hidden_size=3, batch_first=True)\n"
                                   "input = torch.randn(4, 7, 5)\noutput, hn = rnn(input)\nprint(output.shape)\n",
                 seed_key="(4, 7, 3)", seed_options=("(7, 4, 3)", "(3, 4, 7)", "(4, 3, 7)"),
                 quick_check_text="(3, 4, 7)"),  # "= B"
    SeedQuestion("002 Q4", "error.input_size_mismatch", "medium",
                 {"layer": "RNN", "input_size": 8, "hidden_size": 4, "features_from": "other", "other_features": 10,
                  "batch_first": False, "seq_len": 3, "batch": 5},
                 snippet=IMPORTS + "rnn = nn.RNN(input_size=8, hidden_size=4)\n"
                                   "input = torch.randn(3, 5, 10)  # batch=3, seq_len=5, input_size=10\n"
                                   "output, hn = rnn(input)\nprint(output.shape)\n",
                 seed_key="It raises RuntimeError",  # "Input size does not match the RNN's input_size parameter"
                 quick_check_text="It runs and prints (3, 5, 4)"),  # "= C": batch size last, i.e. no mismatch error
    SeedQuestion("002 Q4 (2-D distractor)", "error.unbatched_input", "easy",
                 {"layer": "RNN", "input_size": 8, "hidden_size": 4, "num_layers": 1, "bidirectional": False,
                  "seq_len": 5, "ask": "output"},
                 snippet=IMPORTS + "rnn = nn.RNN(input_size=8, hidden_size=4)\ninput = torch.randn(5, 8)\n"
                                   "output, hn = rnn(input)\nprint(output.shape)\n",
                 seed_key="It raises", seed_is_wrong=True),  # "RNN requires input to be 2D tensor" / 2-D is invalid
    SeedQuestion("002 Q5", "concept.variable_length", "easy",
                 {"layer": "RNN", "phrasing": "process", "foils": "wrong_tool"},
                 seed_key="Pad sequences to the same length and use pack_padded_sequence before the RNN",
                 seed_stem="You want to process a batch of sequences with varying lengths using nn.RNN. "
                           "Which approach correctly handles this in PyTorch?",
                 corrected_stem="You want to process a batch of sequences with varying lengths using nn.RNN. "
                                "The whole batch should go through the layer in one call. "
                                "Which approach correctly handles this in PyTorch?",
                 stem_correction=LOOP_IS_CORRECT,
                 seed_options=("Feed sequences directly without padding or packing",
                               "Use a for loop to process each sequence separately without padding",
                               "Set hidden_size equal to the longest sequence length")),
    # 003 (bidirectional RNNs, garbled). Q4's key is wrong: the snippet runs.
    SeedQuestion("003 Q1", "concept.bidirectional", "easy", {"layer": "RNN", "phrasing": "advantage"},
                 seed_key="It processes the input sequence in both forward and backward directions to capture full context.",
                 seed_stem="What is the main advantage of a bidirectional RNN compared to a standard RNN?"),
    SeedQuestion("003 Q2", "constructor.recurrent_sizes", "medium",
                 {"layer": "GRU", "input_size": 10, "hidden_size": 20, "bidirectional": True, "style": "keyword",
                  "describe": "sizes"},
                 seed_key="torch.nn.GRU(input_size=10, hidden_size=20, bidirectional=True)"),
    SeedQuestion("003 Q3", "shape.recurrent_output", "medium",
                 {"layer": "RNN", "input_size": 5, "hidden_size": 3, "batch_first": True, "bidirectional": True,
                  "num_layers": 1, "batch": 4, "seq_len": 7, "ask": "output"},
                 snippet=IMPORTS + "rnn = torch.nn.RNN(input_size=5, hidden_size=3, bidirectional=True, batch_first=True)\n"
                                   "input = torch.randn(4, 7, 5)\noutput, _ = rnn(input)\nprint(output.shape)\n",
                 seed_key="(4, 7, 6)"),
    SeedQuestion("003 Q4", "error.batch_first_default", "medium",
                 {"layer": "RNN", "input_size": 8, "hidden_size": 4, "bidirectional": True, "batch": 5, "seq_len": 10,
                  "ask": "output"},
                 snippet=IMPORTS + "rnn = torch.nn.RNN(input_size=8, hidden_size=4, bidirectional=True)\n"
                                   "input = torch.randn(5, 10, 8)\noutput, hidden = rnn(input)\nprint(output.shape)\n",
                 seed_key="It raises", seed_is_wrong=True),  # "Input tensor shape should have batch_first=True ..."
    # Q5's right option packs without enforce_sorted=False, which its own solution leaves out too; the hard stem gives the
    # lengths, and for lengths not in decreasing order that call raises (test_seed_003_q5_...).
    SeedQuestion("003 Q5", "concept.variable_length", "hard",
                 {"layer": "LSTM", "phrasing": "build", "lengths": [7, 12, 4]},
                 seed_key="Use pack_padded_sequence before the LSTM and pad_packed_sequence after, with "
                          "batch_first=True and bidirectional=True set.",
                 corrected_key="Use pack_padded_sequence with enforce_sorted=False (the lengths are not in decreasing "
                               "order) before the LSTM and pad_packed_sequence after, with batch_first=True and "
                               "bidirectional=True set.",
                 correction="pack_padded_sequence's default enforce_sorted=True raises RuntimeError for lengths that "
                            "are not in decreasing order"),
    # 004 (nn.LSTM, garbled).
    SeedQuestion("004 Q1", "concept.layer_purpose", "easy",
                 {"layer": "LSTM", "phrasing": "purpose", "answer_wording": "over_time", "foils": "tasks"},
                 seed_key="To process and remember information from sequences over time",
                 seed_options=("To reduce the dimensionality of data using PCA",
                               "To perform image classification using convolution",
                               "To generate random numbers for initialization")),
    SeedQuestion("004 Q2", "constructor.recurrent_sizes", "easy",
                 {"layer": "LSTM", "input_size": 10, "hidden_size": 20, "bidirectional": False, "style": "positional",
                  "describe": "sizes"},
                 seed_key="nn.LSTM(10, 20)"),
    SeedQuestion("004 Q3", "shape.recurrent_output", "medium",
                 {"layer": "LSTM", "input_size": 5, "hidden_size": 3, "batch_first": False, "bidirectional": False,
                  "num_layers": 1, "batch": 2, "seq_len": 4, "ask": "output"},
                 snippet=IMPORTS + "lstm = nn.LSTM(input_size=5, hidden_size=3, num_layers=1)\n"
                                   "inputs = torch.randn(4, 2, 5)  # seq_len=4, batch=2, input_size=5\n"
                                   "output, (hn, cn) = lstm(inputs)\nprint(output.shape)\n",
                 seed_key="(4, 2, 3)"),
    SeedQuestion("004 Q4", "error.constructor_errors", "easy",
                 {"case": "missing_hidden", "layer": "LSTM", "input_size": 10},
                 snippet="import torch.nn as nn\nlstm = nn.LSTM(10)\n",
                 seed_key="It raises TypeError"),  # "It misses the hidden_size argument, causing an error"
    SeedQuestion("004 Q5", "constructor.recurrent_sizes", "hard",
                 {"layer": "LSTM", "input_size": 8, "hidden_size": 12, "seq_len": 20, "bidirectional": False,
                  "style": "keyword", "describe": "data"},
                 seed_key="nn.LSTM(input_size=8, hidden_size=12)"),
]

SEED_003_Q5 = next(q for q in QUESTIONS if q.name == "003 Q5")

# The pages' metric questions: the 50/10/5/35 confusion matrix (000, 002, 003, 004) and the
# "98% accuracy, 12% recall on fraud: ready for production?" self-check (000, 002, 003, 004).
MATRIX = {"tp": 50, "fn": 10, "fp": 5, "tn": 35}
METRIC_QUESTIONS = [
    ("002 precision", "metrics.confusion_metric", "easy", {**MATRIX, "metric": "precision"}, "0.91"),
    ("002 recall", "metrics.confusion_metric", "easy", {**MATRIX, "metric": "recall"}, "0.83"),
    ("003 F1", "metrics.confusion_metric", "medium", {**MATRIX, "metric": "f1"}, "0.87"),
    ("004 accuracy", "metrics.confusion_metric", "medium", {**MATRIX, "metric": "accuracy"}, "0.85"),
]
# The pages ask these two as typed numbers: the template's numerical form.
TYPED = {"003 F1": "numerical", "004 accuracy": "numerical"}
# 50 fraud cases among 2300 sequences, 6 caught and 2 false alarms: 98.0% accuracy, 12% recall.
PARADOX = {"setting": "fraud", "positives": 50, "negatives": 2250, "recall_pct": 12, "false_alarms": 2, "required": 80}


def _job(index, template, difficulty, pins, kind=None):
    job = {"id": index, "template": template, "difficulty": difficulty, "seed": 0, "pins": pins}
    return {**job, "type": kind} if kind else job


@pytest.fixture(scope="module")
def regenerated():
    """Every seed question regenerated by its template with real torch: name -> record."""
    specs = [(q.name, q.template, q.difficulty, q.pins) for q in QUESTIONS]
    specs += [(name, template, level, pins) for name, template, level, pins, _ in METRIC_QUESTIONS]
    specs += [("paradox verdict", "metrics.accuracy_paradox_verdict", "easy", PARADOX),
              ("paradox truefalse", "metrics.accuracy_paradox", "easy", PARADOX)]
    jobs = [_job(i, template, level, pins, TYPED.get(name)) for i, (name, template, level, pins) in enumerate(specs)]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == [], "\n".join(f.message for f in result.failures)
    by_template_params = {(r["template"], r["type"], json.dumps(r["params"], sort_keys=True)): r for r in result.records}
    records = {}
    for name, template, level, pins in specs:
        matches = [r for (t, kind, _), r in by_template_params.items()
                   if t == template and kind == TYPED.get(name, kind) and r["difficulty"] == level
                   and all(r["params"].get(k) == v for k, v in pins.items())]
        assert matches, f"{name}: {template} did not regenerate"
        records[name] = matches[0]
    return records


@functools.lru_cache(maxsize=None)  # pages 000 and 001 share their snippets; a fresh torch import costs seconds
def run_fresh(snippet):
    """Run a seed's snippet in a fresh interpreter; the verdict in our key's words."""
    wrapper = ("import sys\nsource = sys.stdin.read()\ntry:\n    exec(compile(source, '<seed>', 'exec'), {'__name__': '__main__'})\n"
               "except Exception as exc:\n    print('RAISED', type(exc).__name__)\n")
    out = subprocess.run([sys.executable, "-c", wrapper], input=snippet, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
    if lines and lines[-1].startswith("RAISED "):
        return "It raises " + lines[-1].split()[1]
    return canonical_line(lines[-1]) if lines else ""


def _plain(text):
    return " ".join(text.replace("`", "").replace("torch.nn.", "nn.").split())


def _construct(call):
    """What a constructor call builds, in a fresh interpreter: (type, input_size, hidden_size, bidirectional)."""
    code = f"import torch.nn as nn\nlayer = {call}\nprint(type(layer).__name__, layer.input_size, layer.hidden_size, layer.bidirectional)\n"
    return run_fresh(code)


def test_the_seed_pages_are_there_and_list_their_questions():
    pages = sorted(p.name[:3] for p in SEEDS_DIR.glob("0*.txt"))
    assert pages == ["000", "001", "002", "003", "004"]
    assert {q.name.split()[0] for q in QUESTIONS} == set(pages)
    assert len(QUESTIONS) >= 25
    text = (SEEDS_DIR / "002_fe39779d2b38f580.txt").read_text()
    assert "Quick Check:\n\n    Input size first, hidden size second = D" in text  # the letter we call wrong


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.snippet], ids=lambda q: q.name)
def test_code_questions_have_the_key_torch_gives_for_the_seeds_own_snippet(regenerated, question):
    record = regenerated[question.name]
    torch_says = run_fresh(question.snippet)
    if record["answer_from"] == "exception" and not torch_says.startswith("It raises"):
        torch_says = f"It runs and prints {torch_says}"
    assert record["answer"]["text"] == torch_says
    if question.seed_is_wrong:
        assert not record["answer"]["text"].startswith(question.seed_key)
    else:
        assert record["answer"]["text"] == question.seed_key
    assert record["run"]["exception"] is None or record["answer"]["text"] == f"It raises {record['run']['exception']}"


def test_seed_003_q4_runs_and_prints_5_10_8_where_the_page_says_it_raises(regenerated):
    record = regenerated["003 Q4"]
    assert record["answer"]["text"] == "It runs and prints (5, 10, 8)"
    assert "nn.RNN(input_size=8, hidden_size=4, bidirectional=True)" in record["code"]
    assert "torch.randn(5, 10, 8)" in record["code"]
    # The page's own (wrong) verdict is one of the misconceptions this question offers as an option.
    template = load_templates()["error.batch_first_default"]
    assert "expects_layout_error" in template.distractors
    pictured = load_misconceptions()["expects_layout_error"].transform_params(
        record["params"], specs_for(template.params, template.difficulty["medium"]))
    assert run_fresh(render(template.code, pictured)) == "It raises RuntimeError"


def test_seed_002_two_d_input_is_accepted_by_torch(regenerated):
    record = regenerated["002 Q4 (2-D distractor)"]
    assert record["answer"]["text"] == "It runs and prints (5, 4)"
    wrong = {o["misconception"]: o["text"] for o in record["options"] if not o["correct"]}
    if "two_d_input_rejected" in wrong:
        assert wrong["two_d_input_rejected"].startswith("It raises")


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.template.startswith("concept.")], ids=lambda q: q.name)
def test_concept_questions_match_the_seeds_answer_stem_and_options(regenerated, question):
    record = regenerated[question.name]
    key = question.seed_key
    if question.corrected_key:  # a deliberate correction of the page: ours is the corrected option, not the page's
        assert question.correction and _plain(record["answer"]["text"]) != _plain(question.seed_key)
        key = question.corrected_key
    assert _plain(record["answer"]["text"]) == _plain(key)
    right = [o for o in record["options"] if o["correct"]]
    assert len(right) == 1 and _plain(right[0]["text"]) == _plain(key)
    if question.corrected_stem:  # a deliberate correction of the page's stem
        assert question.stem_correction and _plain(record["stem"]) != _plain(question.seed_stem)
        assert _plain(record["stem"]) == _plain(question.corrected_stem)
    elif question.seed_stem:
        assert _plain(record["stem"]) == _plain(question.seed_stem)
    if question.seed_options:
        assert {_plain(o["text"]) for o in record["options"] if not o["correct"]} == {_plain(t) for t in question.seed_options}
    assert all(o["misconception"] for o in record["options"] if not o["correct"])


def test_seed_003_q1_and_q5_wrong_options_are_the_pages_common_mistakes(regenerated):
    q1 = {o["misconception"] for o in regenerated["003 Q1"]["options"] if not o["correct"]}
    assert q1 == {"bidirectional_halves_parameters", "bidirectional_reads_backward_only",
                  "bidirectional_is_temporal_convolution"}
    q5 = {o["misconception"] for o in regenerated["003 Q5"]["options"] if not o["correct"]}
    assert q5 == {"padding_without_packing_is_harmless", "packing_needs_unidirectional", "reverse_manually_for_context"}


def test_seed_003_q5_packs_its_lengths_only_with_enforce_sorted_false(regenerated):
    record = regenerated["003 Q5"]
    lengths = record["params"]["lengths"]
    pack = (IMPORTS + "from torch.nn.utils.rnn import pack_padded_sequence\n"
            f"padded = torch.zeros({len(lengths)}, {max(lengths)}, 3)\n"
            f"packed = pack_padded_sequence(padded, {lengths}, batch_first=True{{}})\nprint(packed.data.shape)\n")
    # The page's option, as written, packs with the default enforce_sorted=True: torch refuses these lengths.
    assert run_fresh(pack.format("")) == "It raises RuntimeError"
    assert not run_fresh(pack.format(", enforce_sorted=False")).startswith("It raises")
    assert "enforce_sorted=False" in record["answer"]["text"] and "enforce_sorted=False" not in SEED_003_Q5.seed_key
    assert "enforce_sorted=False" in record["solution"][1]


def test_variable_length_names_enforce_sorted_exactly_where_the_stems_lengths_need_it():
    # Medium and hard stems list the lengths; the right option says enforce_sorted=False exactly where torch's default
    # packing of those lengths raises. Decided for every drawn variant by one fresh run over all their lengths.
    jobs = [_job(k, "concept.variable_length", level, pins) for k, (level, pins) in enumerate(
        [(level, {}) for level in ("medium", "hard") for _ in range(6)] + [("hard", {"lengths": [12, 7, 7, 4]})])]
    jobs = [{**job, "seed": job["id"]} for job in jobs]
    result = run_jobs(jobs, GenerationSettings(workers=2))
    assert result.failures == []
    records = result.records
    probe = ("import torch\nfrom torch.nn.utils.rnn import pack_padded_sequence\n"
             f"for lengths in {[r['params']['lengths'] for r in records]}:\n"
             "    try:\n        pack_padded_sequence(torch.zeros(len(lengths), max(lengths), 1), lengths, batch_first=True)\n"
             "        print('packs')\n    except RuntimeError:\n        print('raises')\n")
    verdicts = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert set(verdicts) == {"packs", "raises"}   # both cases were drawn
    for record, verdict in zip(records, verdicts):
        assert ("enforce_sorted=False" in record["answer"]["text"]) == (verdict == "raises"), record["params"]


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.template.startswith("constructor.")], ids=lambda q: q.name)
def test_constructor_keys_build_what_the_seeds_right_call_builds(regenerated, question):
    record = regenerated[question.name]
    assert _plain(record["answer"]["text"]) == _plain(question.seed_key)
    assert _construct(record["answer"]["text"]) == _construct(question.seed_key.replace("torch.nn.", "nn."))
    for wrong in question.seed_options:
        assert _construct(wrong) != _construct(record["answer"]["text"])


@pytest.mark.parametrize("question", [q for q in QUESTIONS if q.quick_check_text], ids=lambda q: q.name)
def test_seed_002_quick_check_letters_point_at_wrong_options_and_ours_does_not(regenerated, question):
    record = regenerated[question.name]
    assert _plain(record["answer"]["text"]) != _plain(question.quick_check_text)
    if question.template.startswith("constructor."):
        assert _construct(question.quick_check_text) != _construct(record["answer"]["text"])
    elif question.snippet:
        assert run_fresh(question.snippet) != question.quick_check_text


def _torch_metrics(tp, fn, fp, tn):
    code = f"""import torch
y_true = torch.tensor([1] * {tp + fn} + [0] * {fp + tn})
y_pred = torch.tensor([1] * {tp} + [0] * {fn} + [1] * {fp} + [0] * {tn})
tp = int(((y_pred == 1) & (y_true == 1)).sum()); fn = int(((y_pred == 0) & (y_true == 1)).sum())
fp = int(((y_pred == 1) & (y_true == 0)).sum())
p, r = tp / (tp + fp), tp / (tp + fn)
print({{"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "accuracy": (y_true == y_pred).float().mean().item()}})
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return eval(out)  # a printed dict of floats


@pytest.mark.parametrize("name,template,level,pins,seed_value", METRIC_QUESTIONS, ids=[m[0] for m in METRIC_QUESTIONS])
def test_confusion_matrix_questions_match_torch_and_the_page(regenerated, name, template, level, pins, seed_value):
    record = regenerated[name]
    assert record["type"] == TYPED.get(name, "multichoice")
    values = _torch_metrics(pins["tp"], pins["fn"], pins["fp"], pins["tn"])
    assert record["answer"]["text"] == f"{values[pins['metric']]:.2f}" == seed_value
    assert re.search(r"\b50\b", record["stem"]) and re.search(r"\b100\b", record["stem"])


def test_accuracy_paradox_question_is_not_ready_as_torch_counts_it(regenerated):
    code = ("import torch\ny_true = torch.tensor([1] * 50 + [0] * 2250)\n"
            "y_pred = torch.tensor([1] * 6 + [0] * 44 + [1] * 2 + [0] * 2248)\n"
            "acc = (y_true == y_pred).float().mean().item()\nrec = int(((y_pred == 1) & (y_true == 1)).sum()) / 50\n"
            "print(round(acc, 3), round(rec, 3))\n")
    accuracy, recall = map(float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                                 check=True).stdout.split())
    assert (accuracy, recall) == (0.98, 0.12)
    verdict = regenerated["paradox verdict"]
    assert "98.0% accuracy and 12% recall" in verdict["stem"]
    assert verdict["answer"]["text"].startswith("Not ready")
    assert regenerated["paradox truefalse"]["answer"]["text"] == "False"
