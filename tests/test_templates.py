"""Template loading and validation: every problem at once, each with file:line, field and value."""
from pathlib import Path

import pytest

from torchquiz.generator.errors import NothingSelected, UnknownTemplate
from torchquiz.generator.templates import load_bank, select_templates

from conftest import torchquiz

GOOD = """\
id: shape.fixture
title: Fixture
family: shape
topics: [rnn]
type: multichoice
params:
  input_size: {int: [2, 9]}
  hidden_size: {int: [2, 9], differs_from: input_size}
  batch: {int: [2, 5]}
  seq_len: {int: [6, 9]}
  ask: output
difficulty: {easy: {}, medium: {}, hard: {}}
code: |
  import torch
  import torch.nn as nn
  layer = nn.RNN({{ input_size }}, {{ hidden_size }})
  output, h_n = layer(torch.randn({{ seq_len }}, {{ batch }}, {{ input_size }}))
  print({{ ask }}.shape)
stem: What does this print?
answer: stdout
distractors: [swap_batch_seq, swap_input_hidden, confuse_hn_output]
solution: ["It prints {{ key }}."]
hint: Look at hidden_size.
"""

BROKEN = """\
id: shape.broken
title: Broken
family: shpe
topics: [rnn]
type: multichoice
params:
  layer: {choice: [RNN]}
  hidden_size: {choice: []}
  seq: {int: [5, 2]}
difficulty:
  easy: {layr: GRU}
code: |
  import torch
  print({{ hiden_size }})
stem: What?
answer: stdout
distractors: [swap_input_hiden]
solution: [x]
hint: y
tpoics: [a]
"""


def test_broken_template_reports_every_problem_with_file_and_line(write_bank):
    root = write_bank({"shape/broken.yaml": BROKEN})
    _, problems = load_bank([root], include_builtin=True)
    messages = [str(p) for p in problems]
    path = str(root / "shape" / "broken.yaml")
    expected = [
        f"{path}:3: family='shpe': unknown family. Did you mean 'shape'? A family is one of: concept, constructor, "
        "shape, error, packing, metrics, params, pipeline, equivalence.",
        f"{path}:8: params.hidden_size={{'choice': []}}: cannot sample from an empty list",
        f"{path}:9: params.seq={{'int': [5, 2]}}: empty range: low 5 > high 2",
        f"{path}:11: difficulty.easy.layr: not a parameter. Did you mean 'layer'?",
        f"{path}:14: code: unknown name 'hiden_size'. Did you mean 'hidden_size'?",
        f"{path}:17: distractors[0]='swap_input_hiden': unknown misconception. Did you mean 'swap_input_hidden'?",
        f"{path}:20: tpoics: unknown key. Did you mean 'topics'?",
    ]
    for line in expected:
        assert line in messages, f"missing: {line}\ngot:\n" + "\n".join(messages)


def test_yaml_syntax_error_carries_the_line(write_bank):
    root = write_bank({"shape/bad.yaml": GOOD.replace("hint: Look at hidden_size.", "hint: [unclosed\n")})
    _, problems = load_bank([root])
    assert len(problems) == 1
    assert str(problems[0]).startswith(str(root / "shape" / "bad.yaml") + ":")
    assert "invalid YAML" in str(problems[0])


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
@pytest.mark.parametrize("where, old, new, line, column", [
    ("a parameter", "  batch: {int: [2, 5]}", "\tbatch: {int: [2, 5]}", 9, 1),
    ("after spaces", "  batch: {int: [2, 5]}", "  \tbatch: {int: [2, 5]}", 9, 3),
    ("a code block", "  layer = nn.RNN(", "\tlayer = nn.RNN(", 16, 1),
])
def test_a_tab_in_the_indentation_is_named_at_its_line(write_bank, monkeypatch, loader, where, old, new, line, column):
    """YAML's own words for a tab ("found character '\\t' that cannot start any token"; libyaml's do not
    even name the tab) become a plain problem at the tab's line, with libyaml and pure-Python PyYAML alike."""
    import yaml

    from torchquiz.generator import yamlsource

    if not hasattr(yaml, loader):
        pytest.skip(f"PyYAML without {loader}")
    monkeypatch.setattr(yamlsource, "LOADER", getattr(yaml, loader))
    root = write_bank({"shape/tabs.yaml": GOOD.replace(old, new)})
    problems = [str(p) for p in load_bank([root], include_builtin=False)[1]]
    assert problems == [f"{root / 'shape' / 'tabs.yaml'}:{line}: a tab character in the indentation (column {column}): "
                        "YAML indents with spaces only, code blocks included; replace the tab with spaces"], where


