"""The per-template report as one self-contained HTML page with plots an educator can scan.

Three plots per template, rendered once at export time by matplotlib as inline SVG: facility
by level, parameter effects with their 95% intervals, misconception shares. No scripts, no
fonts or images from the network (SVG text is kept as text, `svg.fonttype = none`), so the
page opens offline, prints, and can be mailed as one file. matplotlib is imported only here
and only when a page is written: the terminal commands never pay for it.
"""
import html
import io

from torchquiz.engine.moodle_stats import moodle_percent, quiz_information
from torchquiz.engine.store import StoreError
from torchquiz.engine.template_report import (blank_note, discrimination_text, effect_name, percent, signed,
                                               templates_shown)
from torchquiz.record.wording import shortened

_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
section{border-top:1px solid #ccc;padding:1em 0}.plots{display:flex;flex-wrap:wrap;gap:1em}
.plots figure{margin:0}figcaption{font-size:.85em;color:#555}table{border-collapse:collapse}
td,th{padding:.2em .6em;text-align:left}.fix{color:#a40}"""


class ReportPageError(StoreError):
    """The page cannot be written (matplotlib missing)."""


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ReportPageError("the HTML report needs matplotlib: pip install 'torchquiz[report]'") from None
    matplotlib.use("svg")  # no display, no GUI toolkit
    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "torchquiz"  # stable ids: the same data, the same page
    import matplotlib.pyplot as plt
    return plt


def _svg(plt, fig, label):
    """The figure as inline SVG, read out as one image whose name says what the plot shows, values
    included (`label`): a screen reader otherwise got only the axis ticks."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: inline SVG in HTML5
    return f'<svg role="img" aria-label="{html.escape(label)}"' + text[len("<svg"):]


def _signed(value):
    """template_report.signed (rounded once, half up) with a true minus sign for the page."""
    return signed(value).replace("-", "−")


def _facility_plot(plt, template):
    fig, ax = plt.subplots(figsize=(3.2, 2.2))
    levels = template["levels"]
    ax.bar([lv["level"] for lv in levels], [lv["facility"] for lv in levels], color="#4a7ab5")
    for i, lv in enumerate(levels):
        ax.text(i, lv["facility"] + 0.02, f"n={lv['answers']}", ha="center", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("facility")
    ax.set_title("facility by level", fontsize=9)
    return _svg(plt, fig, "Facility by level: " + "; ".join(
        f"{lv['level']} {percent(lv['facility'])} ({lv['answers']} answers)" for lv in levels) + ".")


def _effects_plot(plt, template):
    effects = template["effects"]["effects"][:8]
    if not effects:
        return ""
    fig, ax = plt.subplots(figsize=(4.2, 0.4 + 0.3 * len(effects)))
    names = [shortened(effect_name(e), 34)
             for e in effects][::-1]
    mids = [e["effect"] for e in effects][::-1]
    lows = [e["effect"] - e["low"] for e in effects][::-1]
    highs = [e["high"] - e["effect"] for e in effects][::-1]
    colours = ["#b54a4a" if e["clear"] else "#888" for e in effects][::-1]
    for y, (mid, low, high, colour) in enumerate(zip(mids, lows, highs, colours)):
        ax.errorbar([mid], [y], xerr=[[low], [high]], fmt="none", ecolor=colour, capsize=2)
    ax.scatter(mids, range(len(effects)), c=colours, s=12, zorder=3)
    ax.axvline(0, color="#333", lw=0.6)
    ax.set_yticks(range(len(effects)), names, fontsize=7)
    ax.set_xlabel("effect on difficulty (logits; + = harder)", fontsize=7)
    ax.set_title("parameter effects, 95% intervals", fontsize=9)
    return _svg(plt, fig, "Parameter effects on difficulty, in logits (+ = harder), with 95% intervals: " + "; ".join(
        f"{effect_name(e)} "
        f"{_signed(e['effect'])} ({_signed(e['low'])} to {_signed(e['high'])}{', clear' if e['clear'] else ''})"
        for e in effects) + ".")


def _misconception_plot(plt, template):
    shares = template["misconceptions"]
    if not shares:
        return ""
    fig, ax = plt.subplots(figsize=(3.6, 0.4 + 0.3 * len(shares)))
    ax.barh([shortened(m["id"], 32) for m in shares][::-1], [m["share"] for m in shares][::-1], color="#c08a2e")
    ax.set_xlim(0, 1)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_xlabel("share of wrong answers", fontsize=7)
    ax.set_title("misconceptions chosen", fontsize=9)
    return _svg(plt, fig, "Misconceptions chosen, as a share of wrong answers: " + "; ".join(
        f"{m['id']} {percent(m['share'])}" for m in shares) + ".")


def _moodle_section(table):
    """Moodle's statistics of one imported quiz, as the text report gives them: a row per slot, then per question."""
    head = ("item", "n", "facility", "SD", "discrimination index", "discriminative efficiency", "effective weight")
    rows = [f"<tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>"]
    for row in table["slots"] + table["questions"]:
        cells = [html.escape(str(row["item"])), "–" if row["s"] is None else f"{row['s']:.0f}"]
        cells += ["–" if row[f] is None else moodle_percent(round(row[f] * 100, 10)) for f in ("facility", "sd")]
        cells += ["–" if row[f] is None else moodle_percent(row[f])
                  for f in ("discriminationindex", "discriminativeefficiency", "effectiveweight")]
        rows.append(f"<tr>{''.join(f'<td>{c}</td>' for c in cells)}</tr>")
    return (f"<section><h2>Moodle's statistics: {html.escape(table['quiz'])}</h2><p>As Moodle's Results → "
            f"Statistics page gives them, worked out from the imported answers.</p>"
            f"<p>Quiz information: {html.escape(quiz_information(table['summary']))}.</p><table>{''.join(rows)}</table>"
            "</section>")


def report_page(data, title="torchquiz: how the templates perform"):
    """The HTML page (str) for `template_report(...)` data."""
    plt = _pyplot()
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>"
             f"<p>{data['answers']} answers{blank_note(data.get('blank'))} over {templates_shown(data)}. "
             "Facility is the mean mark "
             "(Moodle's partial credit where Moodle marked); discrimination is Moodle's index where a Moodle quiz "
             f"asked the questions (below {data['low_discrimination']:.0f} needs a look), else r, the correlation of "
             "the mark with the learners' ability; an effect's interval that crosses 0 means the "
             "data cannot tell.</p>"]
    for t in data["templates"]:
        eff = t["effects"]
        caveat = "" if eff["identified"] else f" Only {eff['variants']} variants were answered: effects are weakly identified."
        parts.append(f"<section id='{html.escape(t['template'])}'><h2>{html.escape(t['title'])} "
                     f"<small>({html.escape(t['template'])})</small></h2>"
                     f"<p>{t['answers']} answers, facility {percent(t['facility'])}.{html.escape(caveat)}</p>"
                     "<div class='plots'>")
        for caption, svg in (("Facility by level", _facility_plot(plt, t)),
                             ("Parameter effects", _effects_plot(plt, t)),
                             ("Misconceptions", _misconception_plot(plt, t))):
            if svg:
                parts.append(f"<figure>{svg}<figcaption>{caption}</figcaption></figure>")
        parts.append("</div><table><tr><th>level</th><th>questions</th><th>answers</th><th>facility</th>"
                     "<th>b</th><th>discrimination</th></tr>")
        for lv in t["levels"]:
            di = discrimination_text(lv)
            di = "–" if di == "-" else di
            parts.append(f"<tr><td>{lv['level']}</td><td>{lv['questions']}</td><td>{lv['answers']}</td>"
                         f"<td>{percent(lv['facility'])}</td><td>{signed(lv['b'])}</td><td>{di}</td></tr>")
        parts.append("</table>")
        if t["fix"]:
            parts.append("<ul>" + "".join(f"<li class='fix'>{html.escape(f['question'])}: {html.escape(f['detail'])}</li>"
                                          for f in t["fix"]) + "</ul>")
        parts.append("</section>")
    parts += [_moodle_section(table) for table in data.get("moodle", [])]
    parts.append("</body></html>")
    return "".join(parts)
