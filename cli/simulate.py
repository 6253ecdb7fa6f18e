"""`torchquiz simulate`: run adaptive-sim v1 or v2 through real quizzes and print the metrics."""
from __future__ import annotations

import json

import click

from torchquiz.cli.options import SEED, FiniteFloatRange, SuggestingChoice
from torchquiz.engine.worlds import WORLDS

# (key, heading, format) in the order of ../shared/adaptive-sim.md's table
ROWS = (
    ("rmse_5", "RMSE@5", "{:.3f}"),
    ("rmse_10", "RMSE@10", "{:.3f}"),
    ("rmse_15", "RMSE@15", "{:.3f}"),
    ("rmse_20", "RMSE@20", "{:.3f}"),
    ("bias_10", "bias@10", "{:+.3f}"),
    ("bias_15", "bias@15", "{:+.3f}"),
    ("success_rate", "success rate", "{:.3f}"),
    ("in_zone", "in-zone share", "{:.3f}"),
    ("max_exposure", "max exposure", "{:.3f}"),
    ("bank_used", "bank used", "{:.3f}"),
    ("topics_first10", "topics in first 10", "{:.2f}"),
    ("select_ms_p99", "next question p99 (ms)", "{:.2f}"),
    ("hard_by_5", "theta >= 1: hard item in first 5", "{:.3f}"),
    ("wall_seconds", "run time (s)", "{:.0f}"),
)


def format_table(result: dict) -> str:
    width = max(len(heading) for _, heading, _ in ROWS)
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  -----"]
    for key, heading, fmt in ROWS:
        value = result.get(key)
        lines.append(f"{heading:<{width}}  {'n/a' if value is None else fmt.format(value)}")
    return "\n".join(lines)


@click.command()
@click.option("--world", type=SuggestingChoice(WORLDS), default="v1", show_default=True,
              help="v1: 600 independent items; v2: 40 templates x 3 levels x 5 variants.")
@click.option("--cold-start", is_flag=True,
              help="Every learner meets a fresh store (nothing learnt is kept); use with --length 10.")
@click.option("--learners", type=click.IntRange(1, 2000), default=2000, show_default=True,
              help="Simulated learners, run one after another.")
@click.option("--length", type=click.IntRange(1, 600), default=20, show_default=True,
              help="Items per learner; RMSE is reported at 5, 10, 15 and 20 where reached.")
@click.option("--seed", type=SEED, default=20240607, show_default=True,
              help="Seed of the simulated world and of the selection's RNG.")
@click.option("--topic-rho", type=FiniteFloatRange(0.0, 1.0), default=None,
              help="Multi-topic variant: per-topic abilities correlated at this rho; "
                   "the target is the mean topic ability.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def simulate(world, cold_start, learners, length, seed, topic_rho, as_json):
    """Run the adaptive-sim benchmark (the protocol's worlds v1 and v2) through the quiz
    itself and print its metrics.

    Every simulated learner takes a real quiz session over a real SQLite store (in a
    temporary directory): the same selection, exposure cap, near variants and refit
    schedule as `torchquiz quiz`, answers graded from an option letter like a typed one.
    (The quiz runs a due refit in a background process; the simulation runs the same
    refit inline, so its figures are reproducible.)
    The engine sees only item ids, labels, topics and (v2) templates, and calibrates
    from earlier learners as it goes.

    \b
    Examples:
      torchquiz simulate
      torchquiz simulate --world v2 --learners 200 --length 15
      torchquiz simulate --world v2 --topic-rho 0.6 --json
      torchquiz simulate --world v1 --cold-start --length 10
    """
    from torchquiz.engine.simulate import METRIC_KEYS
    from torchquiz.engine.simulate import simulate as run

    result = run(world=world, learners=learners, length=length, seed=seed, topic_rho=topic_rho,
                 cold_start=cold_start)
    if as_json:
        out = {key: result[key] for key in METRIC_KEYS if key in result}
        out["wall_seconds"], out["rmse_by_k"] = result["wall_seconds"], result["rmse_by_k"]
        click.echo(json.dumps(out, sort_keys=False))
        return
    variant = "single topic" if topic_rho is None else f"multi-topic, rho={topic_rho:g}"
    regime = " · cold start" if cold_start else ""
    click.echo(f"adaptive-sim-{world} · {learners} learners · {length} items · seed {seed} · {variant}{regime}")
    click.echo(format_table(result))
