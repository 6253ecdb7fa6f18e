"""One template, several question types: `types:` + `per_type:` blocks, validated per form, one job per type."""
import json

from torchquiz.generator.api import generate_set, load_templates, variant_jobs
from torchquiz.generator.question_types import RENAMED
from torchquiz.generator.settings import GenerationSettings
from torchquiz.generator.templates import load_bank, select_templates

from conftest import torchquiz
from test_templates import GOOD

TWO_TYPES = GOOD.replace("type: multichoice\n", "types: [multichoice, shortanswer]\n") + """\
per_type:
  shortanswer:
    stem: What does this print? Type the shape.
    params: {ask: h_n}
"""


def test_a_form_is_the_shared_fields_with_its_per_type_block_on_top(write_bank):
    templates, problems = load_bank([write_bank({"shape/fixture.yaml": TWO_TYPES})], include_builtin=False)
    assert problems == []
    template = templates["shape.fixture"]
    assert template.type == "multichoice" and template.types == ("multichoice", "shortanswer")
    typed = template.as_type("shortanswer")
    assert typed.type == "shortanswer" and typed.stem == "What does this print? Type the shape."
    assert typed.params["ask"] == "h_n" and template.params["ask"] == "output"
    assert list(typed.params) == list(template.params)  # an override keeps the declared order
    assert typed.code == template.code and typed.as_type("multichoice") is template


def test_per_type_problems_point_at_their_own_lines(write_bank):
    broken = TWO_TYPES.replace("types: [multichoice, shortanswer]", "types: [multichoice, shortanswr]") + """\
  numerical:
    round: 2
  multichoice:
    code: print(1)
    params: {depth: 3}
"""
    path = write_bank({"shape/fixture.yaml": broken}) / "shape" / "fixture.yaml"
    _, problems = load_bank([path.parent.parent], include_builtin=False)
    messages = [str(p) for p in problems]
    for expected in [f"{path}:5: types[1]='shortanswr': unknown type. Did you mean 'shortanswer'?",
                     f"{path}:25: per_type.shortanswer: not one of this template's types (multichoice, shortanswr)",
                     f"{path}:28: per_type.numerical: not one of this template's types (multichoice, shortanswr)",
                     f"{path}:31: per_type.multichoice.code: cannot differ between types "
                     "(allowed: title, stem, round, distractors, solution, hint, common_mistakes, feedback, params)",
                     f"{path}:32: per_type.multichoice.params.depth: a type may override a shared parameter, not add one"]:
        assert expected in messages, f"missing: {expected}\ngot:\n" + "\n".join(messages)


def test_a_form_is_checked_with_its_overrides_and_reported_once(write_bank):
    # The numerical form lacks `round`, and a jinja typo in the shared hint is one problem, not two.
    text = (TWO_TYPES.replace("shortanswer]", "numerical]").replace("  shortanswer:", "  numerical:")
            .replace("hint: Look at hidden_size.", "hint: Look at {{ hiden_size }}."))
    path = write_bank({"shape/fixture.yaml": text}) / "shape" / "fixture.yaml"
    _, problems = load_bank([path.parent.parent], include_builtin=False)
    messages = [str(p) for p in problems]
    assert f"{path}:5: round: a numerical question needs `round: <decimals>` for its tolerance" in messages
    assert sum("hiden_size" in m for m in messages) == 1
    both = text.replace("types: [multichoice, numerical]", "type: multichoice\ntypes: [multichoice, numerical]")
    _, problems = load_bank([write_bank({"shape/fixture.yaml": both})], include_builtin=False)
    assert any("give either `type` or `types`, not both" in str(p) for p in problems)


def test_jobs_cover_each_type_and_the_type_filter_keeps_one():
    templates = load_templates()
    merged = [templates["shape.recurrent_output"], templates["metrics.threshold"]]
    jobs = variant_jobs(merged, 2, seed=1)
    assert [(j["template"], j.get("type")) for j in jobs] == [
        ("shape.recurrent_output", "multichoice")] * 2 + [("shape.recurrent_output", "shortanswer")] * 2 + [
        ("metrics.threshold", None)] * 2
    typed = variant_jobs(merged, 2, seed=1, types=("shortanswer",))
    assert [j.get("type") for j in typed] == ["shortanswer", "shortanswer"]


def test_the_eight_merged_twins_make_both_types_and_old_ids_name_a_real_form():
    templates = load_templates()
    for old, (new, kind) in RENAMED.items():
        assert old not in templates and kind in templates[new].types, old
        assert templates[new].as_type(kind).type == kind
        assert [t.id for t in select_templates(templates, [old])] == [new]  # a stored old id still finds it


def test_one_seed_gives_each_type_its_own_question_with_a_distinct_content_hash():
    result = generate_set(GenerationSettings(workers=1), templates=["params.recurrent_count"], count=2, seed=4)
    assert result.failures == []
    by_type = {}
    for record in result.records:
        by_type.setdefault(record["type"], []).append(record)
    assert sorted(by_type) == ["multichoice", "numerical"]
    assert all(r["template"] == "params.recurrent_count" for r in result.records)
    assert len({r["id"] for r in result.records}) == 4
    numerical = by_type["numerical"][0]
    assert numerical["options"] == [] and numerical["answer"]["tolerance"] == 0.5
    assert numerical["misconception_answers"] and "Type the number" in numerical["stem"]


def test_generate_type_filter_and_preview_type(tmp_path):
    out = tmp_path / "typed.jsonl"
    torchquiz("generate", "--template", "metrics.regression_error", "--type", "numerical", "--count", "2",
              "--seed", "3", "--workers", "1", "-o", str(out))
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["type"] for r in records] == ["numerical", "numerical"]
    shown = torchquiz("preview", "metrics.regression_error", "--type", "numerical", "--seed", "3")
    assert "· numerical]" in shown.stdout.splitlines()[0]
    wrong = torchquiz("preview", "metrics.threshold", "--type", "numerical", check=False)
    assert wrong.returncode == 1 and "metrics.threshold makes multichoice questions, not numerical" in wrong.stderr
