"""Rich renderables for the terminal quiz: record text, folded code, copyable commands.

Colours are the terminal's own 16 ANSI colours, never 256-colour or RGB values: the
terminal's palette is chosen to be readable on its own background, dark or light. Blue
(unreadable on black) and yellow (unreadable on white) are not used at all; emphasis is
bold, magenta, cyan, green and red, which every common palette shows on either background.
"""

from rich.style import Style
from rich.text import Text

from torchquiz.record.markdown import CODE_SPAN, EM_STAR, EM_UNDERSCORE, STRONG
from torchquiz.record.validate import printable

INLINE_CODE = Style(color="magenta", bold=True)
# Markdown emphasis outside code spans, the exports' <strong> and <em>: the marks are dropped.
EMPHASIS = ((STRONG, Style(bold=True)), (EM_STAR, Style(italic=True)), (EM_UNDERSCORE, Style(italic=True)))
CODE_INDENT = 4
FOLD_MARKER = "↪ "  # starts the continuation of a code line folded at the terminal's width


def record_text(text, color):
    """Stem, option, feedback or step text: Markdown inline code and emphasis styled in colour,
    verbatim otherwise.

    Rich wraps a Text at spaces only, so a word or an identifier is never split across lines
    (unless one alone is wider than the terminal, when it is folded rather than cut off). A control
    character (a terminal escape code in a store filled before records were checked for them) shows as U+FFFD.
    """
    text = printable(text)
    if not color:
        return Text(text, overflow="fold")
    out = Text(overflow="fold")
    last = 0
    for match in CODE_SPAN.finditer(text):
        _append_emphasised(out, text[last:match.start()])
        out.append(match.group(1), style=INLINE_CODE)
        last = match.end()
    _append_emphasised(out, text[last:])
    return out


def _append_emphasised(out, text):
    """Append text with its **strong**, *em* and _em_ spans styled, the leftmost (and longest) first."""
    pos = 0
    while True:
        found = [(m.start(), -len(m.group(0)), k, m) for k, (pattern, _style) in enumerate(EMPHASIS)
                 if (m := pattern.search(text, pos))]
        if not found:
            break
        _start, _length, k, match = min(found, key=lambda f: f[:3])
        out.append(text[pos:match.start()])
        out.append(match.group(1), style=EMPHASIS[k][1])
        pos = match.end()
    out.append(text[pos:])


def _syntax_theme():
    from pygments import token as t
    from rich.syntax import ANSISyntaxTheme

    return ANSISyntaxTheme({
        t.Token: Style(),
        t.Comment: Style(italic=True),
        t.Keyword: Style(color="magenta", bold=True),
        t.Keyword.Namespace: Style(color="magenta", bold=True),
        t.Name.Builtin: Style(color="cyan"),
        t.Name.Function: Style(bold=True),
        t.Name.Class: Style(bold=True),
        t.String: Style(color="green"),
        t.Number: Style(color="cyan"),
        t.Operator.Word: Style(color="magenta", bold=True),
    })


def _highlighted_lines(code, color):
    code = code.rstrip("\n")
    if not color:
        return [Text(line) for line in code.split("\n")]
    from rich.syntax import Syntax  # pygments' lexer: loaded only once a question shows code

    text = Syntax(code, "python", theme=_syntax_theme()).highlight(code)
    text.rstrip()
    return text.split("\n", allow_blank=True)


def fold_points(line, width):
    """Offsets where `line` is folded to fit `width` columns: always at the start of a token
    (after a space), so no identifier or number is ever cut. The continuation rows carry the
    line's indentation plus FOLD_MARKER. A single token wider than a row is cut as a last resort."""
    indent = len(line) - len(line.lstrip(" "))
    points, start, room = [], 0, width
    while len(line) - start > room:
        end = start + room
        cut = line.rfind(" ", start + 1, end + 1)
        while cut > start and line[cut - 1] == " ":
            cut -= 1  # break before a run of spaces, not inside it
        if cut <= start:
            cut = end  # one token wider than the row
        else:
            cut = len(line) - len(line[cut:].lstrip(" "))  # next row starts at the next token
        points.append(cut)
        start = cut
        room = max(width - indent - len(FOLD_MARKER), 8)
    return points, indent


def code_block(code, width, color):
    """The snippet as Text, indented by CODE_INDENT, long lines folded at token starts with a marker."""
    code = printable(code)
    room = max(width - CODE_INDENT, 10)  # a 20-column terminal: 16 of code, not 20 that it wraps again
    out = Text(no_wrap=True, overflow="ignore")
    for line in _highlighted_lines(code, color):
        points, indent = fold_points(line.plain, room)
        pieces = line.divide(points) if points else [line]
        for number, piece in enumerate(pieces):
            piece.rstrip()
            out.append(" " * CODE_INDENT)
            if number:
                out.append(" " * indent)
                out.append(FOLD_MARKER, style="dim" if color else "")
            out.append_text(piece)
            out.append("\n")
    out.rstrip()
    return out
