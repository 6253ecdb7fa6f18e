"""Generated sets: schema-valid, deterministic, and every key reproduced by re-running its snippet."""
import collections
import concurrent.futures
import json
import os
import random
import subprocess
import sys

import pytest

from torchquiz.record.answers import canonical_line, last_line, parse_number, tolerance_for

from conftest import ROOT, torchquiz

LEVELS = {"easy", "medium", "hard"}


def test_generated_set_is_schema_valid_and_covers_every_family_and_level(generated_set, validate_record):
    _, records = generated_set
    assert records
    for record in records:
        validate_record(record)
    from torchquiz.generator.templates import load_bank
    families = {t.family for t in load_bank()[0].values()}
    covered = collections.defaultdict(set)
    for record in records:
        covered[record["family"]].add(record["difficulty"])
    assert set(covered) == families
    assert all(levels == LEVELS for levels in covered.values()), dict(covered)


def test_every_option_set_is_well_formed(generated_set):
    _, records = generated_set
    for record in records:
        texts = [o["text"] for o in record["options"]]
        assert len(texts) == len(set(texts)), record["id"]
        correct = [o for o in record["options"] if o["correct"]]
        if record["type"] in ("multichoice", "truefalse"):
            assert len(correct) == 1, record["id"]
        if record["type"] == "multichoice":
            assert len(texts) >= 4, record["id"]
        for option in record["options"]:
            assert option["feedback"].strip()
            assert (option["misconception"] is None) == option["correct"], record["id"]
        assert record["run"] is None if record["code"] is None else record["run"] is not None


def _rerun(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    exception = None
    if done.returncode != 0:
        lines = [ln for ln in done.stderr.splitlines() if ln and not ln.startswith((" ", "Traceback"))]
        exception = lines[-1].split(":")[0].rsplit(".", 1)[-1] if lines else "?"
    return done.stdout, exception


def _check_reproduces(record):
    stdout, exception = _rerun(record["code"])
    assert exception == record["run"]["exception"], record["id"]
    assert stdout == record["run"]["stdout"], record["id"]
    if record["answer_from"] == "stdout":
        printed = canonical_line(last_line(stdout))
        keys = {record["answer"]["text"], *(o["text"] for o in record["options"] if o["correct"])}
        if parse_number(printed) is not None and parse_number(record["answer"]["text"]) is not None:
            # a rounded key: the printed number must round to it
            decimals = len(record["answer"]["text"].partition(".")[2])
            assert abs(parse_number(printed) - parse_number(record["answer"]["text"])) <= tolerance_for(decimals), record["id"]
        else:
            assert printed in keys, record["id"]


def _check_all(records):
    # Each snippet gets its own fresh interpreter; run a few side by side.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(_check_reproduces, records))


def test_a_sample_of_snippets_reproduces_in_a_fresh_interpreter(generated_set):
    _, records = generated_set
    with_code = [r for r in records if r["code"]]
    by_template = {}
    for record in with_code:
        by_template.setdefault(record["template"], record)
    sample = random.Random(0).sample(list(by_template.values()), min(8, len(by_template)))
    _check_all(sample)


@pytest.mark.slow
def test_every_snippet_reproduces_in_a_fresh_interpreter(generated_set):
    _, records = generated_set
    _check_all([r for r in records if r["code"]])


def test_same_seed_gives_a_byte_identical_file_whatever_the_worker_count(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    args = ["generate", "--template", "shape.recurrent_output", "--template", "metrics.confusion_metric",
            "--template", "constructor.recurrent_sizes", "--count", "6", "--seed", "11"]
    torchquiz(*args, "--workers", "1", "-o", str(one))
    torchquiz(*args, "--workers", "2", "-o", str(two))
    assert one.read_bytes() == two.read_bytes()
    other = tmp_path / "other.jsonl"
    torchquiz(*args[:-1], "12", "-o", str(other))
    assert other.read_bytes() != one.read_bytes()


def test_duplicate_variants_are_dropped_and_counted(tmp_path, write_bank):
    from test_templates import GOOD

    # a parameter space of two variants
    tiny = (GOOD.replace("{int: [2, 9]}", "{choice: [3, 4]}", 1).replace("{int: [2, 9], differs_from: input_size}", "7")
            .replace("{int: [2, 5]}", "2").replace("{int: [6, 9]}", "6"))
    root = write_bank({"shape/tiny.yaml": tiny})
    out = tmp_path / "dups.jsonl"
    result = torchquiz("generate", "--bank", str(root), "--no-builtin", "--count", "40", "-o", str(out))
    lines = out.read_text().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids))
    dropped = int(result.stderr.split("(")[1].split(" duplicates")[0])
    assert len(ids) == 2
    assert dropped == 38


