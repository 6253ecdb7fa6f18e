"""cli/options.py: the option types every command shares, so that a bad value is a one-line usage error at
parse time (exit code 2, before any store, file or worker is touched), never a traceback later (review 23)."""
import json

import click
import pytest

from torchquiz.cli.options import SEED, EnvironmentOption, FiniteFloatRange, SuggestingChoice

from conftest import torchquiz
from test_cli import all_commands


def every_parameter():
    """(command path, parameter) for every parameter of every command."""
    return [(" ".join(path), param) for path, command in all_commands() for param in command.params]


def test_every_seed_choice_float_and_variable_option_uses_the_shared_definition():
    odd = [f"{path} {param.name}: {param.type!r}" for path, param in every_parameter()
           if (param.name == "seed" and param.type is not SEED)
           or (isinstance(param.type, click.Choice) and not isinstance(param.type, SuggestingChoice))
           or (isinstance(param.type, click.FloatRange) and not isinstance(param.type, FiniteFloatRange))
           or (getattr(param, "envvar", None) and not isinstance(param, EnvironmentOption))]
    assert not odd


def usage_error(*args, env=None):
    """The `Error:` line of a command that must fail at parse time."""
    result = torchquiz(*args, check=False, env=env)
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("seed", ["-1", str(2**63)])
@pytest.mark.parametrize("args", [
    ["generate", "--count", "1", "-o", "{tmp}/g.jsonl"],
    ["preview", "shape.unbatched"],
    ["bank", "build", "--count", "1", "--db", "{tmp}/s.db"],
    ["bank", "stats", "--seeds", "1"],
    ["export", "html", "{tmp}/s.jsonl", "-o", "{tmp}/s.html", "--shuffle"],
    ["quiz", "--learner", "zed", "--db", "{tmp}/s.db", "--no-generate"],
    ["simulate", "--learners", "1", "--length", "2"],
], ids=lambda args: " ".join(args[:2]) if isinstance(args, list) else None)
def test_a_seed_out_of_range_is_a_usage_error_everywhere(tmp_path, args, seed):
    (tmp_path / "s.jsonl").write_text("")
    args = [arg.format(tmp=tmp_path) for arg in args]
    assert usage_error(*args, "--seed", seed) == \
        f"Error: Invalid value for '--seed': {seed} is not in the range 0<=x<={2**63 - 1}."
    assert not any((tmp_path / name).exists() for name in ("g.jsonl", "s.db", "s.html"))


def test_a_seed_out_of_range_under_json_is_a_json_error():
    result = torchquiz("simulate", "--seed", "-1", "--learners", "1", "--length", "2", "--json", check=False)
    assert result.returncode == 2
    assert "'--seed': -1 is not in the range" in json.loads(result.stdout)["error"]


@pytest.mark.parametrize("limit", ["1e6", "inf", "nan"])
def test_time_limit_has_an_upper_bound_and_refuses_nan(limit):
    assert usage_error("preview", "shape.unbatched", "--time-limit", limit).startswith(
        "Error: Invalid value for '--time-limit': ")


def test_time_limit_help_says_its_bound():
    help_text = " ".join(torchquiz("generate", "--help").stdout.split())
    assert "Seconds per snippet run (at most a day). [default: 20.0; 0.1<=x<=86400]" in help_text


@pytest.mark.parametrize("args, option", [
    (["quiz", "--target", "nan", "--db", "{tmp}/q.db", "--no-generate"], "--target"),
    (["simulate", "--topic-rho", "nan", "--learners", "1", "--length", "2"], "--topic-rho"),
    (["export", "moodle", "{tmp}/s.jsonl", "-o", "{tmp}/q.xml", "--penalty", "nan"], "--penalty"),
    (["export", "moodle", "{tmp}/s.jsonl", "-o", "{tmp}/q.xml", "--max-size", "inf"], "--max-size"),
])
def test_a_float_option_refuses_nan_and_inf(tmp_path, args, option):
    (tmp_path / "s.jsonl").write_text("")
    number = args[args.index(option) + 1]
    assert usage_error(*[arg.format(tmp=tmp_path) for arg in args]) == \
        f"Error: Invalid value for '{option}': {number} is not a finite number."


@pytest.mark.parametrize("args, suggestion", [
    (["generate", "--type", "multichoise", "-o", "x.jsonl"], "'multichoice'"),
    (["preview", "shape.unbatched", "--difficulty", "medum"], "'medium'"),
    (["bank", "stats", "--difficulty", "hrd"], "'hard'"),
    (["bank", "build", "--type", "truefals"], "'truefalse'"),
    (["simulate", "--world", "V2"], "'v2'"),
])
def test_a_misspelt_choice_gets_a_suggestion(args, suggestion):
    assert usage_error(*args).endswith(f"Did you mean {suggestion}?")


@pytest.mark.parametrize("variable, value, args, option, message", [
    ("TORCHQUIZ_BANK", "nope", ["bank", "list"], "--bank", "Directory 'nope' does not exist."),
    ("TORCHQUIZ_DB", "{tmp}", ["report", "--learner", "ada"], "--db", "File '{tmp}' is a directory."),
    ("TORCHQUIZ_DEVICE", "cdua", ["preview", "shape.unbatched"], "--device", "unknown device 'cdua'"),
    ("TORCHQUIZ_LEARNER", "a\nb", ["quiz", "--db", "{tmp}/q.db"], "--learner", "holds a control character"),
])
def test_a_bad_value_from_a_variable_names_the_variable(tmp_path, variable, value, args, option, message):
    env = {variable: value.format(tmp=tmp_path)}
    error = usage_error(*[arg.format(tmp=tmp_path) for arg in args], env=env)
    assert error.startswith(f"Error: Invalid value for '{option}' (from {variable}): ")
    assert message.format(tmp=tmp_path) in error


def test_a_bad_value_typed_on_the_command_line_names_only_the_option(tmp_path):
    error = usage_error("bank", "list", "--bank", "nope", env={"TORCHQUIZ_BANK": str(tmp_path)})
    assert error == "Error: Invalid value for '--bank': Directory 'nope' does not exist."
