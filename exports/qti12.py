"""Question records to a QTI 1.2 content package, Canvas flavour (Canvas Classic Quizzes).

The zip holds `imsmanifest.xml` (IMS CP 1.1), one question bank per category as a QTI
`objectbank` (`banks/<id>.xml`) and one quiz, an `assessment` whose sections each draw one
question from a bank (`sourcebank_ref`, `selection_number` 1), with Canvas's quiz settings
beside it. Canvas's rules, from text2qti's and R/exams' issue trackers, and where they are obeyed:
- Canvas fails silently on an invalid package: every XML file is schema-valid (tests/test_qti12.py).
- Without a `title` on each item Canvas shows "Question 1": every item has its question name.
- Canvas reads `question_type`, `points_possible` and `original_answer_ids` from item metadata;
  a fill-in-the-blank also needs `cc_profile` (cc.fib.v0p1), or it imports as an essay.
- Canvas zeroes a typed number below 1e-4 in absolute value, so a numerical key that small
  becomes a fill-in-the-blank of its spellings (`_numerical_item`).
- Canvas keeps only right answers for typed questions: a wrong answer with feedback would
  import as one more right answer, so misconception answers of typed questions are left out.
"""
import zipfile
from decimal import Decimal
from io import BytesIO

from torchquiz.exports.core import (category_description, category_title, correct_feedback_html,
                                    general_feedback_html, group_records, item_idents, option_feedback_html,
                                    question_html, question_name, xml_text)
from torchquiz.exports.moodle import decimal_text, shortanswer_spellings
from torchquiz.exports.templating import gc_paused
from torchquiz.exports.text import inline_html
from torchquiz.record.validate import check_records

QTI_NS = ('xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
          'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
          'xsi:schemaLocation="http://www.imsglobal.org/xsd/ims_qtiasiv1p2 '
          'http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"')
CANVAS_SMALLEST = 1e-4
_CANVAS_TYPE = {"multichoice": "multiple_choice_question", "multiresponse": "multiple_answers_question",
                "truefalse": "true_false_question", "numerical": "numerical_question",
                "shortanswer": "short_answer_question"}
_CC_PROFILE = {"multichoice": "cc.multiple_choice.v0p1", "multiresponse": "cc.multiple_response.v0p1",
               "truefalse": "cc.true_false.v0p1", "shortanswer": "cc.fib.v0p1"}


def _mattext(html):
    return f'<material><mattext texttype="text/html">{xml_text(html)}</mattext></material>'


def _feedback(ident_, html):
    return f'<itemfeedback ident="{ident_}"><flow_mat>{_mattext(html)}</flow_mat></itemfeedback>'


def _condition(test, score=None, feedback=None, go_on=False):
    """One respcondition: `test` (conditionvar content), SCORE set to `score`, feedback shown."""
    setvar = f'<setvar action="Set" varname="SCORE">{score}</setvar>' if score is not None else ""
    show = f'<displayfeedback feedbacktype="Response" linkrefid="{feedback}"/>' if feedback else ""
    return (f'<respcondition continue="{"Yes" if go_on else "No"}"><conditionvar>{test}</conditionvar>'
            f"{setvar}{show}</respcondition>")


def _option_html(option):
    return f"<p>{inline_html(option['text'])}</p>"


def _choice_item(record):
    """Multiple choice, true/false, multiple answers: per-answer feedback, then the scoring rule."""
    answer_ids = [f"{i + 1}" for i in range(len(record["options"]))]
    multiple = record["type"] == "multiresponse"
    labels = "".join(f'<response_label ident="{a}">{_mattext(_option_html(o))}</response_label>'
                     for a, o in zip(answer_ids, record["options"]))
    presentation = (f'<response_lid ident="response1" rcardinality="{"Multiple" if multiple else "Single"}">'
                    f"<render_choice>{labels}</render_choice></response_lid>")
    rules = [_condition("<other/>", feedback="general_fb", go_on=True)]
    feedbacks = []
    for a, option in zip(answer_ids, record["options"]):
        html = option_feedback_html(option)
        if html:
            rules.append(_condition(f'<varequal respident="response1">{a}</varequal>', feedback=f"{a}_fb", go_on=True))
            feedbacks.append(_feedback(f"{a}_fb", html))
    right = [a for a, o in zip(answer_ids, record["options"]) if o["correct"]]
    if multiple:  # full marks for exactly the right boxes; any other set (all boxes included) scores 0
        test = "<and>" + "".join(f'<varequal respident="response1">{a}</varequal>' if a in right else
                                 f'<not><varequal respident="response1">{a}</varequal></not>'
                                 for a in answer_ids) + "</and>"
    else:
        test = f'<varequal respident="response1">{right[0]}</varequal>'
    rules.append(_condition(test, score=100, feedback="correct_fb"))
    return answer_ids, presentation, rules, feedbacks


