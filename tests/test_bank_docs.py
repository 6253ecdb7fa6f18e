"""bank/README.md documents every double-entry rule and every misconception-only parameter, each with an example."""
import re

from torchquiz.generator.catalogue import load_misconceptions
from torchquiz.generator.rules import RULES
from torchquiz.generator.templates import load_bank

from conftest import ROOT

README = (ROOT / "bank" / "README.md").read_text(encoding="utf-8")


def _row(name):
    """The README table row that documents `name` (its first cell), or None."""
    return next((line for line in README.splitlines() if line.startswith(f"| `{name}` |")), None)


def misconception_only_parameters():
    """Parameters that no template samples at any level, that some template declares as a constant, and that a
    catalogued misconception changes: they exist only to state the code as written for misconceptions to change."""
    templates, _ = load_bank()
    changed = set()
    for misconception in load_misconceptions().values():
        changed |= set(misconception.set) | set(misconception.map)
    constant, sampled = set(), set()
    for template in templates.values():
        for form in (template.as_type(kind) for kind in template.types):
            for name, spec in form.params.items():
                (sampled if isinstance(spec, dict) else constant).add(name)
            for overrides in form.difficulty.values():
                sampled |= {name for name, spec in (overrides or {}).items() if isinstance(spec, dict)}
    return (constant & changed) - sampled


def test_every_rule_has_a_row_with_a_worked_example():
    missing = [name for name in RULES if _row(name) is None]
    assert missing == [], f"bank/README.md lacks a row for rule(s) {missing}"
    for name in RULES:
        cells = [c.strip() for c in _row(name).strip("|").split("|")]
        assert len(cells) == 3 and "→" in cells[2], f"rule {name}: the example column needs 'inputs → key'"


def test_every_misconception_only_parameter_has_a_row_with_a_misconception_that_sets_it():
    names = misconception_only_parameters()
    assert {"picture", "believed_error", "total_mode", "time_dim"} <= names  # the definition finds the known ones
    missing = sorted(name for name in names if _row(name) is None)
    assert missing == [], f"bank/README.md lacks a row for misconception-only parameter(s) {missing}"
    catalogue = load_misconceptions()
    for name in names:
        example = re.search(r"`(\w+)`: `set: \{" + name + r": ", _row(name))
        assert example and name in catalogue[example.group(1)].set, f"{name}: the example must be a real misconception"


def test_the_types_and_requires_keys_are_documented():
    for key in ("types:", "per_type:", "requires:"):
        assert key in README, key
