"""Page order and papers without a browser: seeded shuffles, the set's id, exam versions and their key."""
import hashlib
import re

import lxml.html
import pytest

from export_records import edge_case_records
from torchquiz.exports.errors import ExportError
from torchquiz.exports.html import to_html
from torchquiz.exports.html_papers import html_pages
from torchquiz.exports.order import set_id, shuffled
from torchquiz.exports.text import plain_text


@pytest.fixture(scope="module")
def records():
    return edge_case_records()


def right_texts(record):
    return sorted(o["text"] for o in record["options"] if o["correct"])


def test_set_id_is_the_sha256_of_the_sorted_ids_whatever_the_order(records):
    expected = hashlib.sha256("\n".join(sorted(r["id"] for r in records)).encode()).hexdigest()[:16]
    assert set_id(records) == expected == set_id(list(reversed(records)))
    page = lxml.html.fromstring(to_html(records))
    assert page.body.get("data-set") == expected
    assert [li.get("data-id") for li in page.xpath("//li[@class='question']")] == [r["id"] for r in records]


def test_shuffle_is_seeded_and_keeps_every_answer(records):
    once, again, other = shuffled(records, 3), shuffled(records, 3), shuffled(records, 4)
    assert to_html(once) == to_html(again)  # byte-identical for the same seed
    assert [r["id"] for r in once] != [r["id"] for r in other]
    assert sorted(r["id"] for r in once) == sorted(r["id"] for r in records)
    originals = {r["id"]: r for r in records}
    moved = 0
    for record in once:
        original = originals[record["id"]]
        assert right_texts(record) == right_texts(original)
        assert sorted(o["text"] for o in record["options"]) == sorted(o["text"] for o in original["options"])
        moved += [o["text"] for o in record["options"]] != [o["text"] for o in original["options"]]
        if record["type"] == "truefalse":
            assert record["options"] == original["options"]
    assert moved  # options really are permuted
    assert [o["text"] for o in records[0]["options"]] == [o["text"] for o in originals[records[0]["id"]]["options"]]


def test_exam_versions_and_one_compact_key(records):
    pages = html_pages(records, mode="exam", versions=3, seed=11)
    assert [page.part for page in pages] == ["A", "B", "C", "key"]
    key = lxml.html.fromstring(pages[-1])
    for page in pages[:-1]:
        tree = lxml.html.fromstring(page)
        assert tree.body.get("data-version") == page.part
        assert f"Version {page.part}" in tree.xpath("//h1")[0].text_content()
        answers = [li.xpath(".//span[@class='a']")[0].text_content()
                   for li in key.xpath(f"//section[@id='version-{page.part}']//li")]
        assert len(answers) == len(records)
        for number, item in enumerate(tree.xpath("//li[@class='question']"), start=1):
            record = next(r for r in records if r["id"] == item.get("data-id"))
            if record["options"]:
                letters = [li.xpath(".//span[@class='letter']")[0].text_content().rstrip(".")
                           for li in item.xpath(".//li[contains(@class, 'option')]")]
                texts = [li.xpath(".//span[@class='text']")[0].text_content()
                         for li in item.xpath(".//li[contains(@class, 'option')]")]
                right = [letter for letter, text in zip(letters, texts)
                         if " ".join(text.split()) in [plain_text(t) for t in right_texts(record)]]
                assert answers[number - 1] == ", ".join(right), (page.part, number)
    orders = [[li.get("data-id") for li in lxml.html.fromstring(p).xpath("//li[@class='question']")] for p in pages[:-1]]
    assert len({tuple(order) for order in orders}) == 3
    assert html_pages(records, mode="exam", versions=3, seed=11) == pages


def test_exam_paper_shows_marks_and_write_in_boxes_but_no_family_or_typing_instruction(records):
    tree = lxml.html.fromstring(to_html(records, mode="exam", answer_grid=True))
    text = tree.body.text_content()
    assert "Type your answer" not in text and "Type a number" not in text
    assert not re.search(r"\bType (the|a|your)\b", text)            # a stem's "Type the shape" is written on paper
    assert any("Type the" in r["stem"] for r in records) and "Write the" in text
    lower = dict(records[0], stem="The code prints it; type the shape, e.g. (2, 3).")  # mid-sentence too
    paper = lxml.html.fromstring(to_html([lower], mode="exam")).body.text_content()
    assert "write the shape" in paper and "type the" not in paper
    for record in records:
        assert f"({record['family']} · {record['difficulty']})" not in text
    legends = [legend.text_content() for legend in tree.xpath("//legend")]
    assert all(re.search(r"\(\d marks?\)", legend) for legend in legends)
    typed = [r for r in records if not r["options"]]
    assert len(tree.xpath("//span[@class='write-in']")) == len(typed)
    assert tree.xpath("//div[@class='instructions']") and tree.xpath("//section[@class='answer-grid']")
    # the grid names the typed questions it has no row for, so a teacher collecting grids knows where they are
    numbers = [n for n, r in enumerate(records, start=1) if not r["options"]]
    note = tree.xpath("//p[@class='typed-note']")[0].text_content()
    assert all(re.search(rf"\b{n}\b", note) for n in numbers) and "write the answer on the paper" in note


def test_the_key_gives_a_numbers_tolerance_as_the_page_grades_it(records):
    pages = html_pages(records, mode="exam", versions=2, seed=1)
    key = lxml.html.fromstring(pages[-1]).body.text_content()
    numerical = [r for r in records if r["type"] == "numerical" and r["answer"].get("tolerance")]
    assert numerical and all(f"± {r['answer']['tolerance']:g}" in key for r in numerical)
    assert "in brackets is the question's marks" in key


def test_code_like_options_are_set_in_monospace(records):
    record = dict(records[0], options=[dict(records[0]["options"][i], text=text) for i, text in
                                       enumerate(["output[-1]", "output[:, -1]", "output[0]", "output"])])
    prose = dict(records[0], options=[dict(records[0]["options"][i], text=text) for i, text in
                                      enumerate(["It runs and prints (8, 5, 7)", "It raises RuntimeError",
                                                 "It runs and prints (5, 8, 7)", "It runs and prints (1, 5, 7)"])])
    page = lxml.html.fromstring(to_html([record, dict(prose, id=prose["id"][:-1] + "0")]))
    lists = page.xpath("//ul[contains(@class, 'options')]")
    assert "code-like" in lists[0].get("class") and "code-like" not in lists[1].get("class")


def test_versions_and_answer_grids_belong_to_exams(records):
    with pytest.raises(ExportError, match="--versions 2: only an exam"):
        html_pages(records, mode="practice", versions=2)
    with pytest.raises(ExportError, match="only an exam has an answer grid"):
        html_pages(records, mode="key", answer_grid=True)