def _fib_item(record, spellings):
    """Fill in the blank (Canvas's short answer): any of `spellings` scores full marks."""
    presentation = ('<response_str ident="response1" rcardinality="Single"><render_fib>'
                    '<response_label ident="answer1" rshuffle="No"/></render_fib></response_str>')
    test = "".join(f'<varequal respident="response1">{xml_text(s)}</varequal>' for s in spellings)
    rules = [_condition("<other/>", feedback="general_fb", go_on=True),
             _condition(f"<or>{test}</or>", score=100, feedback="correct_fb")]
    return [f"{i + 1}" for i in range(len(spellings))], presentation, rules, []


def canvas_numerical(answer):
    """Whether Canvas can grade this key as a number: typed numbers below 1e-4 become 0 in
    Canvas, so the key itself must not be that small unless 0 is within its tolerance."""
    value, tolerance = abs(float(answer["value"])), float(answer.get("tolerance") or 0)
    return value == 0 or value >= CANVAS_SMALLEST or value <= tolerance


def _numerical_item(record):
    answer = record["answer"]
    if not canvas_numerical(answer):
        return "short_answer_question", _fib_item(record, list(dict.fromkeys(
            [answer["text"], decimal_text(answer["value"])])))
    # The margin's ends in decimal arithmetic: 0.804 - 0.0005 is 0.8035, not 0.8035000000000001.
    value, tolerance = Decimal(decimal_text(answer["value"])), Decimal(decimal_text(answer.get("tolerance") or 0))
    presentation = ('<response_str ident="response1" rcardinality="Single"><render_fib fibtype="Decimal">'
                    '<response_label ident="answer1"/></render_fib></response_str>')
    # Canvas's "exact answer with margin": the exact value, or anything within the margin.
    test = (f'<or><varequal respident="response1">{decimal_text(value)}</varequal><and>'
            f'<vargte respident="response1">{decimal_text(value - tolerance)}</vargte>'
            f'<varlte respident="response1">{decimal_text(value + tolerance)}</varlte></and></or>')
    rules = [_condition("<other/>", feedback="general_fb", go_on=True),
             _condition(test, score=100, feedback="correct_fb")]
    return "numerical_question", (["1"], presentation, rules, [])


def qti12_item(record, item_id):
    """One `<item>` with Canvas's metadata, its presentation, response processing and feedback."""
    kind = record["type"]
    canvas_type = _CANVAS_TYPE[kind]
    if kind == "numerical":
        canvas_type, parts = _numerical_item(record)
    elif kind == "shortanswer":
        parts = _fib_item(record, shortanswer_spellings(record["answer"]))
    else:
        parts = _choice_item(record)
    answer_ids, presentation, rules, feedbacks = parts
    profile = _CC_PROFILE.get("shortanswer" if canvas_type == "short_answer_question" else kind)
    fields = [("question_type", canvas_type), ("points_possible", "1"),
              ("original_answer_ids", ",".join(answer_ids)),
              ("assessment_question_identifierref", f"R{item_id}")]
    if profile:
        fields.append(("cc_profile", profile))
    metadata = "".join(f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{xml_text(v)}</fieldentry>"
                       "</qtimetadatafield>" for k, v in fields)
    feedbacks = [_feedback("general_fb", general_feedback_html(record)),
                 _feedback("correct_fb", correct_feedback_html(record)), *feedbacks]
    return (f'<item ident="{item_id}" title="{xml_text(question_name(record))}">'
            f"<itemmetadata><qtimetadata>{metadata}</qtimetadata></itemmetadata>"
            f"<presentation>{_mattext(question_html(record))}{presentation}</presentation>"
            '<resprocessing><outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>'
            f'</outcomes>{"".join(rules)}</resprocessing>{"".join(feedbacks)}</item>')


