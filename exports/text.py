"""Record text to HTML: escaping, Markdown inline code and emphasis, Python code blocks.

Record text is plain text with Markdown inline code (`x`) and emphasis only, so every
character is escaped first and only then are the few Markdown marks turned into tags:
a stem containing `<script>` shows as text in every export.
"""
import functools
import re

from markupsafe import Markup

from torchquiz.record.markdown import CODE_SPAN as _CODE_SPAN, EM_STAR as _EM_STAR
from torchquiz.record.markdown import EM_UNDERSCORE as _EM_UNDERSCORE, STRONG as _STRONG


def escape_html(text):
    """`text` with & < > " ' escaped, as a plain str (markupsafe's escaping, without a Markup object)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


# Every emphasis needs a `*`, or a `_` that opens it (not inside a word): text without
# either, such as `h_n has batch_first`, skips the three passes after one search.
_MAYBE_EMPHASIS = re.compile(r"\*|(?<![\w_])_")


def _emphasis(escaped):
    if "*" not in escaped and "_" not in escaped:  # most text: skip three regex passes
        return escaped
    if not _MAYBE_EMPHASIS.search(escaped):
        return escaped
    escaped = _STRONG.sub(r"<strong>\1</strong>", escaped)
    escaped = _EM_STAR.sub(r"<em>\1</em>", escaped)
    return _EM_UNDERSCORE.sub(r"<em>\1</em>", escaped)


@functools.lru_cache(maxsize=65536)  # a set repeats option texts and phrases: convert each once
def inline_html(text):
    """Markdown-inline record text as HTML: escaped, with <code>, <em> and <strong>.  A line break stays
    one (<br/>, the line's indentation as no-break spaces), as the terminal shows it: an option written
    as two lines of code would otherwise read as one line in every LMS and on the page."""
    if "\n" in text:
        return "<br/>".join(_indented(line) for line in text.split("\n"))
    if "`" not in text:
        return _emphasis(escape_html(text))
    pieces, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_emphasis(escape_html(text[last:match.start()])))
        pieces.append(f"<code>{escape_html(match.group(1))}</code>")
        last = match.end()
    pieces.append(_emphasis(escape_html(text[last:])))
    return "".join(pieces)


def _indented(line):
    stripped = line.lstrip(" ")
    return "&#160;" * (len(line) - len(stripped)) + inline_html(stripped)  # &#160;: valid in HTML and in XML


@functools.lru_cache(maxsize=65536)
def plain_text(text):
    """Record text without Markdown marks, for names and titles (not escaped)."""
    text = _CODE_SPAN.sub(r"\1", text)
    for pattern in (_STRONG, _EM_STAR, _EM_UNDERSCORE):
        text = pattern.sub(r"\1", text)
    return " ".join(text.split())


def code_block(code):
    """Python code as `<pre><code class="language-python">`, escaped, lines and indentation kept."""
    return f'<pre><code class="language-python">{escape_html(code)}</code></pre>'


def output_block(text):
    """Printed output or an error line, escaped, in a <pre> of its own."""
    return f'<pre class="output"><samp>{escape_html(text)}</samp></pre>'


def run_html(record):
    """What running the record's code printed or raised, as HTML ('' when there is nothing)."""
    run = record.get("run") or {}
    # A warning is part of what the code did (some keys are "It runs, with a UserWarning, ..."), so show it.
    warned = "".join("<p>Running it warns:</p>" + output_block(f"{w['category']}: {w['message']}")
                     for w in run.get("warnings") or [])
    if run.get("exception"):
        message = f": {run['message']}" if run.get("message") else ""
        return warned + "<p>Running it raises:</p>" + output_block(run["exception"] + message)
    if run.get("stdout", "").strip():
        return warned + "<p>Running it prints:</p>" + output_block(run["stdout"].rstrip("\n"))
    return warned


@functools.lru_cache(maxsize=1)
def _python_lexer_and_formatter():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(nowrap=True)


def _highlight(code):
    from pygments import highlight

    lexer, formatter = _python_lexer_and_formatter()
    return highlight(code, lexer, formatter)


_INTEGER = re.compile(r"(?<![\w.])\d+(?![\w.])")
_INTEGER_SPAN = '<span class="mi">1</span>'


@functools.lru_cache(maxsize=65536)
def _highlight_shape(line):
    return _highlight(line + "\n")


def clear_highlight_cache():
    """Forget highlighted lines and converted texts (benchmarks time cold runs, as one export command is)."""
    _highlight_shape.cache_clear()
    inline_html.cache_clear()
    plain_text.cache_clear()


def highlight_line(line):
    """One line of Python as pygments HTML.

    Variants of a template differ mostly in their integers (`nn.GRU(5, 3)`, `nn.GRU(7, 2)`),
    so the line is highlighted with every integer written as 1, once per shape of line, and
    the integers are put back into their spans. Lines with strings or comments, where a
    digit may not be a number token, are highlighted as they are.
    """
    if "#" in line or "'" in line or '"' in line:
        return _highlight_shape(line)
    numbers = _INTEGER.findall(line)
    if not numbers:
        return _highlight_shape(line)
    pieces = _highlight_shape(_INTEGER.sub("1", line)).split(_INTEGER_SPAN)
    if len(pieces) != len(numbers) + 1:  # pygments saw the line differently: do it plainly
        return _highlight_shape(line)
    out = [pieces[0]]
    for number, piece in zip(numbers, pieces[1:]):
        out.append(f'<span class="mi">{number}</span>{piece}')
    return "".join(out)


def highlight_python(code):
    """Python code as pygments HTML (spans with CSS classes, see `highlight_css`).

    Pygments lexes about 1 ms per snippet, too slow for 10,000 questions, but generated
    snippets share most of their lines (imports, calls, prints). So lines are highlighted
    one by one and remembered; for code without triple-quoted strings this gives the same
    spans as highlighting the whole snippet (tests/test_html.py checks that).
    """
    if '"""' in code or "'''" in code or "\\\n" in code:
        return _highlight(code)
    lines = (code[:-1] if code.endswith("\n") else code).split("\n")
    return "".join(highlight_line(line) for line in lines)


def highlighted_code_block(code):
    """Python code highlighted by pygments at export time, in `<pre><code class="language-python">`."""
    return f'<pre class="highlight"><code class="language-python">{highlight_python(code)}</code></pre>'


@functools.lru_cache(maxsize=1)
def highlight_css():
    """The stylesheet for `highlighted_code_block`, scoped to `.highlight`."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text):
    """`text` without the characters XML 1.0 forbids (a stray ESC from a terminal would make
    the whole file unparseable); escaping cannot save those, so they are dropped."""
    return _XML_INVALID.sub("", text)


def cdata(text):
    """`text` wrapped in CDATA; a `]]>` inside is split across two sections.

    CDATA protects the XML only: HTML inside must already be escaped by the caller.
    """
    return Markup("<![CDATA[" + xml_safe(str(text)).replace("]]>", "]]]]><![CDATA[>") + "]]>")
