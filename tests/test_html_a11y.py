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
