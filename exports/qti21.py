"""Question records to a QTI 2.1 content package (OpenOlat, ILIAS, Inspera, TAO).

The zip holds `imsmanifest.xml` (IMS CP 1.1), one `assessmentItem` per question
(`items/<id>.xml`) and `test.xml`, an `assessmentTest` with one section per category that
selects one item at random (`<selection select="1"/>`), so each attempt draws one variant.

Scoring is the body of the standard templates, written out: `match_correct` for single
choice, `map_response` for multiple response and typed text (a mapping of every accepted
spelling), and an absolute-tolerance `equal` for numbers. They are written out rather than
named by `template=` because each item also sets FEEDBACK after scoring: the chosen options
(or the misconception a typed answer matches), which shows the `modalFeedback` of each one.
`SOLUTION` is never set, so its `showHide="hide"` feedback, the worked solution, always shows.
"""
from decimal import ROUND_CEILING, Decimal

from torchquiz.exports.core import (category_title, correct_feedback_html, general_feedback_html, group_records,
                                    item_idents, misconception_answers, option_feedback_html, question_html,
                                    question_name, xml_text)
from torchquiz.exports.moodle import decimal_text, shortanswer_spellings
from torchquiz.record.moodle_grades import wrong_fraction
from torchquiz.exports.qti12 import package
from torchquiz.exports.templating import gc_paused
from torchquiz.exports.text import inline_html
from torchquiz.record.answers import parse_number
from torchquiz.record.validate import check_records

NS = ('xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
      'xsi:schemaLocation="http://www.imsglobal.org/xsd/imsqti_v2p1 '
      'http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"')
_PLACE = Decimal("0.0001")


def _set(outcome, expression):
    return f'<setOutcomeValue identifier="{outcome}">{expression}</setOutcomeValue>'


def _float(value):
    return f'<baseValue baseType="float">{value}</baseValue>'


def _identifier(value):
    return f'<baseValue baseType="identifier">{value}</baseValue>'


_RESPONSE, _NULL = '<variable identifier="RESPONSE"/>', '<isNull><variable identifier="RESPONSE"/></isNull>'
_MAPPED, _CORRECT = '<mapResponse identifier="RESPONSE"/>', '<correct identifier="RESPONSE"/>'
_ALL_CHOSEN = '<multiple><variable identifier="RESPONSE"/></multiple>'
_SCORED = '<gte><variable identifier="SCORE"/><baseValue baseType="float">1</baseValue></gte>'
# The body of map_response: nothing answered scores 0, otherwise the mapped sum (clamped by the mapping).
_MAP_RESPONSE = (f"<responseCondition><responseIf>{_NULL}{_set('SCORE', _float(0))}</responseIf>"
                 f"<responseElse>{_set('SCORE', _MAPPED)}</responseElse>"
                 "</responseCondition>")
# The body of match_correct: 1 for the correct response, else 0.
_MATCH_CORRECT = (f"<responseCondition><responseIf><match>{_RESPONSE}{_CORRECT}</match>"
                  f"{_set('SCORE', _float(1))}</responseIf>"
                  f"<responseElse>{_set('SCORE', _float(0))}</responseElse></responseCondition>")
# Every chosen option's identifier becomes a FEEDBACK value, showing that option's modalFeedback.
_CHOSEN_FEEDBACK = (f"<responseCondition><responseIf><not>{_NULL}</not>"
                    f"{_set('FEEDBACK', _ALL_CHOSEN)}"
                    "</responseIf></responseCondition>")


def multiresponse_weights(correct, wrong):
    """(mapped value of a right box, of a wrong box): the right boxes reach 1 (the upper bound),
    and the wrong boxes outweigh them by at least 0.0001 each, so ticking every box is below
    0 and clamps to exactly 0 (lowerBound), with no float residue as 3 x 0.3333 would leave.
    A wrong box costs what it costs in Moodle (moodle.wrong_fraction, from Moodle's grade list)
    whenever that is enough, so one answer gets one mark in both (3 wrong boxes: 0.4 each, not
    0.3335); otherwise (2 wrong boxes and 3 right) the smallest penalty that reaches 0 exactly."""
    right = (Decimal(1) / correct).quantize(_PLACE, rounding=ROUND_CEILING)
    if not wrong:
        return right, Decimal(0)
    penalty = (right * correct / wrong).quantize(_PLACE, rounding=ROUND_CEILING) + _PLACE
    return right, -max(penalty, -Decimal(wrong_fraction(wrong)) / 100)


