/* torchquiz grading of typed answers on the HTML page. It holds no rules of its own: the
 * exporter (exports/html.py) hands it record/answers.py's patterns as torchquizRules and,
 * per question, the response forms Python accepts. What is left here is the few steps that
 * apply them, written as answers.py writes them. tests/test_grading_agreement.py runs one
 * table of responses through this code in Chromium, through Python's grader, and through
 * the Moodle export. */
var torchquizGrading = (function (rules) {
  "use strict";
  function charClass(chars) {  // the trim set holds \0, so every character is escaped as \uXXXX
    return "[" + chars.split("").map(function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    }).join("") + "]";
  }
  var TRIM = new RegExp("^" + charClass(rules.trim) + "+|" + charClass(rules.trim) + "+$", "g");
  var SHAPE = new RegExp("^(?:" + rules.shape + ")$");
  var NUMBER = new RegExp("^(?:" + rules.number + ")$");
  var EXPONENT = new RegExp(rules.exponent, "g");

  function trim(text) { return text.replace(TRIM, ""); }

  // answers.response_form: NFC, trimmed as Moodle trims, lower-cased.
  function responseForm(text) { return trim(text.normalize("NFC")).toLowerCase(); }

  // answers.parse_number: Moodle's reading, with any comma refused.
  function parseNumber(text) {
    text = trim(text);
    if (text.indexOf(",") >= 0) { return null; }
    text = text.replace(/ /g, "").replace(EXPONENT, "e$1");
    return NUMBER.test(text) ? Number(text) : null;
  }

  // true or false, or null when the page asks again (Python's Malformed).
  function gradeTyped(q, response) {
    if (trim(response) === "") { return null; }
    if (q.type === "numerical") {
      var value = parseNumber(response);
      if (value === null) { return null; }
      return Math.abs(value - q.answer.value) <= q.answer.tolerance + 1e-12;
    }
    var typed = responseForm(response);
    if (q.answer.forms.indexOf(typed) >= 0) { return true; }
    if (q.answer.shape && !SHAPE.test(typed)) { return null; }
    return false;
  }

  return {responseForm: responseForm, parseNumber: parseNumber, gradeTyped: gradeTyped};
})(torchquizRules);