def _bank(bank_id, title, description, members, idents):
    meta = "".join(f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{xml_text(v)}</fieldentry>"
                   "</qtimetadatafield>" for k, v in (("bank_title", title), ("bank_description", description)))
    items = "".join(qti12_item(r, idents[r["id"]]) for r in members)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop {QTI_NS}>'
            f'<objectbank ident="{bank_id}"><qtimetadata>{meta}</qtimetadata>{items}</objectbank></questestinterop>\n')


def _assessment(quiz_id, title, banks):
    sections = "".join(
        f'<section ident="S_{bank_id}" title="{xml_text(bank_title)}"><selection_ordering><selection>'
        f"<sourcebank_ref>{bank_id}</sourcebank_ref><selection_number>1</selection_number>"
        "<selection_extension><points_per_item>1</points_per_item></selection_extension>"
        "</selection></selection_ordering></section>" for bank_id, bank_title in banks)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<questestinterop {QTI_NS}>'
            f'<assessment ident="{quiz_id}" title="{xml_text(title)}"><qtimetadata><qtimetadatafield>'
            "<fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>"
            f'<section ident="root_section">{sections}</section></assessment></questestinterop>\n')


def _assessment_meta(quiz_id, title, count, shuffle):
    """Canvas's quiz settings (its own cccv1p0 namespace): a practice quiz, so no assignment is needed."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz identifier="{quiz_id}" '
            'xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
            f"<title>{xml_text(title)}</title><description>{xml_text(f'<p>{count} questions, one per bank.</p>')}"
            f"</description><shuffle_answers>{'true' if shuffle else 'false'}</shuffle_answers>"
            "<scoring_policy>keep_highest</scoring_policy><quiz_type>practice_quiz</quiz_type>"
            f"<points_possible>{count}</points_possible><show_correct_answers>true</show_correct_answers>"
            "<allowed_attempts>1</allowed_attempts><available>false</available></quiz>\n")


def _manifest(quiz_id, bank_ids):
    banks = "".join(f'<resource identifier="{b}" type="imsqti_xmlv1p2/imscc_xmlv1p1/question-bank" '
                    f'href="banks/{b}.xml"><file href="banks/{b}.xml"/></resource>' for b in bank_ids)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="M_{quiz_id}" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">'
            "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata><organizations/>"
            f'<resources><resource identifier="{quiz_id}" type="imsqti_xmlv1p2" href="{quiz_id}/{quiz_id}.xml">'
            f'<file href="{quiz_id}/{quiz_id}.xml"/><dependency identifierref="{quiz_id}_meta"/>'
            + "".join(f'<dependency identifierref="{b}"/>' for b in bank_ids) + "</resource>"
            f'<resource identifier="{quiz_id}_meta" type="associatedcontent/imscc_xmlv1p1/learning-application-resource" '
            f'href="{quiz_id}/assessment_meta.xml"><file href="{quiz_id}/assessment_meta.xml"/></resource>'
            f"{banks}</resources></manifest>\n")


def package(files):
    """A zip (bytes) of {name: text}, the manifest first as IMS CP expects; compressed quickly,
    since the zip is written once and XML shrinks well even at level 1."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def to_qti12(records, category_by="template", title="torchquiz quiz", shuffle=True):
    """A Canvas QTI 1.2 package (zip bytes): one bank per category and a quiz drawing one from each."""
    with gc_paused():
        records = check_records(records)
        quiz_id = "torchquiz_quiz"
        files, banks, idents = {}, [], item_idents(records)
        for number, members in enumerate(group_records(records, category_by).values(), start=1):
            bank_id = f"B{number:03d}"
            bank_title = category_title(members, category_by)
            banks.append((bank_id, bank_title))
            files[f"banks/{bank_id}.xml"] = _bank(bank_id, bank_title,
                                                  category_description(members, category_by), members, idents)
        files = {"imsmanifest.xml": _manifest(quiz_id, [b for b, _ in banks]),
                 f"{quiz_id}/{quiz_id}.xml": _assessment(quiz_id, title, banks),
                 f"{quiz_id}/assessment_meta.xml": _assessment_meta(quiz_id, title, len(banks), shuffle), **files}
        return package(files)


def qti12_files(records, category_by="template", title="torchquiz quiz", shuffle=True):
    """The registry's entry point: one zip package."""
    return [to_qti12(records, category_by, title, shuffle)]