def test_jinja_syntax_error_points_into_the_block(write_bank):
    root = write_bank({"shape/j.yaml": GOOD.replace("print({{ ask }}.shape)", "print({{ ask.shape )")})
    _, problems = load_bank([root])
    assert [p.line for p in problems] == [18]
    assert "jinja syntax error" in problems[0].message


def test_unknown_answer_source_and_missing_round(write_bank):
    text = GOOD.replace("answer: stdout", "answer: stdot").replace("type: multichoice", "type: numerical")
    root = write_bank({"shape/a.yaml": text})
    messages = [str(p) for p in load_bank([root])[1]]
    assert any("unknown answer source. Did you mean 'stdout'?" in m for m in messages)
    assert any("needs `round: <decimals>`" in m for m in messages)


def test_bad_misconception_catalogue_entries_are_reported(write_bank):
    catalogue = "mine:\n  description: x\n  feedbak: y\n  set: {a: 1}\n"
    root = write_bank({"shape/good.yaml": GOOD}, catalogue=catalogue)
    problems = [str(p) for p in load_bank([root])[1]]
    assert any(":3: mine.feedbak: unknown key. Did you mean 'feedback'?" in p for p in problems)
    assert any("mine.feedback: is required" in p for p in problems)


def test_a_good_fixture_bank_loads_beside_the_builtin_one(write_bank):
    root = write_bank({"shape/good.yaml": GOOD})
    templates, problems = load_bank([root])
    assert problems == []
    assert "shape.fixture" in templates and "shape.recurrent_output" in templates
    alone, _ = load_bank([root], include_builtin=False)
    assert list(alone) == ["shape.fixture"]


def test_unknown_template_and_family_get_did_you_mean():
    templates, _ = load_bank()
    with pytest.raises(UnknownTemplate, match="Did you mean 'shape.recurrent_output'"):
        select_templates(templates, ["shape.recurent_output"])
    with pytest.raises(UnknownTemplate, match="unknown family 'shpe'. Did you mean 'shape'"):
        select_templates(templates, (), ["shpe"])


def test_unknown_family_lists_the_valid_families(write_bank):
    """A family filter or a template's `family:` that is unknown names every valid one, not only the closest."""
    templates, _ = load_bank()
    families = sorted({t.family for t in templates.values()})
    with pytest.raises(UnknownTemplate) as raised:
        select_templates(templates, (), ["shpe"])
    assert str(raised.value) == f"unknown family 'shpe'. Did you mean 'shape'? A family is one of: {', '.join(families)}."
    with pytest.raises(UnknownTemplate) as raised:  # nothing close: the list alone
        select_templates(templates, (), ["zzz"])
    assert str(raised.value) == f"unknown family 'zzz'. A family is one of: {', '.join(families)}."
    root = write_bank({"shape/far.yaml": GOOD.replace("family: shape", "family: recurrent")})
    problems = [str(p) for p in load_bank([root], include_builtin=False)[1]]
    assert problems == [f"{root / 'shape' / 'far.yaml'}:3: family='recurrent': unknown family. A family is one of: "
                        "concept, constructor, shape, error, packing, metrics, params, pipeline, equivalence."]


def test_templates_selected_by_topic_and_a_family_that_is_a_topic_says_so():
    templates, _ = load_bank()
    chosen = select_templates(templates, topics=["attention"])
    assert chosen and all("attention" in t.topics for t in chosen)
    assert len(chosen) == sum("attention" in t.topics for t in templates.values())
    with pytest.raises(UnknownTemplate, match=r"unknown family 'attention'. It is a topic: use --topic attention."):
        select_templates(templates, (), ["attention"])
    with pytest.raises(UnknownTemplate, match=r"unknown topic 'shape'. It is a family: use --family shape."):
        select_templates(templates, topics=["shape"])
    with pytest.raises(UnknownTemplate, match=r"unknown topic 'atention'. Did you mean 'attention'"):
        select_templates(templates, topics=["atention"])


