"""Torch workers: a hanging or crashing template fails only its own variant; absent devices are clear errors."""
import pytest

from torchquiz.generator.settings import GenerationSettings

from torchquiz.generator.api import generate_set
from torchquiz.generator.errors import DeviceUnavailable

from conftest import torchquiz
from test_templates import GOOD

HANG = GOOD.replace("id: shape.fixture", "id: shape.hang").replace(
    "  print({{ ask }}.shape)\n", "  while True: pass\n")
CRASH = GOOD.replace("id: shape.fixture", "id: shape.crash").replace(
    "  print({{ ask }}.shape)\n", "  import os; os._exit(3)\n")


def test_a_hanging_snippet_fails_only_its_variant(write_bank):
    root = write_bank({"shape/good.yaml": GOOD, "shape/hang.yaml": HANG})
    result = generate_set(GenerationSettings(bank_dirs=[root], include_builtin=False, workers=1, time_limit=1.0), count=2, seed=1)
    assert {r["template"] for r in result.records} == {"shape.fixture"}
    assert len(result.records) == 2
    assert len(result.failures) == 2
    failure = result.failures[0]
    assert failure.template == "shape.hang"
    assert "time limit" in failure.message
    assert f"torchquiz preview shape.hang --seed {failure.seed} --difficulty {failure.difficulty}" in failure.message


def test_a_crashing_snippet_fails_only_its_variant_and_the_worker_is_replaced(write_bank):
    root = write_bank({"shape/crash.yaml": CRASH, "shape/good.yaml": GOOD})
    result = generate_set(GenerationSettings(bank_dirs=[root], include_builtin=False, workers=2), count=2, seed=1)
    assert [r["template"] for r in result.records] == ["shape.fixture", "shape.fixture"]
    assert [f.template for f in result.failures] == ["shape.crash", "shape.crash"]
    assert "worker process died" in result.failures[0].message
    assert "reproduce: torchquiz preview shape.crash" in result.failures[0].message


def test_cli_reports_failures_and_keeps_the_rest(write_bank, tmp_path):
    root = write_bank({"shape/good.yaml": GOOD, "shape/hang.yaml": HANG})
    out = tmp_path / "set.jsonl"
    result = torchquiz("generate", "--bank", str(root), "--no-builtin", "--count", "1", "--time-limit", "1",
                       "-o", str(out))
    assert "failed: shape.hang (seed 0, easy)" in result.stderr
    assert "1 question ->" in result.stderr and "1 failed" in result.stderr
    assert len(out.read_text().splitlines()) == 1


def test_absent_cuda_is_a_clear_error_not_a_traceback(tmp_path):
    import importlib.util
    torch_spec = importlib.util.find_spec("torch")
    assert torch_spec is not None
    probe = torchquiz("preview", "shape.recurrent_output", "--device", "cuda", check=False)
    if probe.returncode == 0:
        pytest.skip("this machine has CUDA; the absent-device path can't be exercised here")
    assert probe.returncode == 1
    assert probe.stderr.startswith("Error: --device cuda: CUDA is not available")
    assert "Traceback" not in probe.stderr
    # chosen by the variable, the error says so (a review: it named an option nobody typed)
    from_env = torchquiz("preview", "shape.recurrent_output", env={"TORCHQUIZ_DEVICE": "cuda"}, check=False)
    assert from_env.stderr.startswith("Error: --device cuda (from TORCHQUIZ_DEVICE): CUDA is not available")
    with pytest.raises(DeviceUnavailable, match="CUDA is not available"):
        generate_set(GenerationSettings(device="cuda", workers=1), templates=["shape.recurrent_output"])


def test_unknown_device_name_is_a_clear_error():
    with pytest.raises(DeviceUnavailable, match="unknown device"):
        generate_set(GenerationSettings(device="tpu", workers=1), templates=["shape.recurrent_output"])


def test_device_from_environment_variable(tmp_path):
    result = torchquiz("generate", "--template", "shape.recurrent_output", "--count", "1", "-o",
                       str(tmp_path / "s.jsonl"), env={"TORCHQUIZ_DEVICE": "cpu"})
    assert "on cpu" in result.stderr
