"""Test helpers for the LMS packages: the real XSDs, unzipping, and small interpreters of the
response processing the QTI exports emit, so a test can score a response the way the package
itself says to (not the way the exporter meant to).

Each interpreter covers exactly the constructs the exporters write and fails loudly on any
other, so an exporter that starts emitting something new cannot pass by being ignored.
"""
import functools
import io
import os
import zipfile
from pathlib import Path

import lxml.etree as etree
import lxml.html
import pytest

XSD_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "xsd"
QTI12 = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
QTI21 = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
PARSER = etree.XMLParser(no_network=True)


def schema(relative):
    """The XSD at ../shared/xsd/`relative`; skips where the folder is absent, fails under CI=true."""
    if not XSD_DIR.is_dir():
        message = f"{XSD_DIR} is missing: the 1EdTech XSDs are needed to validate the packages"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return _compiled(relative)


@functools.lru_cache(maxsize=None)
def _compiled(relative):  # the QTI 2.1 schema (with MathML) takes seconds to compile: once per run
    return etree.XMLSchema(etree.parse(str(XSD_DIR / relative), PARSER))


def assert_valid(xsd, name, document):
    if not xsd.validate(document):
        errors = "\n".join(str(e) for e in list(xsd.error_log)[:5])
        raise AssertionError(f"{name} is not valid:\n{errors}")