def test_builtin_bank_is_valid():
    templates, problems = load_bank()
    assert problems == [], "\n".join(map(str, problems))
    assert all(set(t.levels) == {"easy", "medium", "hard"} for t in templates.values())


def test_bank_validate_cli_reports_all_and_exits_1(write_bank):
    root = write_bank({"shape/broken.yaml": BROKEN, "shape/good.yaml": GOOD})
    result = torchquiz("bank", "validate", str(root), check=False)
    assert result.returncode == 1
    assert "7 problem(s) found" in result.stderr or result.stderr.count("broken.yaml:") >= 7
    assert "good.yaml" not in result.stderr
    single = torchquiz("bank", "validate", str(root / "shape" / "good.yaml"))
    assert "ok" in single.stdout


def test_bank_list_with_extra_bank_via_env(write_bank):
    root = write_bank({"shape/good.yaml": GOOD})
    result = torchquiz("bank", "list", "--json", env={"TORCHQUIZ_BANK": str(root)})
    assert '"id": "shape.fixture"' in result.stdout
    assert '"id": "shape.recurrent_output"' in result.stdout


def test_each_kind_of_filter_narrows_the_set_and_an_empty_one_says_why():
    templates, _ = load_bank()
    chosen = select_templates(templates, families=["shape"], topics=["lstm", "gru"])
    assert chosen and all(t.family == "shape" and {"lstm", "gru"} & set(t.topics) for t in chosen)
    assert len(chosen) < len(select_templates(templates, families=["shape"]))
    with pytest.raises(NothingSelected, match="no template matches --family metrics and --topic attention together"):
        select_templates(templates, families=["metrics"], topics=["attention"])


def test_bank_validate_takes_the_builtin_folder_and_a_catalogue_file(tmp_path):
    from torchquiz.generator.catalogue import CATALOGUE_FILE, bank_roots

    builtin = bank_roots()[0]
    assert "ok" in torchquiz("bank", "validate", str(builtin)).stdout          # not each file a duplicate of itself
    assert "ok" in torchquiz("bank", "validate", str(builtin / CATALOGUE_FILE)).stdout
    broken = tmp_path / CATALOGUE_FILE
    broken.write_text((builtin / CATALOGUE_FILE).read_text().replace("feedback:", "feedbak:", 1))
    result = torchquiz("bank", "validate", str(broken), check=False)
    assert result.returncode == 1 and "feedbak: unknown key. Did you mean 'feedback'?" in result.stderr
    assert "id: is required" not in result.stderr                               # read as a catalogue, not a template


def test_generate_says_when_its_filters_leave_nothing_and_writes_nothing(tmp_path):
    out = tmp_path / "set.jsonl"
    result = torchquiz("generate", "--template", "shape.unbatched", "--type", "truefalse", "-o", str(out), check=False)
    assert result.returncode == 1 and "make no truefalse questions: shape.unbatched makes" in result.stderr
    assert not out.exists()