def test_correct_position_is_roughly_uniform_over_a_set(tmp_path):
    out = tmp_path / "many.jsonl"
    torchquiz("generate", "--template", "shape.recurrent_output", "--template", "packing.pack_padded",
              "--template", "metrics.confusion_metric", "--count", "60", "--seed", "5", "--workers", "2", "-o", str(out))
    positions = collections.Counter()
    for line in out.read_text().splitlines():
        record = json.loads(line)
        if record["type"] == "multichoice":
            positions[[o["correct"] for o in record["options"]].index(True)] += 1
    total = sum(positions.values())
    assert total >= 100
    for position in range(4):
        assert 0.15 < positions[position] / total < 0.35, positions


def test_commands_that_do_not_generate_never_import_torch():
    code = ("import sys\nfrom click.testing import CliRunner\nfrom torchquiz.cli.main import main\n"
            "for args in (['--help'], ['bank', 'list'], ['bank', 'validate'], ['generate', '--help']):\n"
            "    result = CliRunner().invoke(main, args)\n"
            "    assert result.exit_code == 0, (args, result.output)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_preview_pins_parameters_to_reproduce_a_seed_question():
    result = torchquiz("preview", "shape.recurrent_output", "--difficulty", "easy", "--param", "layer=GRU",
                       "--param", "input_size=5", "--param", "hidden_size=3", "--param", "batch_first=true",
                       "--param", "batch=4", "--param", "seq_len=7", "--json")
    record = json.loads(result.stdout)
    assert "nn.GRU(input_size=5, hidden_size=3, batch_first=True)" in record["code"]
    assert "torch.randn(4, 7, 5)" in record["code"]
    stdout, _ = _rerun(record["code"])
    assert record["answer"]["text"] == canonical_line(last_line(stdout))


def test_preview_unknown_param_gets_did_you_mean():
    result = torchquiz("preview", "shape.recurrent_output", "--param", "hiden_size=3", check=False)
    assert result.returncode == 2
    assert "Did you mean 'hidden_size'?" in result.stderr


def test_generate_help_has_examples():
    result = torchquiz("generate", "--help")
    assert "Examples:" in result.stdout and "torchquiz generate --count 25 --seed 1" in result.stdout


def _wait_for_worker_cpu(pid, seconds, timeout=180):
    """Wait until the workers of process `pid` have used `seconds` of CPU between them: a wall-clock
    sleep is too short on a loaded machine, where importing torch alone can take longer."""
    import os
    import time

    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        used = 0.0
        try:
            children = open(f"/proc/{pid}/task/{pid}/children").read().split()
            for child in children:
                fields = open(f"/proc/{child}/stat").read().rpartition(")")[2].split()
                used += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
        if used >= seconds:
            return
        time.sleep(0.2)


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_ctrl_c_writes_the_finished_questions_and_exits_130(tmp_path, stop):
    """Ctrl-C, `kill` and a closed terminal all keep the finished part (sent to the whole process group,
    as a terminal or a scheduler does, so the workers get it too)."""
    import json as _json
    import signal

    out = tmp_path / "set.jsonl"
    out.write_text("the complete set of an earlier run\n")
    process = subprocess.Popen([sys.executable, "-m", "torchquiz.cli", "generate", "--count", "300", "-o", str(out),
                                "--force"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                               start_new_session=True)
    _wait_for_worker_cpu(process.pid, seconds=8.0)  # torch imported, questions being built, whatever the load
    os.killpg(process.pid, getattr(signal, stop))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted: wrote the" in stderr and "Traceback" not in stderr
    assert f"to {out}.partial; {out} is untouched" in stderr
    assert out.read_text() == "the complete set of an earlier run\n"   # a part never takes the set's name
    assert "\x1b[?25h" in stderr or "\x1b[?25l" not in stderr            # a hidden cursor is shown again
    lines = (tmp_path / "set.jsonl.partial").read_text().splitlines()
    assert lines and " -> " not in stderr  # a part, not the finished set
    assert all(_json.loads(line)["schema"] == "torchquiz/question@1" for line in lines)


def test_a_backends_notice_about_itself_is_not_part_of_the_run():
    """On CPU an LSTM with proj_size makes oneDNN warn that it cannot run it; on CUDA nothing is said. A record
    must read the same on every device, so the notice is left out while a warning the code itself causes stays."""
    from torchquiz.generator.snippets import run_snippet

    projected = run_snippet("import torch, warnings\nlstm = torch.nn.LSTM(4, 6, proj_size=3)\n"
                            "warnings.warn('oneDNN cannot do this', UserWarning)\n"
                            "print(lstm(torch.zeros(2, 1, 4))[0].shape)")
    assert projected.exception is None and projected.warnings == ()
    dropout = run_snippet("import torch\ntorch.nn.GRU(4, 6, dropout=0.5)")
    assert [category for category, _ in dropout.warnings] == ["UserWarning"]


def test_a_distinct_list_has_no_repeats_and_other_draws_are_unchanged():
    import random

    from torchquiz.generator.params import sample_params, spec_problems

    plain = {"lengths": {"list": {"int": [1, 3]}, "length": 3}}
    distinct = {"lengths": {**plain["lengths"], "distinct": True}}
    draws = [(sample_params(plain, random.Random(s))["lengths"], sample_params(distinct, random.Random(s))["lengths"])
             for s in range(200)]
    assert all(len(set(d)) == 3 for _, d in draws)
    # A draw that had no repeats comes out as before: the templates' other variants keep their questions.
    assert all(p == d for p, d in draws if len(set(p)) == 3) and any(len(set(p)) < 3 for p, _ in draws)
    assert spec_problems({**plain["lengths"], "distinct": "yes"}) == [("distinct", "must be true or false")]


def test_sorted_indices_never_ask_about_tied_lengths():
    from torchquiz.generator.api import run_jobs
    from torchquiz.generator.settings import GenerationSettings

    jobs = [{"id": k, "template": "packing.enforce_sorted", "difficulty": "hard", "seed": k} for k in range(12)]
    records = run_jobs(jobs, GenerationSettings(workers=1)).records
    assert len(records) >= 10
    assert all(len(set(r["params"]["lengths"])) == len(r["params"]["lengths"]) for r in records)


def test_a_failures_reproduce_command_keeps_the_runs_own_settings(write_bank, tmp_path):
    """A snippet that times out under --time-limit 0.5 only fails with that limit: the command says it."""
    from test_templates import GOOD

    slow = GOOD.replace("  import torch\n", "  import time\n  time.sleep(3)\n  import torch\n", 1)
    root = write_bank({"shape/slow.yaml": slow})
    out = subprocess.run([sys.executable, "-m", "torchquiz.cli", "generate", "--bank", str(root), "--no-builtin",
                          "--count", "1", "--difficulty", "easy", "--time-limit", "0.5", "-o", str(tmp_path / "s.jsonl")],
                         capture_output=True, text=True, cwd=ROOT)
    reproduce = [line for line in out.stderr.splitlines() if "reproduce:" in line]
    assert out.returncode == 1 and reproduce, out.stderr
    assert reproduce[0].endswith(f"--bank {root} --device cpu --time-limit 0.5 --no-builtin"), reproduce[0]


def test_a_layer_topic_makes_questions_about_that_layer_only():
    """`--topic lstm` pins the layer of a template that draws it (shape.recurrent_output draws RNN, GRU or
    LSTM) and leaves out a variant whose derived layer is another one (recurrent.constructor_arguments);
    a template chosen for another asked topic (packing) keeps drawing its layer."""
    from torchquiz.generator.api import generate_set, load_templates, variant_jobs

    templates = load_templates()
    drawing = [templates["shape.recurrent_output"]]
    jobs = variant_jobs(drawing, 6, seed=1, topics=("gru", "lstm"))
    assert jobs and {job["pins"]["layer"] for job in jobs} == {"GRU", "LSTM"}
    # in turn from the first two (they came in rounds of three levels: --count 2 made GRU only), and every
    # level meets every layer within one round of each
    assert {job["pins"]["layer"] for job in jobs[:2]} == {"GRU", "LSTM"}
    assert len({(job["difficulty"], job["pins"]["layer"]) for job in jobs}) == 6
    # a template whose parameter drawing the layer had another name (rnn) was not pinned at all
    for name in ("conv1d.after_recurrent", "embedding.recurrent_pipeline", "attention.recurrent_attention_pipeline"):
        assert {job["pins"]["layer"] for job in variant_jobs([templates[name]], 3, seed=1, topics=("gru",))} == {"GRU"}
    assert all("layer" not in job["pins"] for job in variant_jobs(drawing, 6, seed=1, topics=("lstm", "bidirectional")))
    assert all("layer" not in job["pins"] for job in variant_jobs([templates["packing.packed_hn"]], 3, seed=1,
                                                                  topics=("lstm", "packing")))
    result = generate_set(templates=["shape.recurrent_output", "recurrent.constructor_arguments"], topics=["lstm"],
                          count=6, seed=1)
    assert result.records and all("lstm" in record["topics"] for record in result.records)
    assert sum(r["template"] == "shape.recurrent_output" for r in result.records) + result.duplicates >= 6
    everything = generate_set(templates=["recurrent.constructor_arguments"], count=6, seed=1)
    other_layers = sum("lstm" not in record["topics"] for record in everything.records)
    assert other_layers and result.off_topic == other_layers  # the same seeds: those are the ones left out


def test_progress_is_drawn_before_the_workers_have_imported_torch():
    """The first progress call (0 of N) comes before any result, so the bar shows while torch loads
    (about 3 s, more on a busy machine) instead of a silent wait."""
    from torchquiz.generator.api import load_templates, run_jobs, variant_jobs

    jobs = variant_jobs([load_templates()["shape.unbatched"]], 2, seed=1)
    calls = []
    result = run_jobs(jobs, on_progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, len(jobs)) and calls[-1] == (len(jobs), len(jobs)) and len(result.records) == len(jobs)


def test_a_layer_no_level_draws_is_named_as_the_reason():
    result = torchquiz("generate", "--template", "params.recurrent_count", "--topic", "rnn", "--difficulty", "hard",
                       "-o", "-", check=False)
    assert result.returncode == 1 and "draw no rnn layer at hard level: params.recurrent_count" in result.stderr
