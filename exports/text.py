"""Record text to HTML: escaping, Markdown inline code and emphasis, Python code blocks.

Record text is plain text with Markdown inline code (`x`) and emphasis only, so every
character is escaped first and only then are the few Markdown marks turned into tags:
a stem containing `<script>` shows as text in every export.
"""
import functools
import re

from markupsafe import Markup, escape

_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
# Single * or _ emphasis must hug its text and not sit inside a word, so that
# `batch_first` and `2 * 3 * 4` stay as they are.
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")


def escape_html(text):
    """`text` with & < > " ' escaped, as a plain str."""
    return str(escape(text))


def _emphasis(escaped):
    escaped = _STRONG.sub(r"<strong>\1</strong>", escaped)
    escaped = _EM_STAR.sub(r"<em>\1</em>", escaped)
    return _EM_UNDERSCORE.sub(r"<em>\1</em>", escaped)


def inline_html(text):
    """Markdown-inline record text as HTML: escaped, with <code>, <em> and <strong>."""
    pieces, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_emphasis(escape_html(text[last:match.start()])))
        pieces.append(f"<code>{escape_html(match.group(1))}</code>")
        last = match.end()
    pieces.append(_emphasis(escape_html(text[last:])))
    return "".join(pieces)


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


@functools.lru_cache(maxsize=1)
def _python_lexer_and_formatter():
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return PythonLexer(stripnl=False, ensurenl=False), HtmlFormatter(nowrap=True)


def highlighted_code_block(code):
    """Python code highlighted by pygments at export time (CSS classes, see `highlight_css`)."""
    from pygments import highlight

    lexer, formatter = _python_lexer_and_formatter()
    body = highlight(code, lexer, formatter)
    return f'<pre class="highlight"><code class="language-python">{body}</code></pre>'


@functools.lru_cache(maxsize=1)
def highlight_css():
    """The stylesheet for `highlighted_code_block`, scoped to `.highlight`."""
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def cdata(text):
    """`text` wrapped in CDATA; a `]]>` inside is split across two sections.

    CDATA protects the XML only: HTML inside must already be escaped by the caller.
    """
    return Markup("<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>")
