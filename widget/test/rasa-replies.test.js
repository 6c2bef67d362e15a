// Unit tests for the pure part of the widget: how Rasa's replies become what the chat shows.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buttonsHtml,
  displayReplies,
  escapeHtml,
  privacyHtml,
  triageBannerHtml,
  welcomeHtml,
  widgetRequests,
} from "../src/rasa-replies.js";

test("escapes everything that could be read as HTML", () => {
  assert.equal(escapeHtml(`<img src=x onerror="alert('1')">&`), "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;");
});

test("an answer becomes paragraphs with its source line marked, and thumbs to rate it", () => {
  const { messages, triage } = displayReplies([{ text: "First line.\nSource: What Is a Ductogram? — Risks" }]);
  assert.equal(triage, null);
  assert.equal(messages.length, 1);
  assert.ok(
    messages[0].html.startsWith(
      '<div class="bot-message"><p>First line.</p><p class="source">Source: What Is a Ductogram? — Risks</p><div class="feedback"'
    )
  );
  assert.match(messages[0].html, /data-rating="helpful" aria-label="Yes, this answer helped"[^>]*><svg /);
  assert.match(messages[0].html, /data-rating="not_helpful" aria-label="No, this answer did not help"[^>]*><svg /);
});

test("the thumbs are drawn icons hidden from screen readers, not emoji", () => {
  const { messages } = displayReplies([{ text: "A.\nSource: A — B" }]);
  const svgs = messages[0].html.match(/<svg [^>]*>/g);
  assert.equal(svgs.length, 2);
  for (const svg of svgs) {
    assert.match(svg, /aria-hidden="true"/);
    assert.match(svg, /fill="currentColor"/);
  }
  assert.match(messages[0].html, /<path d="M/);
  assert.doesNotMatch(messages[0].html, /\p{Extended_Pictographic}/u);
});

test("only the last cited answer in a batch gets thumbs; other messages never do", () => {
  const { messages } = displayReplies([
    { text: "Please see your doctor soon." },
    { text: "One.\nSource: A — B" },
    { text: "Two.\nSource: A — C" },
    { text: "What colour is the fluid?", buttons: [{ title: "Milky", payload: "It is milky" }] },
  ]);
  assert.deepEqual(messages.map((m) => m.html.includes('class="feedback"')), [false, false, true, false]);
});

test("buttons send their payload and show their title, both escaped", () => {
  const html = buttonsHtml([{ title: "<b>Yes</b>", payload: 'It is "yes"' }]);
  assert.equal(
    html,
    '<div class="quick-replies" role="group" aria-label="Suggested replies">' +
      '<button type="button" class="quick-reply" data-payload="It is &quot;yes&quot;">&lt;b&gt;Yes&lt;/b&gt;</button></div>'
  );
  assert.match(buttonsHtml([{ title: "Hi", payload: "Hi" }], "suggestion"), /^<div class="suggestions"/);
  assert.equal(buttonsHtml([]), "");
});

test("the triage payload is taken out of the replies, not shown as a message", () => {
  const triage = { level: "urgent", reasons: ["bloody_discharge"], headline: "Please see your doctor soon.", why: ["x"] };
  const { messages, triage: found } = displayReplies([{ text: "Please see your doctor soon." }, { custom: { triage } }]);
  assert.equal(messages.length, 1);
  assert.deepEqual(found, triage);
});

test("replies that are not a list, or hold junk, show nothing and do not throw", () => {
  assert.deepEqual(displayReplies({ error: "x" }), { messages: [], triage: null });
  assert.deepEqual(displayReplies([null, 3, { custom: "x" }]), { messages: [], triage: null });
  assert.deepEqual(displayReplies([{ custom: ["doctor_summary"] }]), { messages: [], triage: null });
});

test("emergency banner has a tap-to-call link with only dialable characters", () => {
  const html = triageBannerHtml({ level: "emergency", headline: "This may be an emergency.", why: ["<swelling>"] }, "1-1-2 <x>");
  assert.match(html, /class="triage triage-emergency" data-level="emergency"/);
  assert.match(html, /href="tel:112"/);
  assert.match(html, /<li>&lt;swelling&gt;<\/li>/);
  assert.doesNotMatch(html, /<x>/);
});

test("urgent and routine banners have no call link; unknown levels count as urgent", () => {
  assert.doesNotMatch(triageBannerHtml({ level: "urgent", headline: "h" }, "911"), /tel:/);
  assert.match(triageBannerHtml({ level: "routine", headline: "h" }, "911"), /data-level="routine"/);
  assert.match(triageBannerHtml({ level: "whatever", headline: "h" }, "911"), /data-level="urgent"/);
});

test("urgent banners offer a call back at once; emergency and routine banners never do", () => {
  const urgent = triageBannerHtml({ level: "urgent", headline: "h" }, "911");
  assert.match(urgent, /<button type="button" class="callback-open">Ask the clinic to call me<\/button>/);
  const emergency = triageBannerHtml({ level: "emergency", headline: "h" }, "911");
  assert.doesNotMatch(emergency, /callback-open|call me/);
  assert.match(emergency, /Call 911 now/);
  assert.doesNotMatch(triageBannerHtml({ level: "routine", headline: "h" }, "911"), /callback-open/);
  assert.doesNotThrow(() => triageBannerHtml({ level: "urgent", why: "not a list" }, "911"));
});

test("the widget's own requests in a batch are found, whatever else is in it", () => {
  assert.deepEqual(widgetRequests([{ text: "Sure." }, { custom: { widget: "callback_form" } }]), {
    callbackForm: true,
    confirmForget: false,
    doctorSummary: false,
  });
  assert.deepEqual(widgetRequests([{ custom: { widget: "confirm_forget" } }, { text: "x" }]), {
    callbackForm: false,
    confirmForget: true,
    doctorSummary: false,
  });
  assert.equal(widgetRequests([{ custom: { doctor_summary: { date: "2026-12-01" } } }]).doctorSummary, true);
  const none = { callbackForm: false, confirmForget: false, doctorSummary: false };
  assert.deepEqual(widgetRequests(null), none);
  assert.deepEqual(widgetRequests([null, 3, { custom: "callback_form" }, { custom: ["x"] }, { widget: "callback_form" }]), none);
  // Asking for a form shows no message of its own.
  assert.deepEqual(displayReplies([{ custom: { widget: "confirm_forget" } }]).messages, []);
});

test("a batch with a doctor summary gets one 'Show this to your doctor' button, under its last message", () => {
  const summary = { date: "2026-12-01", level: null, reasons: ["<b>x</b>"], answers: [], tell_doctor: "t", next_step: null };
  const { messages } = displayReplies([
    { text: "What to tell your doctor: <all>" },
    { text: "Anything else?" },
    { custom: { doctor_summary: summary } },
  ]);
  assert.equal(messages.length, 2);
  assert.doesNotMatch(messages[0].html, /doctor-summary/);
  assert.match(messages[1].html, /<button type="button" class="doctor-summary">Show this to your doctor<\/button><\/div><\/div>$/);
  assert.match(messages[0].html, /&lt;all&gt;/);
  assert.doesNotMatch(messages.map((m) => m.html).join(""), /<b>x<\/b>|&lt;b&gt;/); // the summary itself is not shown
  // Summary alone: the button still has a message to sit in.
  const alone = displayReplies([{ custom: { doctor_summary: summary } }]).messages;
  assert.equal(alone.length, 1);
  assert.match(alone[0].html, /class="doctor-summary"/);
  assert.doesNotMatch(displayReplies([{ text: "x" }]).messages[0].html, /doctor-summary/);
});

test("the privacy line links to the web server's page, escaped, and is left out without a privacy block", () => {
  const privacy = { text: "We keep this for 90 days <b>.", link_text: "How we use your data", url: "/privacy" };
  assert.equal(
    privacyHtml(privacy, "https://assistant.example.org/"),
    '<p class="privacy">We keep this for 90 days &lt;b&gt;. ' +
      '<a class="privacy-link" href="https://assistant.example.org/privacy" target="_blank" rel="noopener">How we use your data</a></p>'
  );
  assert.equal(privacyHtml(undefined, "https://a.example"), "");
  assert.equal(privacyHtml(null, "https://a.example"), "");
  assert.equal(privacyHtml({ link_text: "x", url: "/privacy" }, "https://a.example"), "");
  // Only a path on the web server or an http(s) address becomes a link.
  for (const url of ["javascript:alert(1)", "//evil.example/x", "data:text/html,x", 5]) {
    const html = privacyHtml({ ...privacy, url }, "https://a.example");
    assert.doesNotMatch(html, /<a /, String(url));
    assert.match(html, /^<p class="privacy">We keep/);
  }
  assert.match(privacyHtml({ ...privacy, url: "https://clinic.example/p?a=1&b=2" }, "x"), /href="https:\/\/clinic.example\/p\?a=1&amp;b=2"/);
});

test("the welcome ends with the privacy line, after its suggested questions", () => {
  const html = welcomeHtml(
    { text: "Hi! Not a diagnosis.", buttons: [{ title: "What is it?", payload: "What is it?" }] },
    { text: "We keep it.", link_text: "How", url: "/privacy" },
    "http://127.0.0.1:8080"
  );
  assert.match(html, /^<div class="bot-message"><p>Hi! Not a diagnosis\.<\/p><div class="suggestions"/);
  assert.match(html, /<\/div><p class="privacy">We keep it\. <a [^>]*href="http:\/\/127\.0\.0\.1:8080\/privacy"[^>]*>How<\/a><\/p><\/div>$/);
  assert.doesNotMatch(welcomeHtml({ text: "Hi!", buttons: [] }, null, "x"), /privacy/);
});
