"""Writing your own templates: every mistake is a `file:line` problem before anything runs, and a
bank that validates makes the questions it says."""
import json

import pytest

from torchquiz.generator.api import GenerationSettings, load_selected
from torchquiz.generator.errors import TemplateError
from torchquiz.generator.templates import load_bank

from conftest import torchquiz
from test_templates import GOOD

CONCEPT = """\
id: my.packing_why
title: Why pack sequences
family: concept
topics: [packing, concept]
type: multichoice
stem: Why would you pack a padded batch before running an `nn.GRU` on it?
answer: curated
options:
  - text: So the layer skips the padded steps
    correct: true
  - text: Packing makes the batch smaller in memory
    misconception: packing_always_needs_sorting
  - text: Packing sorts the batch so longer sequences come first
    misconception: output_is_only_final_state
  - text: Packing is required; nn.GRU refuses padded tensors
    misconception: hn_is_initial_state
solution: ["Packed sequences tell the layer where each sequence ends."]
hint: Think about what happens at padded steps.
"""


def problems_of(write_bank, files, **kwargs):
    root = write_bank(files, **kwargs)
    return root, [str(p) for p in load_bank([root], include_builtin=False)[1]]


def test_a_value_of_the_wrong_kind_is_one_problem_at_its_line(write_bank):
    text = (GOOD.replace("topics: [rnn]", "topics: rnn")
            .replace('solution: ["It prints {{ key }}."]', 'solution: "It prints {{ key }}."')
            .replace("distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]", "distractors: swap_batch_seq")
            .replace("difficulty: {easy: {}, medium: {}, hard: {}}", "difficulty: {easy: bidirectional, hard: {}}"))
    root, problems = problems_of(write_bank, {"shape/kinds.yaml": text})
    path = root / "shape" / "kinds.yaml"
    assert f"{path}:4: topics='rnn': must be a list of texts" in problems
    assert f"{path}:12: difficulty.easy='bidirectional': must map parameter names to their values at this level" \
        in problems
    assert f"{path}:21: distractors='swap_batch_seq': must be a list of texts" in problems
    assert f"{path}:22: solution='It prints {{{{ key }}}}.': must be a list of texts" in problems
    assert len(problems) == 4, problems  # not one problem per letter


def test_curated_options_are_checked_key_by_key(write_bank):
    text = CONCEPT.replace("    correct: true", "    correct: \"no\"").replace(
        "    misconception: packing_always_needs_sorting", "    misconception: packing_always_needs_sorting\n    feedbak: x")
    root, problems = problems_of(write_bank, {"concept/why.yaml": text})
    path = root / "concept" / "why.yaml"
    assert f"{path}:10: options[0].correct='no': must be true or false" in problems
    assert any(p.startswith(f"{path}:13: options[1].feedbak: unknown key. Did you mean 'feedback'?") for p in problems)


def test_round_given_as_text_is_named_at_its_own_line(write_bank):
    text = GOOD.replace("type: multichoice", "type: numerical").replace("hint: Look", "round: \"2\"\nhint: Look")
    root, problems = problems_of(write_bank, {"shape/r.yaml": text})
    assert f"{root / 'shape' / 'r.yaml'}:23: round='2': must be a whole number" in problems


def test_a_template_without_params_loads(write_bank):
    root, problems = problems_of(write_bank, {"concept/why.yaml": CONCEPT})
    assert problems == []
    template = load_bank([root], include_builtin=False)[0]["my.packing_why"]
    assert template.params == {}
    # A curated question's right option is a sentence: "running it gives" would not fit it.
    assert "running it gives" not in template.feedback


