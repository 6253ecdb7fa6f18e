"""`torchquiz stats --by-template` and `--html`: the per-template report (engine.template_report)."""
import json

import click

from torchquiz.cli.options import store_errors
from torchquiz.cli.output_files import check_output, is_stream, write_atomically


def show_template_report(store, as_json, html_path, *, min_attempts, flagged):
    """Print the per-template report (text or JSON); with html_path also write the page with plots."""
    from torchquiz.engine.item_stats import rounded
    from torchquiz.engine.template_report import render_text, template_report

    if html_path:
        check_output(html_path, force=True)  # a missing or read-only folder before the work, not after it
    with store_errors():
        data = template_report(store, min_attempts=min_attempts, flagged=flagged)
    # The report first: the page's plots take seconds (matplotlib), and the figures need not wait for them.
    aside = bool(html_path) and is_stream(html_path)  # --html /dev/stdout: the page alone goes there
    if as_json:
        click.echo(json.dumps(rounded(data), indent=2), err=aside)
    elif not data["templates"]:
        click.echo(f"No template has a level or a question whose label looks wrong (checked from {min_attempts} "
                   "answers on)."
                   if flagged and data["answers"] else "No answers stored yet: nothing to report per template.",
                   err=aside)
    else:
        for line in render_text(data):
            click.echo(line, err=aside)
    if html_path:
        from torchquiz.engine.report_page import report_page

        click.echo(f"Drawing the plots for {html_path}...", err=True)
        with store_errors():
            page = report_page(data)
        write_atomically(html_path, page)
        click.echo(f"Wrote {html_path}", err=True)
