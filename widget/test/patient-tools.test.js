// Unit tests for the pure part of the patient's own tools: the conversation as a text file,
// and reading the web server's answers to a call-back request and to a deletion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RATING_PAYLOADS, displayReplies, messageHtml, welcomeHtml } from "../src/rasa-replies.js";
import {
  TRANSCRIPT_LAST_LINE,
  callbackRequestBody,
  htmlToText,
  readCallbackReply,
  readForgetReply,
  transcriptFileName,
  transcriptText,
  webUrlFrom,
} from "../src/patient-tools.js";

test("a message's HTML becomes the words the patient read, without buttons or drawings", () => {
  const [answer] = displayReplies([
    { text: "It may hurt a little & be <odd>.\nSource: What Is a Ductogram? — Risks", buttons: [{ title: "More", payload: "more" }] },
  ]).messages;
  assert.equal(htmlToText(answer.html), "It may hurt a little & be <odd>.\nSource: What Is a Ductogram? — Risks");
  assert.equal(htmlToText("<ul><li>one</li><li>two</li></ul>a<br>b&#39;s &#x263A; &nbsp;&unknown;"), "- one\n- two\na\nb's ☺ &unknown;");
  assert.equal(htmlToText('<script>alert("x")</script><style>p{}</style><p>kept</p>'), "kept");
  assert.equal(htmlToText(""), "");
  assert.equal(htmlToText(undefined), "");
  // An escaped tag typed by the patient comes back as the text typed, not as a tag removed.
  assert.equal(htmlToText(messageHtml("<img src=x onerror=alert(1)>")), "<img src=x onerror=alert(1)>");
});

test("the file is named after the patient's own date", () => {
  assert.equal(transcriptFileName(new Date(2026, 0, 5, 23, 59)), "conversation-2026-01-05.txt");
  assert.equal(transcriptFileName(new Date(2026, 11, 31, 0, 1)), "conversation-2026-12-31.txt");
});

test("the transcript has a header, You:/Assistant: lines, the advice shown and the disclaimer last", () => {
  const welcome = welcomeHtml(
    { text: "Hi! General facts, not a diagnosis.", buttons: [{ title: "What is a ductogram?", payload: "x" }] },
    { text: "We keep this conversation for 90 days.", link_text: "How we use your data", url: "/privacy" },
    "https://a.example"
  );
  const [answer] = displayReplies([{ text: "Usually not.\nSource: A — B" }]).messages;
  const text = transcriptText({
    clinicName: "Example Breast Clinic",
    date: new Date(2026, 11, 1, 10, 0),
    welcomeHtml: welcome,
    messages: [
      { role: "user", text: "Will it hurt?\nA lot?" },
      { role: "ai", html: answer.html },
      { role: "ai", html: "" },
      null,
      { role: "user", text: "<b>thanks</b>" },
    ],
    triage: { level: "urgent", headline: "Please see your doctor soon.", why: ["Blood in the fluid."], next_step: "Call your doctor." },
  });
  assert.equal(
    text,
    [
      "Conversation with the breast health assistant",
      "Clinic: Example Breast Clinic",
      "Date: 2026-12-01",
      "",
      "Assistant: Hi! General facts, not a diagnosis.",
      "  We keep this conversation for 90 days. How we use your data",
      "",
      "You: Will it hurt?",
      "  A lot?",
      "",
      "Assistant: Usually not.",
      "  Source: A — B",
      "",
      "You: <b>thanks</b>",
      "",
      "Advice shown: Please see your doctor soon.",
      "  Why:",
      "  - Blood in the fluid.",
      "  Call your doctor.",
      "",
      TRANSCRIPT_LAST_LINE,
      "",
    ].join("\n")
  );
  assert.equal(TRANSCRIPT_LAST_LINE, "General information, not a diagnosis.");
  // Nothing kept yet: still a header and the last line.
  const empty = transcriptText({ clinicName: "C", date: new Date(2026, 0, 1), messages: "junk" }).trim().split("\n");
  assert.deepEqual(empty, ["Conversation with the breast health assistant", "Clinic: C", "Date: 2026-01-01", "", TRANSCRIPT_LAST_LINE]);
});