def test_preview_shows_only_the_asked_templates_problems(write_bank):
    """`preview` of a broken template names its own problems, not the whole bank's; the others are one note
    with the command that lists them. A sound template still runs beside broken ones, with the same note."""
    root = write_bank({
        "shape/mine.yaml": GOOD.replace("id: shape.fixture", "id: my.mine").replace("hint: Look at hidden_size.",
                                                                                   "hint: Look at {{ hiden }}."),
        "shape/other.yaml": GOOD.replace("id: shape.fixture", "id: my.other").replace("family: shape", "family: shpe"),
        "shape/tabbed.yaml": GOOD.replace("id: shape.fixture", "id: my.tabbed").replace("  batch:", "\tbatch:"),
        "shape/good.yaml": GOOD.replace("id: shape.fixture", "id: my.good"),
    })
    note = (f"note: 2 other template files of the bank have problems; "
            f"`torchquiz bank validate --bank {root} --no-builtin` lists them")
    mine = torchquiz("preview", "my.mine", "--bank", str(root), "--no-builtin", check=False)
    assert mine.returncode == 1
    assert mine.stderr.splitlines() == [note, f"Error: {root / 'shape' / 'mine.yaml'}:23: hint: unknown name 'hiden'. "
                                              "Did you mean 'hidden_size'?"]
    tabbed = torchquiz("preview", "my.tabbed", "--bank", str(root), "--no-builtin", check=False)  # YAML that
    assert tabbed.returncode == 1                                                               # does not parse
    assert tabbed.stderr.splitlines()[1].startswith(f"Error: {root / 'shape' / 'tabbed.yaml'}:9: a tab character")
    assert len(tabbed.stderr.splitlines()) == 2 and "mine.yaml" not in tabbed.stderr
    good = torchquiz("preview", "my.good", "--bank", str(root), "--no-builtin", "--workers", "1", check=False)
    assert good.returncode == 0 and "my.good" in good.stdout
    assert good.stderr.splitlines() == [note.replace("2 other template files of the bank have",
                                                     "3 other template files of the bank have")]
    typo = torchquiz("preview", "my.mien", "--bank", str(root), "--no-builtin", check=False)
    assert typo.stderr.splitlines()[-1] == "Error: unknown template 'my.mien'. Did you mean 'my.mine'?"


def test_generate_of_a_broken_template_names_its_own_problems_only(write_bank):
    """`generate --template ID` of a broken template lists that file's problems, not every broken file's
    (as `preview` does); an id nobody declares is 'unknown' with a did-you-mean."""
    root = write_bank({
        "shape/mine.yaml": GOOD.replace("id: shape.fixture", "id: my.mine").replace("hint: Look at hidden_size.",
                                                                                   "hint: Look at {{ hiden }}."),
        "shape/other.yaml": GOOD.replace("id: shape.fixture", "id: my.other").replace("family: shape", "family: shpe"),
        "shape/good.yaml": GOOD.replace("id: shape.fixture", "id: my.good"),
    })
    mine = torchquiz("generate", "--template", "my.mine", "--bank", str(root), "--no-builtin", "-o", "-", check=False)
    assert mine.returncode == 1 and "mine.yaml:23: hint: unknown name 'hiden'" in mine.stderr
    assert "other.yaml" not in mine.stderr
    typo = torchquiz("generate", "--template", "my.mien", "--bank", str(root), "--no-builtin", "-o", "-", check=False)
    assert typo.returncode != 0 and "Did you mean 'my.mine'?" in typo.stderr and "other.yaml" not in typo.stderr


def test_a_broken_template_fails_the_family_it_declares_whatever_its_folder(write_bank):
    """A review's author kept templates in a folder named `mine` (the family is the file's, not the folder's):
    `generate --family shape` left the broken shape template out with exit 0 and no word. A broken file fails
    the family it declares, and any family when it declares none readably; other families still run."""
    from torchquiz.generator.api import load_selected
    from torchquiz.generator.errors import TemplateError
    from torchquiz.generator.settings import GenerationSettings

    good = GOOD.replace("id: shape.fixture", "id: my.good")
    root = write_bank({"mine/good.yaml": good,
                       "mine/typo.yaml": good.replace("id: my.good", "id: my.typo").replace("{{ ask }}", "{{ asks }}"),
                       "other/metric.yaml": "id: my.metric\nfamily: metrics\nparams:\n  a: {int: [1, 3]\n"})
    settings = GenerationSettings(bank_dirs=(root,), include_builtin=False, workers=1)
    with pytest.raises(TemplateError) as raised:
        load_selected(settings, families=("shape",))
    assert {Path(p.path).name for p in raised.value.problems} == {"typo.yaml"}  # not the metrics file's
    (root / "other" / "metric.yaml").write_text("id: my.metric\nparams:\n  a: {int: [1, 3]\n")  # no family given
    with pytest.raises(TemplateError) as raised:
        load_selected(settings, families=("shape",))
    assert {Path(p.path).name for p in raised.value.problems} == {"typo.yaml", "metric.yaml"}
    (root / "mine" / "typo.yaml").unlink()
    (root / "other" / "metric.yaml").write_text("id: my.metric\nfamily: metrics\nparams:\n  a: {int: [1, 3]\n")
    assert [t.id for t in load_selected(settings, families=("shape",))] == ["my.good"]
    # what the selection left out is said, with the command that lists it
    made = torchquiz("generate", "--bank", str(root), "--no-builtin", "--family", "shape", "--count", "1",
                     "--workers", "1", "-o", "-")
    assert f"note: 1 other template file of the bank has problems; `torchquiz bank validate --bank {root} " \
           "--no-builtin` lists them" in made.stderr.splitlines()


