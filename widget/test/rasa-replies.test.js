// Unit tests for the pure part of the widget: how Rasa's replies become what the chat shows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { buttonsHtml, displayReplies, escapeHtml, triageBannerHtml } from "../src/rasa-replies.js";

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
  assert.match(messages[0].html, /data-rating="helpful"[^>]*>👍</);
  assert.match(messages[0].html, /data-rating="not_helpful"[^>]*>👎</);
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