def test_a_file_that_is_not_utf8_says_so_with_its_line(write_bank):
    root = write_bank({})
    (root / "metrics").mkdir()
    (root / "metrics" / "latin.yaml").write_bytes(GOOD.replace("title: Fixture", "title: Précision").encode("latin-1"))
    problems = [str(p) for p in load_bank([root], include_builtin=False)[1]]
    assert problems == [f"{root / 'metrics' / 'latin.yaml'}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_an_empty_file_is_a_problem_and_does_not_break_its_neighbours(write_bank):
    root = write_bank({"shape/empty.yaml": "", "shape/good.yaml": GOOD})
    templates, problems = load_bank([root], include_builtin=False)
    assert [str(p) for p in problems] == [f"{root / 'shape' / 'empty.yaml'}:1: a template is a YAML mapping of fields"]
    assert list(templates) == ["shape.fixture"]
    unchecked, _ = load_bank([root], include_builtin=False, validate=False)  # as a worker loads it
    assert list(unchecked) == ["shape.fixture"]


def test_yaml_files_the_bank_never_reads_are_noted_by_validate_only(write_bank):
    root, problems = problems_of(write_bank, {"shape/good.yaml": GOOD, "metrics/other.yml": GOOD, "top.yaml": GOOD,
                                              "extra/deeper/p.yaml": GOOD, ".github/ci.yml": "x: 1",
                                              "mkdocs.yml": "x: 1", "venv/lib/site/conf.yaml": "x: 1"})
    assert problems == []   # generate, list and verify go on: a bank folder may hold other YAML
    result = torchquiz("bank", "validate", str(root))
    notes = sorted(line for line in result.stderr.splitlines() if line.startswith("note: "))
    assert notes == [
        f"note: {root / 'extra' / 'deeper' / 'p.yaml'}: not read: templates go exactly one folder down "
        f"({root}/extra/p.yaml)",
        f"note: {root / 'metrics' / 'other.yml'}: not read: a template file ends in .yaml (other.yaml)",
        f"note: {root / 'top.yaml'}: not read: templates go one folder down ({root}/<folder>/top.yaml)"]


@pytest.mark.parametrize("feedback, name", [("{{ wrong }} ignores {{ lengths }}", "lengths"),
                                            ("{{ wrong }} pictures {{ their.layer }}", "their")])
def test_a_curated_options_misconception_feedback_must_find_its_names(write_bank, feedback, name):
    """A curated option shows its misconception's feedback with `wrong` alone: no parameter it lacks, no `their`."""
    catalogue = f"mine:\n  description: x\n  feedback: \"{feedback}\"\n  set: {{a: 1}}\n"
    text = CONCEPT.replace("misconception: packing_always_needs_sorting", "misconception: mine")
    root, problems = problems_of(write_bank, {"concept/why.yaml": text}, catalogue=catalogue)
    assert problems == [f"{root / 'concept' / 'why.yaml'}:12: options[1].misconception='mine': "
                        f"its feedback uses {name!r}, which this template does not define"]


def test_a_catalogue_feedback_with_a_jinja_error_is_caught(write_bank):
    catalogue = "mine:\n  description: x\n  feedback: \"{{ wrong }} {{ oops\"\n  set: {a: 1}\n"
    _, problems = problems_of(write_bank, {"shape/good.yaml": GOOD}, catalogue=catalogue)
    assert len(problems) == 1 and ":3: mine.feedback: jinja syntax error:" in problems[0]


def test_an_id_two_files_claim_is_refused_when_it_is_asked_for(write_bank):
    root = write_bank({"shape/good.yaml": GOOD, "shape/copy.yaml": GOOD,
                       "shape/builtin.yaml": GOOD.replace("id: shape.fixture", "id: shape.recurrent_output")})
    settings = GenerationSettings(bank_dirs=(root,))
    for asked in ("shape.fixture", "shape.recurrent_output"):
        with pytest.raises(TemplateError, match=f"duplicate template id.*{asked}|{asked}.*duplicate template id"):
            load_selected(settings, [asked])


def test_a_truefalse_template_whose_key_is_not_a_bool_fails_and_writes_nothing(write_bank, tmp_path):
    root = write_bank({"shape/tf.yaml": GOOD.replace("type: multichoice", "type: truefalse").replace(
        "print({{ ask }}.shape)", "print({{ hidden_size }} / 7)")})
    out = tmp_path / "set.jsonl"
    out.write_text("an earlier set\n")
    result = torchquiz("generate", "--bank", str(root), "--no-builtin", "--count", "1", "--difficulty", "easy",
                       "-o", str(out), "--force", check=False)
    assert result.returncode == 1
    assert "a truefalse question's key must be True or False" in result.stderr
    assert f"nothing written to {out}" in result.stderr
    assert out.read_text() == "an earlier set\n"


def test_strict_generate_writes_nothing_when_one_variant_fails(write_bank, tmp_path):
    broken = GOOD.replace("id: shape.fixture", "id: shape.raises").replace(
        "print({{ ask }}.shape)", "raise SystemExit(3)")
    root = write_bank({"shape/good.yaml": GOOD, "shape/raises.yaml": broken})
    out = tmp_path / "set.jsonl"
    args = ("generate", "--bank", str(root), "--no-builtin", "--count", "1", "--difficulty", "easy", "-o", str(out))
    lenient = torchquiz(*args, check=False)
    assert lenient.returncode == 0 and "failed: shape.raises" in lenient.stderr
    assert [json.loads(line)["template"] for line in out.read_text().splitlines()] == ["shape.fixture"]
    strict = torchquiz(*args, "--force", "--strict", check=False)
    assert strict.returncode == 1 and "(--strict): nothing written" in strict.stderr


def test_a_catalogue_entry_given_again_is_noted_and_the_catalogue_is_listed(write_bank):
    catalogue = ("swap_batch_seq:\n  description: mine\n  feedback: \"{{ wrong }} mine\"\n  swap: [batch, seq_len]\n"
                 "my_own:\n  description: Mine alone.\n  feedback: \"{{ wrong }}\"\n  set: {a: 1}\n")
    root = write_bank({"shape/good.yaml": GOOD}, catalogue=catalogue)
    result = torchquiz("bank", "validate", str(root))
    assert f"note: {root / 'misconceptions.yaml'}:1: swap_batch_seq: replaces the entry in " in result.stderr
    listed = torchquiz("bank", "misconceptions", "--bank", str(root)).stdout.splitlines()
    assert "my_own: Mine alone." in listed
    assert any(line.startswith("forget_bidirectional_doubling: ") and "[only where bidirectional=True]" in line
               for line in listed)


def test_options_keep_their_places_when_one_is_of_the_wrong_kind(write_bank):
    text = (CONCEPT.replace("    correct: true", "    correct: \"yes\"")
            .replace("misconception: hn_is_initial_state", "misconception: hn_is_initial_stat")
            + "version: 2\n")
    text = text.replace("options:\n", "options:\n  - just a string\n", 1)
    root, problems = problems_of(write_bank, {"concept/why.yaml": text})
    path = root / "concept" / "why.yaml"
    assert f"{path}:9: options[0]: needs text (and correct: true or a misconception)" in problems
    assert f"{path}:11: options[1].correct='yes': must be true or false" in problems
    assert any(p.startswith(f"{path}:16: options[4].misconception='hn_is_initial_stat'") for p in problems), problems
    assert not any("version" in p for p in problems)   # accepted and ignored, as bank/README.md says


@pytest.mark.parametrize("per_type", ["[shortanswer]", "{shortanswer: oops}"])
def test_a_per_type_block_of_the_wrong_kind_is_a_problem_not_a_crash(write_bank, per_type):
    text = GOOD.replace("type: multichoice", "types: [multichoice, shortanswer]") + f"per_type: {per_type}\n"
    root, problems = problems_of(write_bank, {"shape/pt.yaml": text})
    assert len(problems) == 1 and ": per_type" in problems[0] and "must " in problems[0], problems


def test_names_a_compute_snippet_states_are_checked_and_others_left_open(write_bank):
    from torchquiz.generator.validate import computed_names

    assert computed_names('result = {"tp": tp}\nresult["value"] = {{ x }}') == {"tp", "value"}
    assert computed_names('result = {**values, "ready": True}') is None      # known only by running it
    assert computed_names('result = {}\nresult.update(v)') is None
    for unknowable in ('result = {"{{ name }}": 1}', 'result = {"a": 1}\nfill(result)',
                       'result = {"a": 1}\nalias = result\nalias["b"] = 2', '{% for m in ms %}\nresult = {"a": 1}\n{% endfor %}'):
        assert computed_names(unknowable) is None, unknowable
    text = (GOOD.replace("answer: stdout", "answer: computed.value")
            .replace("stem: What does this print?", "stem: What is {{ valeu }}?")
            .replace("hint: Look at hidden_size.", "hint: Look at hidden_size.\nround: 2\n"
                     "compute: |\n  result = {\"value\": {{ input_size }} / 3}")
            .replace("type: multichoice", "type: numerical").replace("distractors: [swap_batch_seq, swap_input_hidden, "
                                                                     "confuse_hn_output]\n", ""))
    root, problems = problems_of(write_bank, {"shape/c.yaml": text})
    assert problems == [f"{root / 'shape' / 'c.yaml'}:19: stem: unknown name 'valeu'. Did you mean 'value'?"]


def test_a_catalogue_that_is_not_utf8_says_so_with_its_line_like_a_template(write_bank):
    root = write_bank({"shape/good.yaml": GOOD})
    (root / "misconceptions.yaml").write_bytes("mine:\n  description: Précis\n".encode("latin-1"))
    problems = [str(p) for p in load_bank([root], include_builtin=False)[1]]
    assert problems == [f"{root / 'misconceptions.yaml'}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"]


def test_validate_run_builds_one_variant_per_template_and_type_and_reports_failures(write_bank):
    """`bank validate --run` builds what `generate` would (seed 0, first level, each type) for the templates
    of PATH that pass the checks; a variant that fails is a problem of its file, at the snippet's line when
    it names one, with its reproduce command. Without --run nothing is built."""
    from test_certain_failures import TYPED

    two_types = GOOD.replace("id: shape.fixture", "id: my.two").replace(
        "type: multichoice", "types: [multichoice, shortanswer]")
    root = write_bank({"shape/two.yaml": two_types, "shape/typed.yaml": TYPED,
                       "shape/broken.yaml": GOOD.replace("id: shape.fixture", "id: my.broken").replace("rnn]", "rnn")})
    plain = torchquiz("bank", "validate", str(root), check=False)
    assert plain.returncode == 1 and "typed.yaml" not in plain.stderr  # a snippet's bug shows only when run
    ran = torchquiz("bank", "validate", str(root), "--run", "--workers", "1", check=False)
    assert ran.returncode == 1
    lines = ran.stderr.splitlines()
    typed = root / "shape" / "typed.yaml"
    assert f"{typed}:10: building a shortanswer variant (easy, seed 0) failed: code raised NameError: name 'vaules' " \
           "is not defined, in `print(len(vaules))`; no other draw changes that (a bug in the template, not a draw " \
           "to resample)" in lines
    assert f"  reproduce: torchquiz preview my.typed --seed 0 --difficulty easy --bank {root} --device cpu" in lines
    assert any(line.startswith(f"{root / 'shape' / 'broken.yaml'}:") for line in lines)  # the checks' own problem
    assert lines[-1] == "Error: 2 problem(s) found" and "two.yaml" not in ran.stderr
    good = torchquiz("bank", "validate", str(root / "shape" / "two.yaml"), "--run", "--workers", "1")
    assert good.stdout.strip() == "ok: no problems found; 2 variants built, one per template and type"
    again = torchquiz("bank", "validate", str(typed), "--run", "--bank", str(root), "--workers", "1", check=False)
    assert f"  reproduce: torchquiz preview my.typed --seed 0 --difficulty easy --bank {root} --device cpu" \
        in again.stderr.splitlines()  # the bank named once, not "--bank B --bank B"


def test_a_parameter_that_draws_the_layer_under_another_name_is_a_problem(write_bank):
    # Three built-in templates drew `rnn: {choice: [GRU, LSTM]}`: --topic lstm did not pin it, and every
    # question kept both lstm and gru as topics, so quiz --topic lstm showed GRU questions.
    text = CONCEPT.replace("answer: curated", "params:\n  cell: {choice: [GRU, LSTM]}\nanswer: curated")
    root, problems = problems_of(write_bank, {"concept/why.yaml": text})
    assert problems == [f"{root / 'concept' / 'why.yaml'}:8: params.cell: draws the recurrent layer: name it `layer`, "
                        "so that --topic lstm picks the layer and each question's first topic is the layer it drew"]
    root, problems = problems_of(write_bank, {"concept/why.yaml": text.replace("cell", "layer")})
    assert problems == []


def test_what_an_option_or_a_distractor_names_must_exist_in_the_template(write_bank):
    """A curated option kept to a level the template lacks (or a misspelt one), or to a parameter it lacks,
    silently never appeared; a distractor whose transform changes a parameter the template lacks gave no option,
    and the question shipped without it. Each is now a problem at its line."""
    text = CONCEPT.replace("answer: curated", "params:\n  layer: {choice: [GRU, LSTM]}\ndifficulty: {easy: {}, hard: {}}\n"
                           "answer: curated").replace(
        "    misconception: packing_always_needs_sorting", "    misconception: packing_always_needs_sorting\n"
        "    levels: [hrad]\n    when: {layr: GRU}")
    root, problems = problems_of(write_bank, {"concept/why.yaml": text})
    path = root / "concept" / "why.yaml"
    assert f"{path}:16: options[1].levels: 'hrad' is not a level of this template (easy, hard), so the option " \
           "would never appear. Did you mean 'hard'?" in problems, problems
    assert f"{path}:17: options[1].when: 'layr' is not a parameter, so the option would never appear. Did you mean " \
           "'layer'?" in problems, problems
    from test_templates import GOOD
    mapped = GOOD.replace("distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]",
                          "distractors: [swap_batch_seq, swap_input_hidden, f1_arithmetic_mean]")
    root, problems = problems_of(write_bank, {"shape/m.yaml": mapped})
    assert any("distractors[2]='f1_arithmetic_mean': it changes 'metric', which is not a parameter of this "
               "template, so it gives no option here" in p for p in problems), problems


def test_a_distractor_that_names_what_the_template_lacks_is_a_problem(write_bank):
    """A `when` on a parameter the template lacks never holds, and a swap of one gives nothing: either way the
    distractor silently does nothing. A `when` that accepts null is written for templates without the name."""
    catalogue = ("needs_bf:\n  description: d\n  feedback: \"{{ wrong }} d\"\n  when: {batch_first: true}\n"
                 "  set: {batch: 1}\n"
                 "absent_ok:\n  description: d\n  feedback: \"{{ wrong }} d\"\n  when: {nested: [false, null]}\n"
                 "  set: {batch: 1}\n"
                 "swaps_missing:\n  description: d\n  feedback: \"{{ wrong }} d\"\n  swap: [batch, num_heads]\n"
                 "swaps_a_list:\n  description: d\n  feedback: \"{{ wrong }} d\"\n  swap: [[batch], hidden_size]\n")
    text = GOOD.replace("distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]",
                        "distractors: [swap_batch_seq, needs_bf, absent_ok, swaps_missing]")
    root, problems = problems_of(write_bank, {"shape/scope.yaml": text}, catalogue=catalogue)
    path = root / "shape" / "scope.yaml"
    assert f"{path}:21: distractors[1]='needs_bf': its when tests 'batch_first', which is not a parameter of this " \
           "template, so it never applies here" in problems, problems
    assert f"{path}:21: distractors[3]='swaps_missing': it changes 'num_heads', which is not a parameter of this " \
           "template, so it gives no option here" in problems, problems
    assert not any("absent_ok" in p for p in problems), problems
    assert any("swaps_a_list.swap=[['batch'], 'hidden_size']: needs two parameter names" in p for p in problems), problems


def test_a_catalogue_problem_does_not_hide_the_templates_problems(write_bank):
    """Every problem at once: a broken catalogue entry is reported beside the templates' own problems, and a
    template naming that entry is not told the name is unknown."""
    catalogue = "mine_broken:\n  description: d\n  feedback: \"{{ wrong }} d\"\n"  # no transform
    text = (GOOD.replace("distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]",
                         "distractors: [swap_batch_seq, mine_broken, swap_input_hiden]"))
    root, problems = problems_of(write_bank, {"shape/both.yaml": text}, catalogue=catalogue)
    path = root / "shape" / "both.yaml"
    assert any(p.startswith(f"{root / 'misconceptions.yaml'}:1: mine_broken: needs a transform") for p in problems), problems
    assert any(p.startswith(f"{path}:21: distractors[2]='swap_input_hiden': unknown misconception") for p in problems), \
        problems
    assert not any("distractors[1]" in p for p in problems), problems
    single = torchquiz("bank", "validate", str(path), "--bank", str(root), check=False)
    assert "mine_broken: needs a transform" in single.stderr and "swap_input_hiden" in single.stderr, single.stderr
    assert load_bank([root], include_builtin=False)[0] == {}  # nothing is generated from a broken catalogue


def test_a_filter_that_cannot_apply_is_a_problem_at_its_line(write_bank):
    """`counted` without its noun, or a misspelt filter, failed only when a variant was rendered, without a line."""
    text = (GOOD.replace('solution: ["It prints {{ key }}."]',
                         'solution: ["It prints {{ key }} over {{ seq_len | counted }}.", "{{ batch | lenght }}"]'))
    catalogue = "mine:\n  description: d\n  feedback: \"{{ wrong }} has {{ batch | counted }}\"\n  set: {batch: 1}\n"
    root, problems = problems_of(write_bank, {"shape/filters.yaml": text}, catalogue=catalogue)
    path = root / "shape" / "filters.yaml"
    line = text.splitlines().index(next(t for t in text.splitlines() if t.startswith("solution:"))) + 1
    assert f'{path}:{line}: solution.0: counted needs its noun: {{{{ n | counted("step") }}}} gives "1 step" or ' \
           '"3 steps"' in problems, problems
    assert f"{path}:{line}: solution.1: unknown filter 'lenght'. Did you mean 'length'?" in problems, problems
    assert any(p.startswith(f"{root / 'misconceptions.yaml'}:3: mine.feedback: counted needs its noun") for p in problems), \
        problems
