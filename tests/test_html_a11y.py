"""Accessibility of the HTML exports in a real headless Chromium (/work/reviews/a11y.md): every
question in the accessibility tree, a page that says so when its script cannot run, option grids
that reflow on a phone, right and wrong choices marked beyond a tint, a key table that fits 320 px,
and plots in the `stats --html` report with a text alternative.
"""
import pytest

from browser_page import emulate_width, open_page, question, write
from export_records import edge_case_records, replicated_records
from torchquiz.exports.html import LAZY_LAYOUT_AFTER, to_html


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


def ax_nodes(driver):
    """The accessibility tree as screen readers get it: the nodes Chromium does not ignore."""
    return [n for n in driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"] if not n.get("ignored")]


def ax_name(node, field="name"):
    return node.get(field, {}).get("value", "")


def question_groups(driver):
    return sorted(int(ax_name(n).split()[1]) for n in ax_nodes(driver)
                  if n.get("role", {}).get("value") == "group" and ax_name(n).startswith("Question "))


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["practice", "exam", "key"])
def test_every_question_is_in_the_accessibility_tree(browser, records, tmp_path, mode):
    # content-visibility: auto left the questions outside the window out of the tree: a screen reader
    # heard 3 of 9 questions. Only pages over LAZY_LAYOUT_AFTER questions still lay out lazily.
    path = write(tmp_path, f"{mode}.html", to_html(records, mode=mode))
    open_page(browser, path)
    assert question_groups(browser) == list(range(1, len(records) + 1))
    browser.execute_script("window.scrollTo(0, document.documentElement.scrollHeight)")
    assert question_groups(browser) == list(range(1, len(records) + 1))


@pytest.mark.browser
def test_a_long_practice_page_at_the_lazy_layout_limit_exposes_every_question(browser, tmp_path):
    many = replicated_records(LAZY_LAYOUT_AFTER)
    path = write(tmp_path, "long.html", to_html(many))
    open_page(browser, path)  # waits until every deferred chunk is in the page
    assert question_groups(browser) == list(range(1, len(many) + 1))
    assert "lazy-layout" not in browser.find_element("tag name", "body").get_attribute("class")
    assert "lazy-layout" in to_html(replicated_records(LAZY_LAYOUT_AFTER + 1))[:20000]


def shown(driver, selector):
    return [e.text for e in driver.find_elements("css selector", selector) if e.is_displayed()]


@pytest.mark.browser
def test_a_practice_page_whose_script_cannot_run_says_so_and_hides_its_dead_controls(browser, records, tmp_path):
    # With JavaScript off, Check, Reset and Save did nothing and a long page said "Loading more questions…"
    # for ever, with questions 21 on out of reach; nothing said why.
    short = write(tmp_path, "short.html", to_html(records))
    long = write(tmp_path, "long.html", to_html(replicated_records(45)))
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(short.as_uri())
        (note,) = shown(browser, ".no-js-note")
        assert note.startswith("This page needs JavaScript to check your answers, keep your score and save")
        assert "only questions" not in note
        assert shown(browser, ".scorebar, .intro, button") == []
        browser.get(long.as_uri())
        assert browser.execute_script("return document.querySelectorAll('li.question').length") == 20
        notes = shown(browser, ".no-js-note")
        assert "only questions 1–20 of 45 are shown without it" in notes[0]
        assert notes[1] == "Questions 21–45 are not shown: they need JavaScript."
        assert shown(browser, "#more-questions") == []
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
    for path in (short, long):
        open_page(browser, path)
        assert shown(browser, ".no-js-note") == [] and shown(browser, "#score")
        assert question(browser, 1).find_element("css selector", "button").is_displayed()


@pytest.mark.browser
def test_exam_options_keep_short_answers_on_one_line_on_a_phone_and_at_high_zoom(browser, records, tmp_path):
    # The 2- and 4-column option grids stayed on a 390 px phone: "(7, 4, 3)" stood one character a line.
    path = write(tmp_path, "exam.html", to_html(records, mode="exam"))
    try:
        for pixels in (320, 390, 640):  # 640: a 1,280 px window at 200 %; 320: at 400 %
            emulate_width(browser, pixels)
            open_page(browser, path)
            broken, columns = browser.execute_script("""
                const lines = e => {  // the lines its text takes (an option's parts are grid items, one box each)
                    const range = document.createRange(); range.selectNodeContents(e);
                    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; };
                const options = [...document.querySelectorAll('ul.options li.option')];
                const broken = options.filter(o => lines(o.querySelector('.letter')) > 1
                    || (o.querySelector('.text').textContent.length <= 16 && lines(o.querySelector('.text')) > 1))
                    .map(o => o.closest('li.question').id + ': ' + o.textContent.trim());
                const columns = [...document.querySelectorAll('ul.options')].map(
                    u => getComputedStyle(u).gridTemplateColumns.split(' ').length);
                return [broken, columns];""")
            assert broken == [], (pixels, broken)
            if pixels <= 480:
                assert set(columns) == {1}, (pixels, columns)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def contrast(a, b):
    """WCAG contrast ratio of two computed colours, 'rgb(r, g, b)'."""
    def luminance(colour):
        channels = [int(c) / 255 for c in colour[colour.index("(") + 1:-1].split(",")[:3]]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.browser
