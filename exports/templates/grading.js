/* torchquiz grading rules: a line-by-line port of generator/answers.py (parse_shape,
 * parse_number, matches_shortanswer, matches_numerical), so the page grades typed answers
 * exactly as the engine does. tests/test_html.py runs both on the same inputs in Chromium. */
var torchquizGrading = (function () {
  "use strict";
  // Python's str.isspace() set, so strip()/split() behave as in Python (JS \s differs).
  var WS = "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var SIZE = new RegExp("^[" + WS + "]*torch\\.Size\\([" + WS + "]*\\[([^\\[\\]]*)\\][" + WS + "]*\\)[" + WS + "]*$");
  var BRACKETED = new RegExp("^[" + WS + "]*[\\(\\[]([^\\(\\)\\[\\]]*)[\\)\\]][" + WS + "]*$");
  var INT = /^[+-]?[0-9]+$/;
  var LEADING = new RegExp("^[" + WS + "]+");
  var TRAILING = new RegExp("[" + WS + "]+$");
  var RUNS = new RegExp("[" + WS + "]+");
  // Python float() syntax for finite decimals: digits with single underscores, optional
  // fraction and exponent; inf and nan are refused later anyway, as parse_number does.
  var DIGITS = "[0-9](?:_?[0-9])*";
  var FLOAT = new RegExp("^[+-]?(?:" + DIGITS + "(?:\\.(?:" + DIGITS + ")?)?|\\.(?:" + DIGITS + "))(?:[eE][+-]?" + DIGITS + ")?$");

  function strip(text) { return text.replace(LEADING, "").replace(TRAILING, ""); }

  function ints(body) {
    var parts = body.split(",").map(strip);
    if (parts.length && parts[parts.length - 1] === "") { parts.pop(); }  // (4,)
    for (var i = 0; i < parts.length; i++) { if (!INT.test(parts[i])) { return null; } }
    // BigInt keeps Python's exact integers (no 2**53 rounding); compare as decimal strings.
    return parts.map(function (p) { return BigInt(p).toString(); });
  }

  function parseShape(text) {
    if (typeof text !== "string") { return null; }
    var match = SIZE.exec(text) || BRACKETED.exec(text);
    if (match) { return strip(match[1]) === "" ? [] : ints(match[1]); }
    if (text.indexOf(",") >= 0) { return ints(text); }
    return null;
  }

  function sameShape(a, b) {
    if (a === null || b === null || a.length !== b.length) { return false; }
    for (var i = 0; i < a.length; i++) { if (a[i] !== b[i]) { return false; } }
    return true;
  }

  function parseNumber(text) {
    text = strip(text);
    var percent = text.slice(-1) === "%";
    if (percent) { text = strip(text.slice(0, -1)); }
    if (!FLOAT.test(text)) { return null; }
    var value = Number(text.replace(/_/g, ""));
    if (!isFinite(value)) { return null; }
    return percent ? value / 100 : value;
  }

  // casefold() approximated by upper- then lower-casing (ß -> ss, as casefold does).
  function normaliseText(text) {
    return strip(text).split(RUNS).filter(function (w) { return w !== ""; }).join(" ").toUpperCase().toLowerCase();
  }

  function matchesShortanswer(response, answer) {
    var candidates = [answer.text].concat(answer.accepted || []);
    var typed = parseShape(response);
    if (typed !== null) {
      return candidates.some(function (c) { return sameShape(parseShape(c), typed); });
    }
    return candidates.some(function (c) { return normaliseText(response) === normaliseText(c); });
  }

  function matchesNumerical(response, answer) {
    var value = parseNumber(response);
    if (value === null) { return null; }
    var tolerance = answer.tolerance || 0.0;
    return Math.abs(value - Number(answer.value)) <= tolerance + 1e-12;
  }

  return {parseShape: parseShape, parseNumber: parseNumber, normaliseText: normaliseText,
          matchesShortanswer: matchesShortanswer, matchesNumerical: matchesNumerical};
})();
