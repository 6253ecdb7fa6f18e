"""Accessibility of the HTML exports in a real headless Chromium (/work/reviews/a11y.md): every
question in the accessibility tree, a page that says so when its script cannot run, option grids
that reflow on a phone, right and wrong choices marked beyond a tint, a key table that fits 320 px,
and plots in the `stats --html` report with a text alternative.
"""
import pytest

from browser_page import open_page, question
from export_records import edge_case_records, replicated_records
from torchquiz.exports.html import LAZY_LAYOUT_AFTER, to_html


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


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


def emulate_width(driver, pixels):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": pixels, "height": 900, "deviceScaleFactor": 1, "mobile": pixels < 500})


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
