"""`torchquiz stats --by-template` and `--html`: the per-template report (engine.template_report)."""
import json
from pathlib import Path

import click

from torchquiz.cli.options import store_errors


def show_template_report(store, as_json, html_path):
    """Print the per-template report (text or JSON); with html_path also write the page with plots."""
    from torchquiz.engine.template_report import render_text, template_report

    with store_errors():
        data = template_report(store)
    if html_path:
        from torchquiz.engine.report_page import report_page

        with store_errors():
            page = report_page(data)
        Path(html_path).write_text(page, encoding="utf-8")
    if as_json:
        click.echo(json.dumps(data, indent=2))
    elif not data["templates"]:
        click.echo("No answers stored yet: nothing to report per template.")
    else:
        for line in render_text(data):
            click.echo(line)
    if html_path:
        click.echo(f"Wrote {html_path}", err=True)
