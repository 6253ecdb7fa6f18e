"""HTML export: self-contained page checks (no browser) and real headless-Chromium tests.

The browser tests drive Debian's chromium through chromedriver with selenium. Under
CI=true they fail, never skip, when the browser is missing. Screenshots of each mode go
to test-artifacts/.
"""
import json
import re

import lxml.html
import pytest

from browser_page import (ARTIFACTS, CI, choose, console_errors, open_page, question, score, screenshot, type_answer,
                          verdict)
from export_records import edge_case_records, session_generated_set
from torchquiz.exports.errors import ExportError
from torchquiz.exports.html import to_html
from torchquiz.record.jsonl import load_records
from torchquiz.exports.html import grading_data
from torchquiz.record.grading import Malformed, grade

@pytest.fixture(scope="module")
def records():
    return edge_case_records()


@pytest.fixture(scope="module")
def pages(records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    paths = {}
    for mode in ("practice", "exam", "key"):
        paths[mode] = folder / f"{mode}.html"
        paths[mode].write_text(to_html(records, mode=mode), encoding="utf-8")
    return paths


# ---------- the page source, without a browser ----------

def test_pages_are_self_contained(pages):
    for mode, path in pages.items():
        source = path.read_text(encoding="utf-8")
        tree = lxml.html.fromstring(source)
        assert not tree.xpath("//script[@src] | //link[@rel='stylesheet'] | //img | //iframe"), mode
        assert not re.search(r"(src|href)=\"(https?:)?//", source), mode
        assert not re.search(r"url\(|@import", source), mode
        assert "default-src 'none'" in tree.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
        assert "@media print" in source


def test_code_is_highlighted_at_export_time(pages):
    tree = lxml.html.fromstring(pages["practice"].read_text(encoding="utf-8"))
    code = tree.xpath("//pre[@class='highlight']/code")[0]
    assert code.get("class") == "language-python"
    assert code.xpath(".//span[@class='c1']")[0].text_content() == "# a<b & c>d"
    assert "    x = torch.randn(4, 7, 5)\n" in code.text_content()


def test_every_record_text_is_escaped(pages, records):
    for path in pages.values():
        source = path.read_text(encoding="utf-8")
        assert "<script>alert" not in source
        tree = lxml.html.fromstring(source)
        stems = [s.text_content() for s in tree.xpath("//div[@class='stem']")]
        assert any("<script>alert('x')</script>" in s for s in stems)


def test_grading_data_cannot_close_its_script_element(records):
    tricky = json.loads(json.dumps(records[7]))  # shortanswer
    tricky["answer"]["accepted"].append("</script><script>alert(1)</script><!--")
    page = to_html([tricky], mode="practice")
    tree = lxml.html.fromstring(page)
    # the html.js marker in the head, the grading data and the page's script: nothing more
    assert [len(s.text) < 60 for s in tree.xpath("//script")] == [True, False, False]
    data = json.loads(tree.get_element_by_id("torchquiz-data").text)
    assert data[0]["answer"]["forms"][-1] == "</script><script>alert(1)</script><!--"


def test_exam_source_holds_no_answer(pages, records):
    source = pages["exam"].read_text(encoding="utf-8")
    body = source.split("</style>", 1)[1]
    assert "<script" not in body and "torchquiz-data" not in body
    assert "correct" not in body and "✓" not in body and "feedback" not in body
    tree = lxml.html.fromstring(source)
    text = tree.text_content()
    for rec in records:
        for words in [*rec["solution"], rec["hint"], *rec.get("common_mistakes", []),
                      *(o["feedback"] for o in rec["options"])]:
            assert lxml.html.fromstring(f"<p>{words}</p>").text_content().replace("`", "") not in text
    for number, rec in enumerate(records, start=1):
        if rec["type"] in ("numerical", "shortanswer"):
            item = tree.get_element_by_id(f"q{number}").text_content()
            for answer in [rec["answer"]["text"], *rec["answer"].get("accepted", [])]:
                assert answer not in item, (number, answer)
    assert [li.get("id") for li in tree.xpath("//li[@class='question']")] == [f"q{n}" for n in range(1, len(records) + 1)]


def test_key_marks_every_right_option_and_shows_solutions(pages, records):
    tree = lxml.html.fromstring(pages["key"].read_text(encoding="utf-8"))
    for number, rec in enumerate(records, start=1):
        item = tree.get_element_by_id(f"q{number}")
        marks = [m.text_content() for m in item.xpath(".//strong[@class='mark']")]
        assert marks == ["✓ right" if o["correct"] else "✗ wrong" for o in rec["options"]]
        assert len(item.xpath(".//ol[@class='steps']/li")) == len(rec["solution"])
        assert item.xpath(".//details[@class='solution']/@open")


def test_unknown_mode_is_refused(records):
    with pytest.raises(ExportError, match="mode='quiz'"):
        to_html(records, mode="quiz")


# ---------- the real browser (tests/browser_page.py drives it) ----------

@pytest.mark.browser
@pytest.mark.parametrize("mode", ["practice", "exam", "key"])
def test_page_loads_offline_with_no_request_and_no_console_error(browser, pages, mode):
    urls = open_page(browser, pages[mode])
    assert urls and set(urls) <= {pages[mode].as_uri()} | {u for u in urls if u.startswith("data:")}, urls
    assert console_errors(browser) == []
    assert browser.title.startswith("torchquiz")
    screenshot(browser, f"html-{mode}.png")


@pytest.mark.browser
def test_practice_grades_choices_typed_answers_and_keeps_score(browser, pages, records):
    from selenium.webdriver.common.by import By

    open_page(browser, pages["practice"])
    n = len(records)
    assert score(browser)[:2] == (0, 0)
    # Q1 multichoice: the right option (index 1) is marked right at once.
    choose(browser, 1, 1)
    assert verdict(question(browser, 1)).startswith("✓")
    # Q9 truefalse (the <script> stem): the wrong choice shows its misconception feedback.
    choose(browser, 9, 0)
    item = question(browser, 9)
    assert verdict(item).startswith("✗")
    shown = [p.text for p in item.find_elements(By.CSS_SELECTOR, ".option-feedback") if p.is_displayed()]
    assert shown == ["✗ Wrong choice. " + records[8]["options"][0]["feedback"]]
    choose(browser, 9, 1)  # a second try is graded but does not change the score
    assert verdict(question(browser, 9)).startswith("✓")
    # Q7 shortanswer: a shape typed without spaces, then as torch.Size, is right.
    type_answer(browser, 7, "(4,7,3)")
    assert verdict(question(browser, 7)).startswith("✓")
    type_answer(browser, 7, "torch.Size([4, 7, 3])")
    assert verdict(question(browser, 7)).startswith("✓")
    # Q4 numerical: a comma decimal is asked again without using up the try; then in tolerance.
    type_answer(browser, 4, "0,91")
    assert "not count" in verdict(question(browser, 4))
    assert score(browser)[:2] == (2, 3)
    type_answer(browser, 4, "0.91")
    assert verdict(question(browser, 4)).startswith("✓")
    # Q6 tiny numerical: out of tolerance is wrong.
    type_answer(browser, 6, "0.0001")
    assert verdict(question(browser, 6)).startswith("✗")
    # Q2 multiresponse: both right boxes, then Check.
    choose(browser, 2, 0)
    choose(browser, 2, 2)
    question(browser, 2).find_element(By.CSS_SELECTOR, "button").click()
    assert verdict(question(browser, 2)).startswith("✓")
    # A malformed shape is asked again.
    type_answer(browser, 7, "(4, 7")
    right, answered, text = score(browser)
    assert (right, answered) == (4, 6)  # Q1, Q7, Q4, Q2 right; Q9 and Q6 wrong at first try
    assert text == f"Score: 4 / {n} (6 answered)"
    assert console_errors(browser) == []
    screenshot(browser, "html-practice-answered.png")


@pytest.mark.browser
def test_keyboard_arrows_do_not_grade_until_enter(browser, pages):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, pages["practice"])
    first = question(browser, 1).find_element(By.ID, "q1o0")
    browser.execute_script("arguments[0].focus()", first)
    first.send_keys(Keys.SPACE)
    first.send_keys(Keys.ARROW_DOWN)  # now on option b, the right one
    assert question(browser, 1).find_element(By.CSS_SELECTOR, ".verdict").get_attribute("hidden") is not None
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert verdict(question(browser, 1)).startswith("✓")
    outline = browser.execute_script(
        "return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # visible focus


@pytest.mark.browser
def test_script_in_a_stem_shows_as_text_and_never_runs(browser, pages):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    for mode in pages:
        open_page(browser, pages[mode])
        stem = question(browser, 9).find_element(By.CSS_SELECTOR, ".stem").text
        assert "<script>alert('x')</script>" in stem
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text
        scripts = browser.execute_script("return document.scripts.length")
        assert scripts == (3 if mode == "practice" else 0)  # the html.js marker, the data and the page's script


@pytest.mark.browser
def test_exam_page_has_no_answers_in_the_dom(browser, pages, records):
    open_page(browser, pages["exam"])
    body = browser.execute_script("return document.body.outerHTML")
    assert "option-feedback" not in body and "solution" not in body and "torchquiz-data" not in body
    assert browser.execute_script(
        "return document.querySelectorAll('input, details, script, .correct, .option-feedback').length") == 0


SHAPE_INPUTS = ["(4, 7, 6)", "(4,7,6)", "[4, 7, 6]", "torch.Size([4, 7, 6])", " 4, 7, 6 ", "(4, 7, 6,)",
                "(4,)", "(4)", "()", "torch.Size([])", "(4, 7", "(4, 7, 6))", "(4, 7, 6]", "(+4, 07, 6)",
                "(4, -7, 6)", "(4,,7)", "(a, b)", "4", "", "  ", "(4.0, 7, 6)", "(4 7 6)", "torch.Size([4,7,6])",
                "torch.Size( [ 4 , 7 , 6 ] )", "(4,\t7,\n6)", "\u00a0(4, 7, 6)\u2003", "(99999999999999999999, 1)",
                "(٤, 7, 6)", "[[4, 7]]", "x"]
TEXT_KEYS = [{"text": "(4, 7, 6)", "accepted": ["(4,7,6)"]}, {"text": "2 * hidden_size", "accepted": ["hidden_size * 2"]},
             {"text": "RuntimeError", "accepted": []}, {"text": "Straße", "accepted": []},
             {"text": "(99999999999999999999, 1)", "accepted": []}]
TEXT_INPUTS = SHAPE_INPUTS + ["2 * hidden_size", "2  *  HIDDEN_SIZE", "hidden_size*2", "runtimeerror", " RuntimeError ",
                              "STRASSE", "strasse", "Runtime Error"]
NUMBER_INPUTS = ["0.91", ".91", "91%", " 91 % ", "0,91", "0.905", "0.9149", "0.915", "0.8", "1e-5", "1E-5", "1_000",
                 "1__0", "_1", "inf", "nan", "-inf", "1e400", "+.5", "5.", "0x10", "", "abc", "0.00001", "0.000015",
                 "2560", "2560.4", "2561", "  2560\n", "1_0.5", "1.5e", "٣"]
NUMBER_KEYS = [{"value": 0.9090909090909091, "tolerance": 0.005}, {"value": 1e-05, "tolerance": 5e-06},
               {"value": 2560, "tolerance": 0}, {"value": 1000, "tolerance": None}]


def python_verdict(kind, answer, response):
    """The terminal quiz's verdict as the page gives it: True, False, or None (asked again)."""
    result = grade({"type": kind, "options": [], "answer": answer}, response)
    return None if isinstance(result, Malformed) else result.correct


@pytest.mark.browser
def test_page_grading_agrees_with_the_engine_rules(browser, pages):
    """Odd inputs beyond tests/grading_table.py: tabs, line breaks, other digits, huge numbers."""
    open_page(browser, pages["practice"])
    number_keys = [{"text": "x", **k} for k in NUMBER_KEYS]
    questions = ([grading_data({"type": "shortanswer", "options": [], "answer": k}) for k in TEXT_KEYS]
                 + [grading_data({"type": "numerical", "options": [], "answer": k}) for k in number_keys])
    js = browser.execute_script(
        """const [inputs, questions] = arguments;
        return inputs.map(s => questions.map(q => torchquizGrading.gradeTyped(q, s)));""",
        TEXT_INPUTS + NUMBER_INPUTS, questions)
    for text, got in zip(TEXT_INPUTS + NUMBER_INPUTS, js):
        assert got == [python_verdict("shortanswer", k, text) for k in TEXT_KEYS] + [
            python_verdict("numerical", k, text) for k in number_keys], text
    assert len(js) > 60
    assert console_errors(browser) == []


@pytest.fixture(scope="module")
def generated_set(tmp_path_factory):
    path, reason = session_generated_set(tmp_path_factory)
    if reason:
        if CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.mark.browser
def test_a_really_generated_set_can_be_answered_right_in_the_browser(browser, generated_set, tmp_path):
    from selenium.webdriver.common.by import By

    records = load_records(generated_set)
    path = tmp_path / "generated.html"
    path.write_text(to_html(records, mode="practice"), encoding="utf-8")
    urls = open_page(browser, path)
    assert set(urls) <= {path.as_uri()}, urls
    for number, rec in enumerate(records, start=1):
        if rec["type"] in ("numerical", "shortanswer"):
            type_answer(browser, number, rec["answer"]["text"])
            continue
        for index, option in enumerate(rec["options"]):
            if option["correct"]:
                choose(browser, number, index)
        if rec["type"] == "multiresponse":
            question(browser, number).find_element(By.CSS_SELECTOR, "button").click()
    assert score(browser)[:2] == (len(records), len(records))
    assert console_errors(browser) == []
    screenshot(browser, "html-generated-practice.png")


def test_line_by_line_highlighting_matches_pygments_on_whole_snippets(records):
    from export_records import replicated_records
    from torchquiz.exports.text import _highlight, clear_highlight_cache, highlight_python

    clear_highlight_cache()
    codes = [r["code"] for r in replicated_records(120) if r["code"]]
    codes += ["x = 1", "x = [1,\n  2]\n", "y = x[:, -1] + 0x1F + 1e5 + 2.5 + 10_000 - 3\nz = f(3)(4)\n",
              "from torch.nn.utils.rnn import (\n    pad_sequence,\n)\n", 's = """a\n1"""\nprint(s, 2)  # 3\n',
              "@torch.no_grad()\ndef g(a=2):\n    return {'k': 3}\n"]
    for code in codes:
        assert highlight_python(code) == _highlight(code), code


@pytest.mark.browser
def test_print_css_hides_the_controls_and_exam_prints_to_pdf(browser, pages):
    import base64

    open_page(browser, pages["practice"])
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        hidden = browser.execute_script(
            "return ['#score', 'button', 'details'].map(s => getComputedStyle(document.querySelector(s)).display)")
        assert hidden == ["none", "none", "none"]
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    open_page(browser, pages["exam"])
    pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})["data"])
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "html-exam.pdf").write_bytes(pdf)
    assert len(pdf) > 10_000
