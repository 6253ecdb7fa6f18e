"""Record text in the terminal: the one Markdown definition (record/markdown.py), styled with rich."""
from torchquiz.engine.terminal_text import INLINE_CODE, record_text
from torchquiz.exports.text import plain_text


def styled(text):
    rendered = record_text(text, color=True)
    return rendered.plain, [(rendered.plain[s.start:s.end], str(s.style)) for s in rendered.spans]


def test_emphasis_is_styled_and_its_marks_dropped_like_the_exports():
    text = "The **output** is *not* `h_n`, and _padding_ stays: batch_first, 2 * 3 * 4."
    plain, spans = styled(text)
    assert plain == plain_text(text) == "The output is not h_n, and padding stays: batch_first, 2 * 3 * 4."
    assert spans == [("output", "bold"), ("not", "italic"), ("h_n", str(INLINE_CODE)), ("padding", "italic")]


def test_marks_inside_code_spans_are_code_and_without_colour_nothing_changes():
    plain, spans = styled("`x * y * z` and `**kwargs`")
    assert plain == "x * y * z and **kwargs" and {style for _, style in spans} == {str(INLINE_CODE)}
    assert record_text("a *b* `c`", color=False).plain == "a *b* `c`"


def test_code_fits_a_terminal_of_twenty_columns():
    """Below 24 columns the code was folded at 20 characters plus its 4 of indentation, and the terminal
    wrapped every long line a second time, at column 0, losing its indentation."""
    from torchquiz.engine.terminal_text import code_block

    code = "import torch.nn as nn\nlayer = nn.MultiheadAttention(embed_dim=16, num_heads=4)\nprint(layer)"
    for width in (20, 24, 40):
        lines = code_block(code, width, color=False).plain.split("\n")
        assert max(map(len, lines)) <= width, (width, lines)
        assert "".join(line.strip().replace("↪", "") for line in lines).replace(" ", "") == code.replace(
            "\n", "").replace(" ", "")   # nothing lost
