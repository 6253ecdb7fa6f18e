"""`torchquiz simulate`: run adaptive-sim-v1 against the engine and print its metrics."""
from __future__ import annotations

import json

import click

# (key, heading, format) in the order of ../shared/adaptive-sim.md's table
ROWS = (
    ("rmse_5", "RMSE@5", "{:.3f}"),
    ("rmse_10", "RMSE@10", "{:.3f}"),
    ("rmse_15", "RMSE@15", "{:.3f}"),
    ("rmse_20", "RMSE@20", "{:.3f}"),
    ("bias_15", "bias@15", "{:+.3f}"),
    ("success_rate", "success rate", "{:.3f}"),
    ("in_zone", "in-zone share", "{:.3f}"),
    ("max_exposure", "max exposure", "{:.3f}"),
    ("bank_used", "bank used", "{:.3f}"),
    ("topics_first10", "topics in first 10", "{:.2f}"),
    ("select_ms_p99", "selection p99 (ms)", "{:.2f}"),
)


def format_table(result: dict) -> str:
    width = max(len(heading) for _, heading, _ in ROWS)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  -----"]
    for key, heading, fmt in ROWS:
        value = result.get(key)
        lines.append(f"{heading:<{width}}  {'n/a' if value is None else fmt.format(value)}")
    return "\n".join(lines)


@click.command()
@click.option("--learners", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Simulated learners, run one after another.")
@click.option("--length", type=click.IntRange(1, 600), default=20, show_default=True,
              help="Items per learner; RMSE is reported at 5, 10, 15 and 20 where reached.")
@click.option("--seed", type=int, default=20240607, show_default=True,
              help="Seed of the simulated world and of the selection's RNG.")
@click.option("--topic-rho", type=click.FloatRange(0.0, 1.0), default=None,
              help="Multi-topic variant: per-topic abilities correlated at this rho; "
                   "the target is the mean topic ability.")
@click.option("--target", type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
              default=0.70, show_default=True, help="Predicted success the selection aims for.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def simulate(learners, length, seed, topic_rho, target, as_json):
    """Run the adaptive-sim-v1 benchmark against the engine's own selection
    and calibration code, in memory, and print its metrics.

    The engine sees only item ids, difficulty labels and topics; it calibrates
    difficulties from earlier learners as it goes (../shared/adaptive-sim.md).

    \b
    Examples:
      torchquiz simulate
      torchquiz simulate --learners 200 --length 15
      torchquiz simulate --topic-rho 0.6 --json
    """
    from torchquiz.engine.simulate import METRIC_KEYS
    from torchquiz.engine.simulate import simulate as run

    result = run(learners=learners, length=length, seed=seed, topic_rho=topic_rho, target=target)
    if as_json:
        out = {key: result[key] for key in METRIC_KEYS if key in result}
        out["rmse_by_k"] = result["rmse_by_k"]
        click.echo(json.dumps(out, sort_keys=False))
        return
    variant = "single topic" if topic_rho is None else f"multi-topic, rho={topic_rho:g}"
    click.echo(f"adaptive-sim-v1 · {learners} learners · {length} items · seed {seed} · {variant}")
    click.echo(format_table(result))
