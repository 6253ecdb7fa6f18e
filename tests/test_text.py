"""Record text to HTML (exports/text.py), and what each export makes of a line break in it."""
import lxml.etree
import pytest

from export_records import option, record
from torchquiz.exports.text import inline_html

TWO_LINES = "Multi-line code:\nmask = torch.tril(ones)\n    mask = ~mask  # `inverted` <here>"


def test_a_line_break_stays_one_with_its_indentation():
    assert inline_html(TWO_LINES) == ("Multi-line code:<br/>mask = torch.tril(ones)<br/>&#160;&#160;&#160;&#160;"
                                      "mask = ~mask  # <code>inverted</code> &lt;here&gt;")
    assert inline_html("one line, `code`") == "one line, <code>code</code>"


@pytest.fixture
def two_line_record():
    return record("shape.two_lines", "shape", "multichoice", "Which mask is lower-triangular?",
                  [option(TWO_LINES, True, "Right:\nboth lines."), option("`mask = ones`", False, "All ones.", "m")],
                  {"text": TWO_LINES})


def _text_lines(html):
    """The lines a browser shows for an HTML fragment: <br/> breaks, other whitespace folds."""
    tree = lxml.etree.fromstring(f"<div>{html.replace('&#160;', '&#xa0;')}</div>", lxml.etree.XMLParser())
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return [" ".join(line.replace("\xa0", " ").split()) for line in "".join(tree.itertext()).split("\n")]


def test_every_export_keeps_the_option_s_lines(two_line_record):
    """Moodle, GIFT, QTI 1.2 and 2.1 and the page carry the breaks, and the QTI packages stay schema-valid."""
    from lms_packages import QTI12, assert_valid, schema, unzip
    from torchquiz.exports.gift import to_gift
    from torchquiz.exports.html import to_html
    from torchquiz.exports.moodle import to_moodle_xml
    from torchquiz.exports.qti12 import to_qti12
    from torchquiz.exports.qti21 import to_qti21

    expected = ["Multi-line code:", "mask = torch.tril(ones)", "mask = ~mask # inverted <here>"]
    moodle = lxml.etree.fromstring(to_moodle_xml([two_line_record]).encode())
    right = moodle.xpath("//answer[@fraction='100']/text")[0].text
    assert _text_lines(right.removeprefix("<p>").removesuffix("</p>")) == expected
    assert inline_html(TWO_LINES) in to_gift([two_line_record]).replace("\\", "")
    assert inline_html(TWO_LINES) in to_html([two_line_record], mode="practice")
    qti21 = schema("qti21/qtiv2p1/imsqti_v2p1.xsd")
    for name, root in unzip(to_qti21([two_line_record])).items():
        if name.startswith("items/"):
            assert_valid(qti21, name, root)
            choices = root.xpath("//*[local-name()='simpleChoice']")
            assert [child.tag.split("}")[1] for child in choices[0]] == ["br", "br", "code"]
    qti12, shown = schema("qti12/domainProfile_4/ims_qtiasiv1p2.xsd"), []
    for name, root in unzip(to_qti12([two_line_record])).items():
        if name.endswith(".xml") and name != "imsmanifest.xml" and not name.endswith("assessment_meta.xml"):
            assert_valid(qti12, name, root)
            shown += [m.text for m in root.iter(f"{QTI12}mattext") if m.text and m.text.startswith("<p>Multi-line")]
    assert shown and _text_lines(shown[0].removeprefix("<p>").removesuffix("</p>")) == expected
