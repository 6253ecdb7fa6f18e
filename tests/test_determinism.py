"""The same seed gives the same set whatever the number of workers, warnings included."""
from torchquiz.generator.api import generate_set
from torchquiz.generator.settings import GenerationSettings
from torchquiz.record.jsonl import jsonl_text


def test_a_set_with_warn_once_warnings_is_the_same_with_one_or_two_workers():
    # An LSTM with proj_size triggers a C++ warn-once warning on oneDNN builds: recorded only by the first snippet
    # of each worker process that hits it, unless the worker asks torch to warn every time.
    sets = [generate_set(GenerationSettings(workers=workers), templates=["shape.proj_size"], count=6, seed=2)
            for workers in (1, 2)]
    assert all(result.failures == [] for result in sets)
    assert jsonl_text(sets[0].records) == jsonl_text(sets[1].records)
