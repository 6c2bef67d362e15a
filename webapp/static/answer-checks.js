// Live checks in the nurses' answer editor (/nurse/answers/...). While a nurse types, the form is
// sent to /nurse/answers/check, which runs the same checks as the Check button and
// `make check-content` (webapp/nurse.py: edit_problems) and stores nothing; its answer is shown
// in the page's aria-live region under the buttons: "All checks pass." or each problem with its
// fix. Without this script the Check button does the same. Plain script, no framework: the
// editor's Content-Security-Policy allows only this site's files, no inline script, no eval.
(function () {
  "use strict";

  var CHECK_URL = "/nurse/answers/check";
  var WAIT_MS = 700; // after the last key press
  var SIGNED_OUT =
    "You are no longer signed in, so the answer cannot be checked. Copy your text, sign in " +
    "again, then press Check.";
  var NOT_CHECKED = "The live check did not work just now. Press Check to check the answer.";

  var form = document.querySelector('form.editor[action="/nurse/answers/edit"]');
  var region = document.getElementById("live-checks");
  if (!form || !region || !window.fetch || !window.URLSearchParams || !window.FormData) {
    return; // the Check button still works
  }

  var timer = null;
  var sent = 0; // the latest check's number: older answers are dropped
  var inFlight = null; // its AbortController
  var shown = null; // what the region shows now, to say it again only when it changes

  function show(kind, summary, problems) {
    var key = JSON.stringify([kind, summary, problems]);
    if (key === shown) {
      return;
    }
    shown = key;
    var box = document.createElement("div");
    box.className = kind === "pass" ? "saved" : "problem";
    var line = document.createElement("p");
    line.textContent = summary;
    box.appendChild(line);
    if (problems.length) {
      var list = document.createElement("ul");
      list.className = "problems";
      problems.forEach(function (problem) {
        var item = document.createElement("li");
        item.textContent = problem;
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    region.textContent = "";
    region.appendChild(box);
    // The problems the page came with were those of the text as it was then.
    var earlier = document.getElementById("problems");
    if (earlier) {
      earlier.hidden = true;
    }
  }

  function check() {
    timer = null;
    var number = ++sent;
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = window.AbortController ? new AbortController() : null;
    fetch(CHECK_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: new URLSearchParams(new FormData(form)),
      signal: inFlight ? inFlight.signal : undefined,
    })
      .then(function (reply) {
        if (reply.status === 401) {
          throw { plain: SIGNED_OUT };
        }
        return reply.json().then(
          function (result) {
            if (!reply.ok || !result || !Array.isArray(result.problems)) {
              throw { plain: (result && result.error) || NOT_CHECKED };
            }
            return result;
          },
          function () {
            throw { plain: NOT_CHECKED };
          },
        );
      })
      .then(function (result) {
        if (number === sent) {
          show(result.problems.length ? "problems" : "pass", result.summary, result.problems);
        }
      })
      .catch(function (error) {
        if (number === sent && !(error && error.name === "AbortError")) {
          show("error", (error && error.plain) || NOT_CHECKED, []); // offline, or the server down
        }
      });
  }

  function later() {
    if (timer !== null) {
      clearTimeout(timer);
    }
    timer = setTimeout(check, WAIT_MS);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