def _choice(record, choice_ids):
    multiple = record["type"] == "multiresponse"
    options = record["options"]
    right = [c for c, o in zip(choice_ids, options) if o["correct"]]
    correct = "".join(f"<value>{c}</value>" for c in right)
    declaration = (f'<responseDeclaration identifier="RESPONSE" cardinality="{"multiple" if multiple else "single"}" '
                   f'baseType="identifier"><correctResponse>{correct}</correctResponse>')
    if multiple:
        plus, minus = multiresponse_weights(len(right), len(options) - len(right))
        entries = "".join(f'<mapEntry mapKey="{c}" mappedValue="{plus if c in right else minus}"/>' for c in choice_ids)
        declaration += f'<mapping lowerBound="0" upperBound="1" defaultValue="0">{entries}</mapping>'
    declaration += "</responseDeclaration>"
    choices = "".join(f'<simpleChoice identifier="{c}">{inline_html(o["text"])}</simpleChoice>'
                      for c, o in zip(choice_ids, options))
    return declaration, choices, (_MAP_RESPONSE if multiple else _MATCH_CORRECT) + _CHOSEN_FEEDBACK


def _show(feedback_id):
    return _set("FEEDBACK", f"<multiple>{_identifier(feedback_id)}</multiple>")


def _feedback_rule(test, feedback_id):
    return f"<responseElseIf>{test}{_show(feedback_id)}</responseElseIf>"


def _typed_feedback(scored, wrong_tests):
    """FEEDBACK = CORRECT when `scored` holds, else the first misconception whose test matches."""
    rules = "".join(_feedback_rule(test, f"M{n}") for n, test in enumerate(wrong_tests, start=1))
    return (f"<responseCondition><responseIf>{scored}{_show('CORRECT')}</responseIf>{rules}"
            "</responseCondition>")


def _numerical(record):
    answer = record["answer"]
    tolerance = decimal_text(answer.get("tolerance") or 0)

    def near(value):
        mode = 'toleranceMode="exact"' if tolerance == "0" else \
            f'toleranceMode="absolute" tolerance="{tolerance} {tolerance}"'
        return f"<equal {mode}>{_RESPONSE}{value}</equal>"

    declaration = ('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="float">'
                   f"<correctResponse><value>{decimal_text(answer['value'])}</value></correctResponse>"
                   "</responseDeclaration>")
    scoring = (f"<responseCondition><responseIf>{_NULL}{_set('SCORE', _float(0))}</responseIf>"
               f"<responseElseIf>{near(_CORRECT)}{_set('SCORE', _float(1))}"
               f"</responseElseIf><responseElse>{_set('SCORE', _float(0))}</responseElse></responseCondition>")
    wrong = [(entry, parse_number(entry["text"])) for entry in misconception_answers(record)]
    wrong = [(entry, value) for entry, value in wrong if value is not None]
    tests = [f"<and><not>{_NULL}</not>{near(_float(decimal_text(value)))}</and>" for _, value in wrong]
    return declaration, scoring + _typed_feedback(_SCORED, tests), [entry for entry, _ in wrong]


def _shortanswer(record):
    spellings = shortanswer_spellings(record["answer"])
    entries = "".join(f'<mapEntry mapKey="{xml_text(s)}" mappedValue="1" caseSensitive="false"/>' for s in spellings)
    declaration = ('<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="string">'
                   f"<correctResponse><value>{xml_text(spellings[0])}</value></correctResponse>"
                   f'<mapping lowerBound="0" upperBound="1" defaultValue="0">{entries}</mapping></responseDeclaration>')
    taken = {s.casefold() for s in spellings}
    wrong, tests = [], []
    for entry in misconception_answers(record):
        mine = [s for s in shortanswer_spellings({"text": entry["text"]}) if s.casefold() not in taken]
        if mine:
            taken.update(s.casefold() for s in mine)
            wrong.append(entry)
            tests.append("<or>" + "".join(f'<stringMatch caseSensitive="false">{_RESPONSE}<baseValue baseType='
                                          f'"string">{xml_text(s)}</baseValue></stringMatch>' for s in mine) + "</or>")
    return declaration, _MAP_RESPONSE + _typed_feedback(_SCORED, [f"<and><not>{_NULL}</not>{t}</and>" for t in tests]), wrong


def _modal(identifier, html, show="show"):
    return f'<modalFeedback outcomeIdentifier="FEEDBACK" identifier="{identifier}" showHide="{show}">{html}</modalFeedback>'