def test_a_chosen_option_is_marked_right_or_wrong_beyond_its_tint_and_to_a_screen_reader(browser, records, tmp_path):
    # The red/green border lost to `li.option { border: transparent }`, leaving tints of 1.1:1; the wrong
    # option's feedback never said "wrong", and no feedback was tied to its input.
    from selenium.webdriver.common.by import By

    open_page(browser, write(tmp_path, "practice.html", to_html(records)))
    browser.find_element(By.ID, "reset").click()
    item = question(browser, 2)                      # multiresponse: a and c right, b and d wrong
    for index in (0, 1):
        item.find_element(By.ID, f"q2o{index}").send_keys(" ")
    item.find_element(By.CSS_SELECTOR, "button").click()
    page = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    for index, colour, words in ((0, "rgb(27, 110, 32)", "✓ Right choice."), (1, "rgb(179, 38, 30)", "✗ Wrong choice.")):
        option = item.find_element(By.CSS_SELECTOR, f'.option[data-option="{index}"]')
        border = browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.borderTopColor, s.borderTopWidth, s.borderLeftColor]",
            option)
        assert border == [colour, "2px", colour]
        assert contrast(colour, page) >= 3 and contrast(colour, option.value_of_css_property("background-color")) >= 3
        feedback = option.find_element(By.CSS_SELECTOR, ".option-feedback")
        assert feedback.is_displayed() and feedback.text.startswith(words)
        assert item.find_element(By.ID, f"q2o{index}").get_attribute("aria-describedby") == feedback.get_attribute("id")
    described = {ax_name(n).split(".")[0]: ax_name(n, "description") for n in ax_nodes(browser)
                 if n.get("role", {}).get("value") == "checkbox" and ax_name(n, "description")}
    assert described == {"a": "✓ Right choice. " + records[1]["options"][0]["feedback"],
                         "b": "✗ Wrong choice. " + records[1]["options"][1]["feedback"]}
    item.find_element(By.ID, "q2o1").send_keys(" ")  # a changed answer loses its old verdict, description too
    assert item.find_element(By.ID, "q2o0").get_attribute("aria-describedby") is None
    assert not [n for n in ax_nodes(browser) if n.get("role", {}).get("value") == "checkbox" and ax_name(n, "description")]


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["practice", "exam", "key"])
def test_no_page_scrolls_sideways_at_320_px(browser, records, tmp_path, mode):
    # The key's "Answers at a glance" table was as wide as its longest unbroken answer: 331 px in a 305 px page.
    long = [dict(r) for r in records]
    long[0]["options"] = [dict(o) for o in long[0]["options"]]
    long[0]["options"][1]["text"] = "nn.GRU(input_size=3,hidden_size=31,num_layers=2,batch_first=True)"
    long[0]["answer"] = {**long[0]["answer"], "text": long[0]["options"][1]["text"]}
    path = write(tmp_path, f"{mode}.html", to_html(long, mode=mode))
    try:
        emulate_width(browser, 320)
        open_page(browser, path)
        page, document, table = browser.execute_script("""
            const table = document.querySelector('table.key-summary');
            return [document.documentElement.clientWidth, document.documentElement.scrollWidth,
                    table ? table.getBoundingClientRect().right : 0];""")
        assert document <= page and table <= page, (document, table, page)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


REPORT_DATA = {"answers": 120, "low_discrimination": 20, "moodle": [], "templates": [{
    "template": "shape.gru_output", "title": "GRU output shape", "answers": 120, "facility": 0.6, "fix": [],
    "levels": [{"level": "easy", "questions": 2, "answers": 70, "facility": 0.8, "b": -1.2, "discrimination_index": 35.0, "point_biserial": 0.41},
               {"level": "hard", "questions": 2, "answers": 50, "facility": 0.32, "b": 0.9, "discrimination_index": None, "point_biserial": 0.38}],
    "effects": {"identified": True, "variants": 6, "effects": [
        {"param": "layer", "value": "RNN", "reference": "GRU", "kind": "category",
         "effect": 1.23, "low": 0.41, "high": 2.05, "clear": True},
        {"param": "hidden_size", "value": "+1 SD (7.72)", "kind": "numeric",
         "effect": -0.1, "low": -0.9, "high": 0.7, "clear": False}]},
    "misconceptions": [{"id": "bidirectional_halves_parameters", "share": 0.45}, {"id": "ignore_batch_first", "share": 0.2}],
}]}


@pytest.mark.browser
def test_every_report_plot_has_a_text_alternative_with_its_values(browser, tmp_path):
    # Each <svg> plot of `stats --html` had no role, name or description: its values were drawn bars only.
    pytest.importorskip("matplotlib")
    from torchquiz.engine.report_page import report_page

    open_page(browser, write(tmp_path, "report.html", report_page(REPORT_DATA)))
    images = [ax_name(n) for n in ax_nodes(browser) if n.get("role", {}).get("value") == "image"]
    assert images == [
        "Facility by level: easy 80% (70 answers); hard 32% (50 answers).",
        "Parameter effects on difficulty, in logits (+ = harder), with 95% intervals: layer=RNN vs GRU +1.23 "
        "(+0.41 to +2.05, clear); hidden_size=+1 SD (7.72) −0.10 (−0.90 to +0.70).",
        "Misconceptions chosen, as a share of wrong answers: bidirectional_halves_parameters 45%; ignore_batch_first 20%.",
    ]
    assert browser.execute_script("return document.querySelectorAll('svg:not([role=img])').length") == 0
