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
export const RATING_PAYLOADS = { helpful: "/feedback_helpful", not_helpful: "/feedback_not_helpful" };
const RATING_BUTTONS =
  '<div class="feedback" role="group" aria-label="Did this answer help?">' +
  '<button type="button" class="rate" data-rating="helpful" aria-label="Yes, this answer helped" aria-pressed="false">👍</button>' +
  '<button type="button" class="rate" data-rating="not_helpful" aria-label="No, this answer did not help" aria-pressed="false">👎</button>' +
  "</div>";

export function isAnswer(text) {
  return String(text || "").split("\n").some((line) => line.startsWith(SOURCE_PREFIX));
}

export function messageHtml(text, buttons, kind, rateable = false) {
  return `<div class="bot-message">${paragraphs(text || "")}${buttonsHtml(buttons, kind)}${rateable ? RATING_BUTTONS : ""}</div>`;
}

// Rasa REST replies -> {messages: [{html}], triage: {...} | null}. The last cited answer
// in a batch gets the thumbs.
export function displayReplies(replies) {
  const shown = [];
  let triage = null;
  for (const reply of Array.isArray(replies) ? replies : []) {
    if (reply && reply.custom && typeof reply.custom === "object" && reply.custom.triage) {
      triage = reply.custom.triage;
    }
    if (reply && (reply.text || (reply.buttons && reply.buttons.length))) shown.push(reply);
  }
  const rated = shown.map((reply) => isAnswer(reply.text)).lastIndexOf(true);
  const messages = shown.map((reply, index) => ({
    role: "ai",
    html: messageHtml(reply.text, reply.buttons, "quick-reply", index === rated),
  }));
  return { messages, triage };
}

// The escalation banner. Emergency: red with a tap-to-call link; urgent: amber;
// routine ("mention it at your next visit"): blue. An unknown level is shown as urgent.
const LEVELS = ["emergency", "urgent", "routine"];

export function triageBannerHtml(triage, emergencyNumber) {
  const level = LEVELS.includes(triage.level) ? triage.level : "urgent";
  const reasons = (triage.why || []).map((reason) => `<li>${escapeHtml(reason)}</li>`).join("");
  const call =
    level === "emergency"
      ? `<a class="call" href="${escapeHtml(telHref(emergencyNumber))}">Call ${escapeHtml(emergencyNumber)} now</a>`
      : "";
  return (
    `<div class="triage triage-${level}" data-level="${level}">` +
    `<p class="headline">${escapeHtml(triage.headline || "Please see your doctor.")}</p>` +
    (reasons ? `<p>Why:</p><ul>${reasons}</ul>` : "") +
    (triage.next_step ? `<p>${escapeHtml(triage.next_step)}</p>` : "") +
    call +
    `</div>`
  );
}
