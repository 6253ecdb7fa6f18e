/* Practice mode: grade each answer at once, show the chosen option's feedback, keep a score,
 * and keep the first answers in localStorage, keyed by the set, so a reload loses nothing.
 * Every text shown was escaped at export time; this script only toggles and sets textContent.
 * Listeners are delegated from the document: one each, however many questions the page has. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("torchquiz-data").textContent);
  var grading = torchquizGrading;
  var setId = document.body.dataset.set;
  var storageKey = "torchquiz:" + setId;
  var pageStart = Date.now();
  var started = {};       // question index -> ms when it came into view (or was first touched)
  var helped = {};        // question index -> true once its hint or worked solution was opened
  var answers = load();   // question id -> the first graded answer: the one that counts
  var restoring = false;  // grading a saved answer again: show it, record nothing

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "{}");
      return saved && typeof saved.answers === "object" && saved.answers ? saved.answers : {};
    } catch (e) { return {}; }  // storage off (private mode, file:// policy) or unreadable: start afresh
  }

  var unkept = false;     // the browser refused storage: answers last only until the page closes
  function store() {
    try { window.localStorage.setItem(storageKey, JSON.stringify({ version: 1, answers: answers })); unkept = false; }
    catch (e) { unkept = true; }  // storage full or off: the page still works, only without memory, and says so
  }

  function questionOf(form) { return form.closest(".question"); }

  function updateScore() {
    var answered = 0, right = 0;
    Object.keys(answers).forEach(function (id) { answered++; if (answers[id].correct) { right++; } });
    var score = document.getElementById("score");
    score.textContent = "Score: " + right + " / " + data.length + " (" + answered + " answered)"
      + (unkept ? ". This browser keeps no answers: use Save my answers before you close the page" : "");
    score.dataset.right = right;
    score.dataset.answered = answered;
  }

  function responseOf(form) {
    var typed = form.querySelector("input.typed");
    if (typed) { return { response: typed.value, texts: null }; }
    var chosen = Array.prototype.filter.call(form.querySelectorAll("input.choice"), function (b) { return b.checked; });
    var letters = data[Number(form.dataset.q)].letters;  // a shuffled page saves the set's letters, not the shown ones
    return {
      response: chosen.map(function (b) { return letters ? letters[Number(b.value)] : form.querySelector('label[for="' + b.id + '"] .letter').textContent.replace(".", "").toUpperCase(); })
        .sort().join(","),
      texts: chosen.map(function (b) { return form.querySelector('label[for="' + b.id + '"] .text').textContent; }),
    };
  }

  function record(form, right) {
    var id = questionOf(form).dataset.id;
    if (restoring || id in answers) { return; }  // the first graded answer counts, later tries do not
    var index = Number(form.dataset.q), now = Date.now(), given = responseOf(form);
    answers[id] = { number: index + 1, response: given.response, texts: given.texts, correct: right,
                    hint_used: !!helped[index],
                    seconds: Math.round((now - (started[index] || pageStart)) / 100) / 10,
                    answered_at: new Date(now).toISOString() };
    store();
    updateScore();
  }

  function show(form, verdict, message) {
    var box = form.querySelector(".verdict");
    box.hidden = false;
    box.className = "verdict " + verdict;
    box.textContent = message;
    if (verdict === "right" || verdict === "wrong") {
      record(form, verdict === "right");
      questionOf(form).dataset.state = verdict;
    }
  }

  /* A verdict belongs to the answer it graded: once the answer changes, it goes. */
  function clearVerdict(form) {
    form.querySelector(".verdict").hidden = true;
    form.querySelectorAll(".option-feedback").forEach(function (p) { p.hidden = true; });
    form.querySelectorAll(".option").forEach(function (o) {
      o.classList.remove("chosen-right", "chosen-wrong"); o.querySelector("input").removeAttribute("aria-describedby"); });
    delete questionOf(form).dataset.state;
  }

  function clearAnswer(form) {
    clearVerdict(form);
    form.querySelectorAll("input.choice").forEach(function (b) { b.checked = false; });
    var typed = form.querySelector("input.typed");
    if (typed) { typed.value = ""; }
    delete started[Number(form.dataset.q)];
  }

  function gradeChoices(form, q) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input.choice"));
    var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) { return Number(b.value); });
    clearVerdict(form);
    if (!chosen.length) { show(form, "invalid", "Choose an option first."); return; }
    chosen.forEach(function (i) {
      var option = form.querySelector('.option[data-option="' + i + '"]');
      option.classList.add(q.correct.indexOf(i) >= 0 ? "chosen-right" : "chosen-wrong");
      var feedback = option.querySelector(".option-feedback");  // shown, and read out as the input's description
      feedback.hidden = false; option.querySelector("input").setAttribute("aria-describedby", feedback.id);
    });
    var right = chosen.length === q.correct.length && chosen.every(function (i) { return q.correct.indexOf(i) >= 0; });
    if (right) { show(form, "right", "✓ Right."); return; }
    var missed = q.type === "multiresponse" && chosen.every(function (i) { return q.correct.indexOf(i) >= 0; });
    show(form, "wrong", missed ? "✗ Not all of the right options are ticked." : "✗ Not right: see the feedback on your choice.");
  }

  // record/grading.py's words (SHAPE_HOW, NUMBER_HOW), handed over in torchquizRules
  function howToWrite(q, response) {
    if (q.type !== "numerical") { return torchquizRules.shapeHow; }
    return torchquizRules.numberHow.filter(function (pair) { return response.indexOf(pair[0]) >= 0; })[0][1];
  }

  function gradeTyped(form, q) {
    var response = form.querySelector("input.typed").value;
    var verdict = grading.gradeTyped(q, response);
    if (verdict === null) {  // asked again, as the terminal quiz asks again
      show(form, "invalid", !response.trim() ? "Type an answer first." : howToWrite(q, response) + " This try does not count.");
      return;
    }
    show(form, verdict ? "right" : "wrong", verdict ? "✓ Right." : "✗ Not right. The hint may help.");
  }

  function grade(form) {
    var q = data[Number(form.dataset.q)];
    if (q.type === "numerical" || q.type === "shortanswer") { gradeTyped(form, q); } else { gradeChoices(form, q); }
  }

  function formFor(event) { return event.target.closest && event.target.closest(".question-form"); }

  // Check, or Enter in an answer, grades it (a question is a div, not a form element: see quiz.html.j2).
  document.addEventListener("click", function (event) {
    var form = formFor(event);
    if (form && event.target.closest("button.check")) { grade(form); }
  });
  // A click or tap on an option grades at once. Arrow keys move through a radio group and
  // change the choice on the way, so keyboard users confirm with Enter or the Check button;
  // meanwhile the old verdict is cleared, never left beside an answer it did not grade.
  var lastInput = "key";  // what changed the choice: a "pointer" (click, tap) or a "key"
  document.addEventListener("keydown", function (event) {
    lastInput = "key";
    var form = event.key === "Enter" && !event.isComposing && event.target.tagName === "INPUT" && formFor(event);
    if (form) { event.preventDefault(); grade(form); }
  });
  document.addEventListener("pointerdown", function (event) {
    lastInput = "pointer";
    var form = formFor(event);
    if (!form) { return; }
    if (!started[Number(form.dataset.q)]) { started[Number(form.dataset.q)] = Date.now(); }
  });
  document.addEventListener("focusin", function (event) {
    var form = formFor(event);
    if (form && !started[Number(form.dataset.q)]) { started[Number(form.dataset.q)] = Date.now(); }
  });
  document.addEventListener("change", function (event) {
    var form = formFor(event);
    if (!form || !event.target.classList.contains("choice")) { return; }
    var q = data[Number(form.dataset.q)];
    if ((q.type === "multichoice" || q.type === "truefalse") && lastInput === "pointer") { grade(form); }
    else { clearVerdict(form); }
  });
  document.addEventListener("input", function (event) {
    var form = formFor(event);
    if (form && event.target.classList.contains("typed")) { clearVerdict(form); }
  });

  /* Try again: every question but those answered right is cleared, and counts afresh.
   * Reset: every answer on the page is cleared, here and in the browser's storage. */
  function forgetAll() {
    answers = {};
    document.querySelectorAll(".question[data-id]").forEach(function (item) {  // those on the page so far
      var form = item.querySelector(".question-form");
      if (form) { clearAnswer(form); }
    });
    store();
    updateScore();
  }
  /* Try again clears the forms of the questions not answered right, to answer them once more; the
   * score and the saved file keep the first answers (what an import calibrates on), so a retry
   * is practice that changes neither. */
  document.getElementById("try-again").addEventListener("click", function () {
    document.querySelectorAll(".question[data-id]").forEach(function (item) {
      var form = item.querySelector(".question-form");
      var first = answers[item.dataset.id];
      if (form && first && first.correct !== true) { clearAnswer(form); }
    });
  });
  document.getElementById("reset").addEventListener("click", function () {
    forgetAll();
    try { window.localStorage.removeItem(storageKey); } catch (e) { /* storage off */ }
  });

  /* Save my answers: the first answers as JSON in the torchquiz-practice format, version 1. */
  function savedAnswers() {
    var list = Object.keys(answers).map(function (id) {
      var answer = answers[id];
      return { id: id, response: answer.response, correct: answer.correct, seconds: answer.seconds,
               answered_at: answer.answered_at, hint_used: !!answer.hint_used, number: answer.number };
    }).sort(function (a, b) { return a.number - b.number; });
    list.forEach(function (entry) { delete entry.number; });
    return { format: "torchquiz-practice", version: 1, set: setId, saved_at: new Date().toISOString(), answers: list };
  }
  document.getElementById("save").addEventListener("click", function () {
    var blob = new Blob([JSON.stringify(savedAnswers(), null, 2) + "\n"], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "torchquiz-answers-" + setId + ".json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  });

  /* After a reload: put each saved answer back and show its verdict, without counting it again. */
  function restore(items) {
    restoring = true;
    Array.prototype.forEach.call(items, function (item) {
      var answer = answers[item.dataset.id];
      var form = answer && item.querySelector(".question-form");
      if (!form) { return; }
      var typed = form.querySelector("input.typed");
      if (typed) { typed.value = answer.response; }
      form.querySelectorAll("input.choice").forEach(function (box) {
        var text = form.querySelector('label[for="' + box.id + '"] .text').textContent;
        box.checked = (answer.texts || []).indexOf(text) >= 0;  // by text: right under any shuffle
      });
      grade(form);
    });
    restoring = false;
  }

  /* Opening the hint or the worked solution (which shows the answer) before answering is recorded with
   * the answer, as the terminal quiz records a hint: an import then knows the answer was helped. */
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.open || !(details.classList.contains("hint") || details.classList.contains("solution"))) { return; }
    var item = details.closest(".question[data-id]");
    var form = item && item.querySelector(".question-form");
    if (form) { helped[Number(form.dataset.q)] = true; }
  }, true);

  /* A question's time starts when half of it comes into view (a click on an option is the answer,
   * so timing from the first touch gave 0 s); without IntersectionObserver, at its first touch or focus. */
  var inView = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) { return; }
      var index = Number(entry.target.dataset.q);
      if (!started[index]) { started[index] = Date.now(); }
      inView.unobserve(entry.target);
    });
  }, { threshold: 0.5 }) : null;
  function watch(root) {
    if (!inView) { return; }
    Array.prototype.forEach.call(root.querySelectorAll(".question-form"), function (f) { inView.observe(f); });
  }
  watch(document);

  /* A long page's later questions arrive as HTML text, 20 at a time (see html.py): added when
   * the reader nears the end of what is there, while the browser is idle, before printing, and
   * up to the question a #qN link names. body[data-pending] counts the chunks still to come. */
  var deferredScript = document.getElementById("torchquiz-deferred");
  var chunks = deferredScript ? JSON.parse(deferredScript.textContent) : [];
  var list = document.querySelector("ol.questions");
  var nextChunk = 0;

  function addChunk() {
    if (nextChunk >= chunks.length) { return false; }
    var before = list.children.length;
    list.insertAdjacentHTML("beforeend", chunks[nextChunk]);
    chunks[nextChunk++] = null;
    var added = Array.prototype.slice.call(list.children, before);  // this chunk's questions only
    restore(added); added.forEach(watch);
    document.body.dataset.pending = chunks.length - nextChunk;
    if (nextChunk >= chunks.length) {  // the mark times the adding (benchmarks/practice_page.py)
      document.getElementById("more-questions").remove();
      if (window.performance && performance.mark) { performance.mark("torchquiz:all-in"); }
    }
    return true;
  }

  function addAll() { while (addChunk()) { /* every chunk */ } }

  function addUpTo(number) {
    while (!document.getElementById("q" + number) && addChunk()) { /* until it is there */ }
  }

  if (chunks.length) {
    document.body.dataset.pending = chunks.length;
    var more = document.getElementById("more-questions");
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) { addChunk(); addChunk(); }
      }, { rootMargin: "0px 0px 3000px 0px" }).observe(more);
    }
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 50); };
    var soon = { timeout: 200 };  // a busy page still gets its questions, one chunk at a time
    idle(function step(deadline) {  // as many chunks (~10 ms each) as the idle time allows: each frame costs more on a longer page
      var left = addChunk();
      while (left && deadline && !deadline.didTimeout && deadline.timeRemaining() > 20) { left = addChunk(); }
      if (left) { idle(step, soon); }
    }, soon);
    window.addEventListener("beforeprint", addAll);
    var jumpTo = function () {
      var match = /^#q(\d+)$/.exec(window.location.hash);
      if (match && !document.getElementById("q" + match[1])) {
        addUpTo(Number(match[1]));
        var target = document.getElementById("q" + match[1]);
        if (target) { target.scrollIntoView(); }
      }
    };
    window.addEventListener("hashchange", jumpTo);
    jumpTo();
  } else {
    document.body.dataset.pending = 0;
  }
  restore(document.querySelectorAll(".question[data-id]"));
  updateScore();
})();