test("the call-back request's body is the contract's, trimmed, with consent only when ticked", () => {
  assert.deepEqual(callbackRequestBody("web-1", { firstName: " Ann ", phone: "+1 555 010 0199 ", goodTime: "mornings", consent: true }), {
    conversation: "web-1",
    first_name: "Ann",
    phone: "+1 555 010 0199",
    good_time: "mornings",
    consent: true,
  });
  assert.equal(callbackRequestBody("web-1", { consent: "on" }).consent, false);
  assert.equal(callbackRequestBody("web-1", {}).first_name, "");
});

test("a call-back reply: 200 gives the confirmation; 400 gives each field's problem; others say it was not sent", () => {
  assert.deepEqual(readCallbackReply(200, { text: "We call you tomorrow.", request_id: 12, merged: false }), {
    ok: true,
    text: "We call you tomorrow.",
  });
  assert.deepEqual(
    readCallbackReply(400, {
      message: "Please check the form: nothing was sent.",
      problems: { phone: "Please give a number.", consent: "Please tick the box, or call 555.", first_name: 3, extra: "Something else.", good_time: "" },
    }),
    {
      ok: false,
      message: "Please check the form: nothing was sent.",
      fromServer: true,
      problems: { phone: "Please give a number.", consent: "Please tick the box, or call 555." },
      others: ["Something else."],
    }
  );
  // 403/503: the server's own words (what to do instead), and no field marked.
  assert.deepEqual(readCallbackReply(503, { message: "Sorry, please call the clinic on 555.", problems: { phone: "x" } }), {
    ok: false,
    message: "Sorry, please call the clinic on 555.",
    fromServer: true,
    problems: {},
    others: [],
  });
  for (const [status, body] of [
    [500, "Internal"],
    [0, null],
    [200, {}],
    [200, { message: "ok?" }],
    [400, null],
    [400, { problems: "x" }],
  ]) {
    const result = readCallbackReply(status, body);
    assert.equal(result.ok, false);
    assert.equal(result.message, "Sorry, your request could not be sent.", `${status}`);
    assert.equal(result.fromServer, false);
    assert.deepEqual(result.problems, {});
  }
});

test("a deletion is done only on 200; the server's words are shown when it gives them", () => {
  assert.deepEqual(readForgetReply(200, { deleted_events: 14, deleted_callbacks: 1, text: "Your conversation is deleted. Thank you." }), {
    ok: true,
    text: "Your conversation is deleted. Thank you.",
  });
  assert.deepEqual(readForgetReply(200, null), { ok: true, text: "Your conversation is deleted." });
  assert.deepEqual(readForgetReply(400, { message: "That is not a conversation id.", text: "x" }), {
    ok: false,
    message: "That is not a conversation id.",
  });
  assert.deepEqual(readForgetReply(503, { message: "Sorry, not just now." }), { ok: false, message: "Sorry, not just now." });
  assert.deepEqual(readForgetReply(500, "boom"), { ok: false, message: "" });
  assert.deepEqual(readForgetReply(0, null), { ok: false, message: "" });
});

test("the web server's address comes from data-web-url, else from the script's folder", () => {
  assert.equal(webUrlFrom("", "https://assistant.example.org/assistant-widget.js", "https://clinic.example"), "https://assistant.example.org");
  assert.equal(webUrlFrom(undefined, "https://a.example/chat/assistant-widget.js?v=2", "x"), "https://a.example/chat");
  assert.equal(webUrlFrom("https://web.example/", "https://a.example/w.js", "x"), "https://web.example");
  assert.equal(webUrlFrom("", "", "http://127.0.0.1:8080"), "http://127.0.0.1:8080");
  assert.equal(webUrlFrom("", "not a url", "http://page.example"), "http://page.example");
});

test("rating payloads are unchanged", () => {
  assert.deepEqual(RATING_PAYLOADS, { helpful: "/feedback_helpful", not_helpful: "/feedback_not_helpful" });
});
