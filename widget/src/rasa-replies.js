// Turns the Rasa REST channel's replies into what the chat shows. No DOM access, so
// every piece of text is escaped here, in one place: nothing a patient or the server
// sends is ever read as HTML.

const SOURCE_PREFIX = "Source:";

export function escapeHtml(text) {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// A tap-to-call link keeps only what a phone dials: digits and a leading +.
export function telHref(number) {
  return `tel:${String(number).replace(/[^0-9+]/g, "")}`;
}

function paragraphs(text) {
  return String(text)
    .split("\n")
    .filter((line) => line.trim())
    .map((line) =>
      line.startsWith(SOURCE_PREFIX)
        ? `<p class="source">${escapeHtml(line)}</p>`
        : `<p>${escapeHtml(line)}</p>`
    )
    .join("");
}

// kind: "quick-reply" (only the latest set stays active) or "suggestion" (always active).
export function buttonsHtml(buttons, kind = "quick-reply") {
  if (!buttons || !buttons.length) return "";
  const items = buttons
    .map(
      (button) =>
        `<button type="button" class="${kind}" data-payload="${escapeHtml(button.payload ?? button.title)}">` +
        `${escapeHtml(button.title)}</button>`
    )
    .join("");
  const group = kind === "suggestion" ? "suggestions" : "quick-replies";
  return `<div class="${group}" role="group" aria-label="Suggested replies">${items}</div>`;
}

// Thumbs under an answer; they send RATING_PAYLOADS to Rasa (data/rules/feedback.yml).
// Drawn icons, not emoji: without an emoji font, emoji show as empty boxes. The button's
// aria-label is its name; the drawing is hidden from screen readers.
export const RATING_PAYLOADS = { helpful: "/feedback_helpful", not_helpful: "/feedback_not_helpful" };
const THUMB_PATHS =
  '<rect x="2" y="10" width="4" height="11" rx="1"/>' +
  '<path d="M8 10.5 12.2 3.6c.4-.7 1.3-.9 2-.5s1 1.2.6 1.9L13.4 9h6.1c1.4 0 2.4 1.3 2.1 2.6l-1.5 7c-.3 1.3-1.4 2.4-2.8 2.4H8z"/>';
export const THUMB_UP_SVG = `<svg class="thumb" viewBox="0 0 24 24" width="22" height="22" fill="currentColor" aria-hidden="true" focusable="false">${THUMB_PATHS}</svg>`;
export const THUMB_DOWN_SVG = `<svg class="thumb" viewBox="0 0 24 24" width="22" height="22" fill="currentColor" aria-hidden="true" focusable="false"><g transform="rotate(180 12 12)">${THUMB_PATHS}</g></svg>`;
const RATING_BUTTONS =
  '<div class="feedback" role="group" aria-label="Did this answer help?">' +
  `<button type="button" class="rate" data-rating="helpful" aria-label="Yes, this answer helped" aria-pressed="false">${THUMB_UP_SVG}</button>` +
  `<button type="button" class="rate" data-rating="not_helpful" aria-label="No, this answer did not help" aria-pressed="false">${THUMB_DOWN_SVG}</button>` +
  "</div>";

// Under the message that ends a symptom check: opens the printable summary (POST
// /patient/summary, in a new tab; the widget builds that form when it is clicked).
export const SUMMARY_BUTTON_TEXT = "Show this to your doctor";
const SUMMARY_BUTTON =
  `<div class="summary-actions"><button type="button" class="doctor-summary">${SUMMARY_BUTTON_TEXT}</button></div>`;

// The button that opens the call-back form (in "Talk to a person" and on the urgent banner).
export const CALLBACK_BUTTON_TEXT = "Ask the clinic to call me";

export function isAnswer(text) {
  return String(text || "").split("\n").some((line) => line.startsWith(SOURCE_PREFIX));
}

export function messageHtml(text, buttons, kind, rateable = false, extraHtml = "") {
  return `<div class="bot-message">${paragraphs(text || "")}${buttonsHtml(buttons, kind)}${rateable ? RATING_BUTTONS : ""}${extraHtml}</div>`;
}

function customOf(reply) {
  return reply && reply.custom && typeof reply.custom === "object" && !Array.isArray(reply.custom) ? reply.custom : null;
}

// Rasa REST replies -> {messages: [{role, html}], triage: {...} | null}. The last cited answer
// in a batch gets the thumbs; a batch with a doctor_summary gets the "Show this to your
// doctor" button under its last message.
export function displayReplies(replies) {
  const shown = [];
  let triage = null;
  let summary = false;
  for (const reply of Array.isArray(replies) ? replies : []) {
    const custom = customOf(reply);
    if (custom && custom.triage) triage = custom.triage;
    if (custom && custom.doctor_summary) summary = true;
    if (reply && (reply.text || (reply.buttons && reply.buttons.length))) shown.push(reply);
  }
  const rated = shown.map((reply) => isAnswer(reply.text)).lastIndexOf(true);
  const messages = shown.map((reply, index) => ({
    role: "ai",
    html: messageHtml(reply.text, reply.buttons, "quick-reply", index === rated, summary && index === shown.length - 1 ? SUMMARY_BUTTON : ""),
  }));
  if (summary && !messages.length) messages.push({ role: "ai", html: messageHtml("", [], "quick-reply", false, SUMMARY_BUTTON) });
  return { messages, triage };
}

// What a reply batch asks the widget itself to do (the REST channel sends `custom` as its own
// message): {callbackForm, confirmForget, doctorSummary}.
export function widgetRequests(replies) {
  const found = { callbackForm: false, confirmForget: false, doctorSummary: false };
  for (const reply of Array.isArray(replies) ? replies : []) {
    const custom = customOf(reply);
    if (!custom) continue;
    if (custom.widget === "callback_form") found.callbackForm = true;
    if (custom.widget === "confirm_forget") found.confirmForget = true;
    if (custom.doctor_summary) found.doctorSummary = true;
  }
  return found;
}

// The welcome's last line: what the clinic keeps, with a link to its privacy page on the web
// server. config.privacy = {text, link_text, url}; no block (or no text), no line. Only a path
// on the web server or an http(s) address becomes a link.
export function privacyHtml(privacy, webUrl) {
  if (!privacy || typeof privacy !== "object" || typeof privacy.text !== "string" || !privacy.text.trim()) return "";
  const url = typeof privacy.url === "string" ? privacy.url.trim() : "";
  let href = "";
  if (/^\/(?!\/)/.test(url)) href = String(webUrl || "").replace(/\/+$/, "") + url;
  else if (/^https?:\/\//i.test(url)) href = url;
  const linkText = typeof privacy.link_text === "string" && privacy.link_text.trim() ? privacy.link_text : "How we use your data";
  const link = href ? ` <a class="privacy-link" href="${escapeHtml(href)}" target="_blank" rel="noopener">${escapeHtml(linkText)}</a>` : "";
  return `<p class="privacy">${escapeHtml(privacy.text)}${link}</p>`;
}

export function welcomeHtml(welcome, privacy, webUrl) {
  return messageHtml(welcome.text, welcome.buttons, "suggestion", false, privacyHtml(privacy, webUrl));
}

// The escalation banner. Emergency: red with a tap-to-call link; urgent: amber;
// routine ("mention it at your next visit"): blue. An unknown level is shown as urgent.
const LEVELS = ["emergency", "urgent", "routine"];

export function triageBannerHtml(triage, emergencyNumber) {
  const level = LEVELS.includes(triage.level) ? triage.level : "urgent";
  const reasons = (Array.isArray(triage.why) ? triage.why : []).map((reason) => `<li>${escapeHtml(reason)}</li>`).join("");
  const call =
    level === "emergency"
      ? `<a class="call" href="${escapeHtml(telHref(emergencyNumber))}">Call ${escapeHtml(emergencyNumber)} now</a>`
      : "";
  // Urgent ("see your doctor soon"): the clinic can call back. Never on an emergency banner:
  // there the only step is to call the emergency number.
  const callback = level === "urgent" ? `<button type="button" class="callback-open">${CALLBACK_BUTTON_TEXT}</button>` : "";
  return (
    `<div class="triage triage-${level}" data-level="${level}">` +
    `<p class="headline">${escapeHtml(triage.headline || "Please see your doctor.")}</p>` +
    (reasons ? `<p>Why:</p><ul>${reasons}</ul>` : "") +
    (triage.next_step ? `<p>${escapeHtml(triage.next_step)}</p>` : "") +
    call +
    callback +
    `</div>`
  );
}
