/* Practice mode: grade each answer at once, show the chosen option's feedback, keep a score.
 * Every text shown was escaped at export time; this script only toggles and sets textContent. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("torchquiz-data").textContent);
  var grading = torchquizGrading;
  var firstTry = {};  // question index -> true/false: the first graded answer counts

  function updateScore() {
    var answered = 0, right = 0;
    Object.keys(firstTry).forEach(function (k) { answered++; if (firstTry[k]) { right++; } });
    var score = document.getElementById("score");
    score.textContent = "Score: " + right + " / " + data.length + " (" + answered + " answered)";
    score.dataset.right = right;
    score.dataset.answered = answered;
  }

  function show(form, verdict, message) {
    var box = form.querySelector(".verdict");
    box.hidden = false;
    box.className = "verdict " + verdict;
    box.textContent = message;
    if (verdict === "right" || verdict === "wrong") {
      var index = form.dataset.q;
      if (!(index in firstTry)) { firstTry[index] = verdict === "right"; updateScore(); }
      form.closest(".question").dataset.state = verdict;
    }
  }

  function gradeChoices(form, q) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input.choice"));
    var chosen = boxes.filter(function (b) { return b.checked; }).map(function (b) { return Number(b.value); });
    form.querySelectorAll(".option-feedback").forEach(function (p) { p.hidden = true; });
    form.querySelectorAll(".option").forEach(function (o) { o.classList.remove("chosen-right", "chosen-wrong"); });
    if (!chosen.length) { show(form, "invalid", "Choose an option first."); return; }
    chosen.forEach(function (i) {
      var option = form.querySelector('.option[data-option="' + i + '"]');
      option.classList.add(q.correct.indexOf(i) >= 0 ? "chosen-right" : "chosen-wrong");
      option.querySelector(".option-feedback").hidden = false;
    });
    var right = chosen.length === q.correct.length && chosen.every(function (i) { return q.correct.indexOf(i) >= 0; });
    if (right) { show(form, "right", "✓ Right."); return; }
    var missed = q.type === "multiresponse" && chosen.every(function (i) { return q.correct.indexOf(i) >= 0; });
    show(form, "wrong", missed ? "✗ Not all of the right options are ticked." : "✗ Not right: see the feedback on your choice.");
  }

  function gradeTyped(form, q) {
    var response = form.querySelector("input.typed").value;
    var verdict = grading.gradeTyped(q, response);
    if (verdict === null) {  // asked again, as the terminal quiz asks again
      show(form, "invalid", !response.trim() ? "Type an answer first." : q.type === "numerical"
        ? "Type a number such as 0.91 (a point, not a comma; not 91%); this try does not count."
        : "Write the shape like (4, 7, 6) or [4,7,6]: one space or none after each comma, no other spaces, and (4,) for one dimension. This try does not count.");
      return;
    }
    show(form, verdict ? "right" : "wrong", verdict ? "✓ Right." : "✗ Not right. The hint may help.");
  }

  document.querySelectorAll("form.question-form").forEach(function (form) {
    var q = data[Number(form.dataset.q)];
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (q.type === "numerical" || q.type === "shortanswer") { gradeTyped(form, q); } else { gradeChoices(form, q); }
    });
    if (q.type === "multichoice" || q.type === "truefalse") {
      // A click or tap grades at once. Arrow keys move through a radio group and change
      // the choice on the way, so keyboard users confirm with Enter or the Check button.
      var pointerAt = 0;
      form.addEventListener("pointerdown", function () { pointerAt = Date.now(); });
      form.querySelectorAll("input.choice").forEach(function (input) {
        input.addEventListener("change", function () {
          if (Date.now() - pointerAt < 2000) { gradeChoices(form, q); }
        });
      });
    }
  });
  updateScore();
})();