def unzip(data):
    """{name: parsed root element} of every file in a zip package."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return {name: etree.fromstring(archive.read(name), PARSER) for name in archive.namelist()}


def html_text(fragment):
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(lxml.html.fragment_fromstring(fragment, create_parent="div").text_content().split())


# ---- QTI 1.2 (Canvas): respcondition in order, `continue="No"` stops, SCORE by setvar.

def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _qti12_true(node, response):
    tag = etree.QName(node).localname
    if tag == "other":
        return True
    if tag in ("and", "conditionvar"):
        return all(_qti12_true(child, response) for child in node)
    if tag == "or":
        return any(_qti12_true(child, response) for child in node)
    if tag == "not":
        (child,) = list(node)
        return not _qti12_true(child, response)
    if tag == "varequal":
        if isinstance(response, (set, frozenset)):
            return node.text in response
        typed, key = _number(response), _number(node.text)
        if typed is not None and key is not None:
            return typed == key
        # QTI 1.2: case="No" (the default) compares without case.
        return response.strip().casefold() == node.text.casefold() if node.get("case", "No") == "No" \
            else response.strip() == node.text
    if tag in ("vargte", "varlte"):
        typed = _number(response)
        return typed is not None and (typed >= float(node.text) if tag == "vargte" else typed <= float(node.text))
    raise AssertionError(f"unexpected QTI 1.2 condition <{tag}>")


def qti12_score(item, response):
    """(SCORE, [feedback idents shown]) for `response`: a set of chosen label idents or a typed str."""
    score, shown = 0.0, []
    for condition in item.iter(f"{QTI12}respcondition"):
        if not _qti12_true(condition.find(f"{QTI12}conditionvar"), response):
            continue
        for setvar in condition.findall(f"{QTI12}setvar"):
            action, value = setvar.get("action", "Set"), float(setvar.text)
            score = value if action == "Set" else score + value if action == "Add" else score - value
        shown += [d.get("linkrefid") for d in condition.findall(f"{QTI12}displayfeedback")]
        if condition.get("continue", "No") == "No":
            break
    return score, shown


# ---- QTI 2.1: responseProcessing rules over RESPONSE, SCORE and FEEDBACK.

def _declaration(item):
    return item.find(f"{QTI21}responseDeclaration")


def _qti21_value(node, state, item):
    tag = etree.QName(node).localname
    children = list(node)
    if tag == "variable":
        return state[node.get("identifier")]
    if tag == "correct":
        values = [v.text for v in _declaration(item).iter(f"{QTI21}value")]
        return float(values[0]) if _declaration(item).get("baseType") == "float" else \
            (frozenset(values) if _declaration(item).get("cardinality") == "multiple" else values[0])
    if tag == "baseValue":
        return float(node.text) if node.get("baseType") == "float" else node.text
    if tag == "isNull":
        value = _qti21_value(children[0], state, item)
        return value is None or value == "" or value == frozenset()
    if tag == "not":
        return not _qti21_value(children[0], state, item)
    if tag == "and":
        return all(_qti21_value(c, state, item) for c in children)
    if tag == "or":
        return any(_qti21_value(c, state, item) for c in children)
    if tag == "match":
        return _qti21_value(children[0], state, item) == _qti21_value(children[1], state, item)
    if tag == "gte":
        return _qti21_value(children[0], state, item) >= _qti21_value(children[1], state, item)
    if tag == "equal":
        left, right = (_qti21_value(c, state, item) for c in children)
        if node.get("toleranceMode") == "exact":
            return left == right
        assert node.get("toleranceMode") == "absolute", node.get("toleranceMode")
        below, above = (float(t) for t in node.get("tolerance").split())
        return right - below <= left <= right + above
    if tag == "stringMatch":
        left, right = (_qti21_value(c, state, item) for c in children)
        return left.casefold() == right.casefold() if node.get("caseSensitive") == "false" else left == right
    if tag == "multiple":
        values = set()
        for child in children:
            value = _qti21_value(child, state, item)
            values |= set(value) if isinstance(value, frozenset) else {value}
        return frozenset(values)
    if tag == "mapResponse":
        return _map_response(item, state["RESPONSE"])
    raise AssertionError(f"unexpected QTI 2.1 expression <{tag}>")


def _map_response(item, response):
    mapping = _declaration(item).find(f"{QTI21}mapping")
    values = response if isinstance(response, frozenset) else {response}
    total = 0.0
    for value in values:
        for entry in mapping.findall(f"{QTI21}mapEntry"):
            key = entry.get("mapKey")
            same = value.casefold() == key.casefold() if entry.get("caseSensitive") == "false" else value == key
            if same:
                total += float(entry.get("mappedValue"))
                break
        else:
            total += float(mapping.get("defaultValue", "0"))
    low, high = mapping.get("lowerBound"), mapping.get("upperBound")
    total = max(total, float(low)) if low is not None else total
    return min(total, float(high)) if high is not None else total


def _qti21_run(rules, state, item):
    for rule in rules:
        tag = etree.QName(rule).localname
        if tag == "setOutcomeValue":
            state[rule.get("identifier")] = _qti21_value(rule[0], state, item)
        elif tag == "responseCondition":
            for branch in rule:
                kind = etree.QName(branch).localname
                if kind == "responseElse" or _qti21_value(branch[0], state, item):
                    _qti21_run(branch[1:] if kind != "responseElse" else list(branch), state, item)
                    break
        else:
            raise AssertionError(f"unexpected QTI 2.1 rule <{tag}>")


def qti21_score(item, response):
    """(SCORE, {modalFeedback identifier: text shown}) for `response`: a set of choice ids, a str or None."""
    assert item.find(f"{QTI21}responseProcessing").get("template") is None  # the rules are written out
    if _declaration(item).get("baseType") == "float" and isinstance(response, str):
        response = float(response)
    elif isinstance(response, set):
        response = frozenset(response) if _declaration(item).get("cardinality") == "multiple" else next(iter(response))
    state = {"RESPONSE": response, "SCORE": 0.0, "FEEDBACK": frozenset()}
    _qti21_run(list(item.find(f"{QTI21}responseProcessing")), state, item)
    shown = {}
    for feedback in item.findall(f"{QTI21}modalFeedback"):
        present = feedback.get("identifier") in state["FEEDBACK"]
        if present == (feedback.get("showHide") == "show"):
            shown[feedback.get("identifier")] = " ".join("".join(feedback.itertext()).split())
    return state["SCORE"], shown