def test_a_bank_without_a_template_file_is_an_error_that_names_the_unread_files(write_bank, tmp_path):
    """generate wrote an empty set with exit 0 (with --strict too), bank build said 'every variant failed' and
    bank validate 'ok' for an empty bank, or one whose only template ends in .yml or sits at the top."""
    root = write_bank({"mine/lstm.yml": GOOD, "top.yaml": GOOD})
    output = tmp_path / "set.jsonl"
    made = torchquiz("generate", "--bank", str(root), "--no-builtin", "--strict", "-o", str(output), check=False)
    assert made.returncode == 1 and not output.exists()
    assert f"Error: no template files in {root} (the built-in bank left out by --no-builtin)" in made.stderr
    assert f"{root / 'mine' / 'lstm.yml'}: not read: a template file ends in .yaml (lstm.yaml)" in made.stderr
    built = torchquiz("bank", "build", "--bank", str(root), "--no-builtin", "--db", str(tmp_path / "b.db"), check=False)
    assert built.returncode == 1 and "no template files" in built.stderr and "every variant failed" not in built.stderr
    for folder in (root, root / "mine"):  # the bank, and its template folder given instead of the bank
        checked = torchquiz("bank", "validate", str(folder), check=False)
        assert checked.returncode == 1 and checked.stderr.splitlines()[-1] == (
            f"Error: no template files in {folder}: a template is a .yaml file one folder down, "
            "BANK/FOLDER/NAME.yaml; nothing was checked") and "ok" not in checked.stdout
    (root / "mine" / "lstm.yml").rename(root / "mine" / "lstm.yaml")
    assert torchquiz("bank", "validate", str(root)).stdout.strip() == "ok: no problems found"


def test_a_key_given_twice_is_a_problem_at_its_second_line(write_bank):
    """YAML keeps the later of two equal keys without a word: a pasted second `layer:` made a template draw only
    LSTMs and a second `hint:` replaced the first, and a misconception defined twice kept its second text; `bank
    validate` said ok to all three."""
    text = GOOD.replace("  ask: output\n", "  ask: output\n  batch: {int: [7, 8]}\n") + "hint: again\n"
    catalogue = "my_miss:\n  description: First.\n  feedback: f\nmy_miss:\n  description: Second.\n  feedback: f\n"
    root = write_bank({"shape/twice.yaml": text}, catalogue=catalogue)
    checked = torchquiz("bank", "validate", str(root), check=False)
    assert checked.returncode == 1
    lines = text.splitlines()
    batch, hint = lines.index("  batch: {int: [7, 8]}") + 1, lines.index("hint: again") + 1
    first_batch, first_hint = lines.index("  batch: {int: [2, 5]}") + 1, lines.index("hint: Look at hidden_size.") + 1
    catalogue_file = root / "misconceptions.yaml"
    assert f"{catalogue_file}:4: my_miss: duplicate key (first on line 1)" in checked.stderr.splitlines()
    (root / "misconceptions.yaml").unlink()
    checked = torchquiz("bank", "validate", str(root), check=False).stderr.splitlines()
    template = root / "shape" / "twice.yaml"
    assert f"{template}:{batch}: params.batch: duplicate key (first on line {first_batch})" in checked
    assert f"{template}:{hint}: hint: duplicate key (first on line {first_hint})" in checked