def qti21_item(record, item_id, shuffle=True):
    """One assessmentItem document (str)."""
    kind = record["type"]
    feedback = []
    if kind in ("multichoice", "multiresponse", "truefalse"):
        choice_ids = [f"C{i + 1}" for i in range(len(record["options"]))]
        declaration, choices, processing = _choice(record, choice_ids)
        max_choices = 0 if kind == "multiresponse" else 1
        shuffles = shuffle and kind != "truefalse"  # True stays above False (exports/order.py)
        interaction = (f'<choiceInteraction responseIdentifier="RESPONSE" shuffle="{"true" if shuffles else "false"}" '
                       f'maxChoices="{max_choices}">{choices}</choiceInteraction>')
        feedback = [_modal(c, html) for c, o in zip(choice_ids, record["options"]) if (html := option_feedback_html(o))]
    else:
        declaration, processing, wrong = (_numerical if kind == "numerical" else _shortanswer)(record)
        interaction = ('<p>Answer: <textEntryInteraction responseIdentifier="RESPONSE" expectedLength="24"/></p>')
        feedback = [_modal("CORRECT", correct_feedback_html(record))]
        feedback += [_modal(f"M{n}", html) for n, entry in enumerate(wrong, start=1)
                     if (html := option_feedback_html(entry))]
    feedback.append(_modal("SOLUTION", general_feedback_html(record), show="hide"))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<assessmentItem {NS} identifier="{item_id}" '
            f'title="{xml_text(question_name(record))}" adaptive="false" timeDependent="false">{declaration}'
            '<outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">'
            "<defaultValue><value>0</value></defaultValue></outcomeDeclaration>"
            '<outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">'
            "<defaultValue><value>1</value></defaultValue></outcomeDeclaration>"
            '<outcomeDeclaration identifier="FEEDBACK" cardinality="multiple" baseType="identifier"/>'
            f"<itemBody><div>{question_html(record)}</div>{interaction}</itemBody>"
            f"<responseProcessing>{processing}</responseProcessing>{''.join(feedback)}</assessmentItem>\n")


_TEST_SUM = '<sum><testVariables variableIdentifier="SCORE"/></sum>'


def _test(title, sections):
    body = "".join(
        f'<assessmentSection identifier="S{n:03d}" title="{xml_text(name)}" visible="true">'
        '<selection select="1"/>'
        + "".join(f'<assessmentItemRef identifier="{i}" href="items/{i}.xml"/>' for i in item_ids)
        + "</assessmentSection>" for n, (name, item_ids) in enumerate(sections, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<assessmentTest {NS} identifier="torchquiz_test" '
            f'title="{xml_text(title)}"><outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>'
            f'<testPart identifier="P1" navigationMode="nonlinear" submissionMode="individual">'
            # A test shows no modalFeedback unless it says so (showFeedback defaults to false).
            f'<itemSessionControl showFeedback="true"/>{body}</testPart>'
            f"<outcomeProcessing>{_set('SCORE', _TEST_SUM)}"
            "</outcomeProcessing></assessmentTest>\n")


def _manifest(item_ids):
    items = "".join(f'<resource identifier="{i}" type="imsqti_item_xmlv2p1" href="items/{i}.xml">'
                    f'<file href="items/{i}.xml"/></resource>' for i in item_ids)
    depends = "".join(f'<dependency identifierref="{i}"/>' for i in item_ids)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest identifier="torchquiz_package" '
            'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"><metadata><schema>QTIv2.1 Package</schema>'
            "<schemaversion>1.0.0</schemaversion></metadata><organizations/><resources>"
            '<resource identifier="torchquiz_test" type="imsqti_test_xmlv2p1" href="test.xml">'
            f'<file href="test.xml"/>{depends}</resource>{items}</resources></manifest>\n')


def to_qti21(records, category_by="template", title="torchquiz quiz", shuffle=True):
    """A QTI 2.1 package (zip bytes): every question as an item, and a test drawing one per category."""
    with gc_paused():
        records = check_records(records)
        idents = item_idents(records)
        files, sections = {}, []
        for members in group_records(records, category_by).values():
            sections.append((category_title(members, category_by), [idents[r["id"]] for r in members]))
            for record in members:
                files[f"items/{idents[record['id']]}.xml"] = qti21_item(record, idents[record["id"]], shuffle)
        return package({"imsmanifest.xml": _manifest(list(idents.values())), "test.xml": _test(title, sections),
                        **files})


def qti21_files(records, category_by="template", title="torchquiz quiz", shuffle=True):
    """The registry's entry point: one zip package."""
    return [to_qti21(records, category_by, title, shuffle)]
