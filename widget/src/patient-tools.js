// The pure part of the patient's own tools in the widget (no DOM, no network): the
// conversation as a text file, and reading the web server's answers to a call-back request
// and to "delete my conversation". docs/widget.md lists the endpoints.

// --- Download my conversation --------------------------------------------------------------

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    const known = ENTITIES[name.toLowerCase()];
    return known === undefined ? whole : known;
  });
}

// A message's HTML as the words the patient read: paragraphs and list items on their own
// lines; buttons (suggested replies, thumbs, "Show this to your doctor") and drawings left
// out. The HTML is never parsed into a document, let alone run: tags are only removed.
export function htmlToText(html) {
  return decodeEntities(
    String(html || "")
      .replace(/<(script|style|svg|button|template)\b[\s\S]*?<\/\1\s*>/gi, "")
      .replace(/<br\s*\/?>/gi, "\n")
      .replace(/<li\b[^>]*>/gi, "\n- ")
      .replace(/<\/(p|div|li|ul|ol|h[1-6])\s*>/gi, "\n")
      .replace(/<[^>]*>/g, "")
  )
    .split("\n")
    .map((line) => line.replace(/[ \t\r\f\v]+/g, " ").trim())
    .filter(Boolean)
    .join("\n");
}

function twoDigits(number) {
  return String(number).padStart(2, "0");
}

// The patient's own calendar date (local time), YYYY-MM-DD.
export function localDate(date = new Date()) {
  return `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
}

export function transcriptFileName(date = new Date()) {
  return `conversation-${localDate(date)}.txt`;
}

export const TRANSCRIPT_LAST_LINE = "General information, not a diagnosis.";

function block(label, text) {
  const lines = String(text).split("\n");
  return [`${label} ${lines[0]}`, ...lines.slice(1).map((line) => `  ${line}`)].join("\n");
}

// The file "Download my conversation" saves. messages: what the widget keeps in
// sessionStorage ({role, text, html}); welcomeHtml: the greeting the chat showed first;
// triage: the banner on screen, if any.
export function transcriptText({ clinicName, date = new Date(), welcomeHtml = "", messages = [], triage = null }) {
  const out = ["Conversation with the breast health assistant", `Clinic: ${clinicName}`, `Date: ${localDate(date)}`, ""];
  const welcome = htmlToText(welcomeHtml);
  if (welcome) out.push(block("Assistant:", welcome), "");
  for (const message of Array.isArray(messages) ? messages : []) {
    if (!message || typeof message !== "object") continue;
    const text = message.html ? htmlToText(message.html) : String(message.text || "").trim();
    if (!text) continue;
    out.push(block(message.role === "user" ? "You:" : "Assistant:", text), "");
  }
  if (triage && typeof triage === "object") {
    const advice = [triage.headline || "Please see your doctor."];
    const why = Array.isArray(triage.why) ? triage.why.filter((line) => typeof line === "string") : [];
    if (why.length) advice.push("Why:", ...why.map((line) => `- ${line}`));
    if (triage.next_step) advice.push(String(triage.next_step));
    out.push(block("Advice shown:", advice.join("\n")), "");
  }
  out.push(TRANSCRIPT_LAST_LINE);
  return out.join("\n") + "\n";
}

// --- Ask the clinic to call me -------------------------------------------------------------

export const CALLBACK_FIELDS = ["first_name", "phone", "good_time", "consent"];

// POST {webUrl}/patient/callback's JSON body.
export function callbackRequestBody(conversation, { firstName, phone, goodTime, consent }) {
  return {
    conversation,
    first_name: String(firstName || "").trim(),
    phone: String(phone || "").trim(),
    good_time: String(goodTime || "").trim(),
    consent: consent === true,
  };
}

const CALLBACK_NOT_SENT = "Sorry, your request could not be sent.";

function serverMessage(body) {
  return body && typeof body === "object" && typeof body.message === "string" && body.message.trim() ? body.message : "";
}

// The web server's answer -> {ok: true, text} or {ok: false, message, fromServer, problems:
// {field: words}, others: [words]}. The server's own words are used when it gives them (400: the
// form's problems; 403/503: what to do instead); fromServer is false when it gave none (e.g. it
// could not be reached). Only strings are kept (they are shown as text); problems for fields the
// form does not have go to `others`, so none is lost.
export function readCallbackReply(status, body) {
  const data = body && typeof body === "object" ? body : {};
  if (status === 200 && typeof data.text === "string" && data.text.trim()) return { ok: true, text: data.text };
  const problems = {};
  const others = [];
  if (status === 400 && data.problems && typeof data.problems === "object") {
    for (const [field, words] of Object.entries(data.problems)) {
      if (typeof words !== "string" || !words.trim()) continue;
      if (CALLBACK_FIELDS.includes(field)) problems[field] = words;
      else others.push(words);
    }
  }
  const message = status !== 200 ? serverMessage(data) : "";
  return { ok: false, message: message || CALLBACK_NOT_SENT, fromServer: Boolean(message), problems, others };
}

// --- Delete my conversation ----------------------------------------------------------------

export const FORGET_DONE = "Your conversation is deleted.";

// 200 -> {ok: true, text} (the server's words when it gives them); anything else ->
// {ok: false, message} (the server's words, or "" when it gave none).
export function readForgetReply(status, body) {
  if (status !== 200) return { ok: false, message: serverMessage(body) };
  const text = body && typeof body === "object" && typeof body.text === "string" && body.text.trim() ? body.text : FORGET_DONE;
  return { ok: true, text };
}

// The web server's address: a data-web-url attribute, else the folder the widget script was
// served from. No trailing slash, so paths such as "/patient/forget" can be added.
export function webUrlFrom(dataWebUrl, scriptSrc, pageOrigin) {
  try {
    if (dataWebUrl) return new URL(dataWebUrl, scriptSrc || pageOrigin).href.replace(/\/+$/, "");
    if (scriptSrc) return new URL(".", scriptSrc).href.replace(/\/+$/, "");
  } catch {
    // An address that cannot be read: the page's own origin below.
  }
  return String(pageOrigin || "").replace(/\/+$/, "");
}
