// The clinic's chat widget: one <script> tag adds a launcher button and a chat panel.
// Settings are data attributes on that tag (see docs/widget.md, "Put the chat on your site").
// The chat itself is deep-chat, talking to Rasa's REST channel; everything it needs is in
// this one file, so the page makes no request to anyone but the assistant's own servers.
import "deep-chat";
import css from "./assistant-widget.css";
import {
  CALLBACK_BUTTON_TEXT,
  RATING_PAYLOADS,
  displayReplies,
  escapeHtml,
  messageHtml,
  telHref,
  triageBannerHtml,
  welcomeHtml,
  widgetRequests,
} from "./rasa-replies.js";
import {
  callbackRequestBody,
  readCallbackReply,
  readForgetReply,
  transcriptFileName,
  transcriptText,
  webUrlFrom,
} from "./patient-tools.js";

const script = document.currentScript;
const data = (script && script.dataset) || {};
const STORAGE_PREFIX = "ductogram-assistant:";
// The greeting and the widget's own replies come from the web server (/widget-config.json,
// written in domain.yml and core/replies.py). These plain words are shown only if it is
// unreachable, which also means the assistant is.
const FALLBACK_CONFIG = {
  welcome: { text: "Hi! Ask me about the ductogram test, nipple discharge and breast leaking.", buttons: [] },
  texts: {
    unavailable: "Sorry, I can't answer right now. Please try again later.",
    no_reply: "Sorry, I don't have an answer for that.",
  },
};
let texts = FALLBACK_CONFIG.texts;
// The Send button's width, and the room the text box leaves for it: the button, 8 px between
// them, 12 px to the panel's edge (the CSS puts the button 12 px from the edge).
const SEND_BUTTON_WIDTH = 72;
const SEND_BUTTON_SPACE = 12 + SEND_BUTTON_WIDTH + 8 + 12;
// Plain system fonts: deep-chat's default font would be fetched from Google.
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif';

const settings = {
  rasaUrl: (data.rasaUrl || `${location.protocol}//${location.hostname}:5005`).replace(/\/+$/, ""),
  clinicName: data.clinicName || "the breast clinic",
  clinicPhone: data.clinicPhone || "",
  clinicHours: data.clinicHours || "",
  emergencyNumber: data.emergencyNumber || "911",
  startOpen: data.open === "true",
  configUrl: data.configUrl || (script && script.src ? new URL("widget-config.json", script.src).href : ""),
  // The web server (privacy page, call-back requests, summary, deletion): where this script
  // came from, unless data-web-url says otherwise.
  webUrl: webUrlFrom(data.webUrl, script && script.src, location.origin),
};

// Kept for the browser tab only: a reload keeps the conversation, closing the tab
// forgets it on this device (the clinic's server still has it).
const session = {
  get(name, fallback) {
    try {
      const value = sessionStorage.getItem(STORAGE_PREFIX + name);
      return value === null ? fallback : JSON.parse(value);
    } catch {
      return fallback;
    }
  },
  set(name, value) {
    try {
      sessionStorage.setItem(STORAGE_PREFIX + name, JSON.stringify(value));
    } catch {
      // Storage full or blocked: the chat still works, it just won't survive a reload.
    }
  },
  clear() {
    Object.keys(sessionStorage)
      .filter((key) => key.startsWith(STORAGE_PREFIX))
      .forEach((key) => sessionStorage.removeItem(key));
  },
};

function newSenderId() {
  return `web-${crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2)}`;
}

function senderId() {
  let sender = session.get("sender", null);
  if (!sender) {
    sender = newSenderId();
    session.set("sender", sender);
  }
  return sender;
}

function contactHtml() {
  const phone = settings.clinicPhone
    ? `<p>Call ${escapeHtml(settings.clinicName)}: <a href="${escapeHtml(telHref(settings.clinicPhone))}">${escapeHtml(settings.clinicPhone)}</a></p>`
    : `<p>Please call ${escapeHtml(settings.clinicName)} on the number in your appointment letter.</p>`;
  const hours = settings.clinicHours ? `<p>Open: ${escapeHtml(settings.clinicHours)}</p>` : "";
  return (
    phone +
    hours +
    `<p>In an emergency, call <a href="${escapeHtml(telHref(settings.emergencyNumber))}">${escapeHtml(settings.emergencyNumber)}</a>.</p>` +
    `<p><button type="button" class="callback-open" aria-expanded="false" aria-controls="callback-form">${CALLBACK_BUTTON_TEXT}</button></p>` +
    callbackFormHtml()
  );
}

// One field of the call-back form: its label, the input, and where its problem is shown.
function fieldHtml(id, label, input, hint = "") {
  const hintHtml = hint ? `<p class="field-hint" id="${id}-hint">${hint}</p>` : "";
  return (
    `<div class="field"><label for="${id}">${label}</label>${hintHtml}${input}` +
    `<p class="field-error" id="${id}-error" hidden></p></div>`
  );
}

function callbackFormHtml() {
  return `
    <form id="callback-form" class="callback-form" aria-labelledby="callback-title" novalidate hidden>
      <h3 id="callback-title">Ask the clinic to call you</h3>
      <p class="form-intro">Leave your name and number and the clinic will call you back.</p>
      <div class="form-message" role="alert" id="callback-message"></div>
      ${fieldHtml("callback-first-name", "First name", '<input id="callback-first-name" name="first_name" type="text" autocomplete="given-name">')}
      ${fieldHtml("callback-phone", "Phone number", '<input id="callback-phone" name="phone" type="tel" inputmode="tel" autocomplete="tel">')}
      ${fieldHtml(
        "callback-good-time",
        "Good time to call",
        '<input id="callback-good-time" name="good_time" type="text" aria-describedby="callback-good-time-hint">',
        "For example: weekday mornings"
      )}
      <div class="field field-check">
        <input id="callback-consent" name="consent" type="checkbox">
        <label for="callback-consent">I agree that the clinic keeps my name and number to call me back</label>
        <p class="field-error" id="callback-consent-error" hidden></p>
      </div>
      <div class="form-buttons">
        <button type="submit" class="callback-send">Send request</button>
        <button type="button" class="callback-cancel">Cancel</button>
      </div>
    </form>`;
}

// Three dots, drawn: the "More options" button's picture (its name is its aria-label).
const DOTS_SVG =
  '<svg viewBox="0 0 24 24" width="20" height="20" fill="currentColor" aria-hidden="true" focusable="false">' +
  '<circle cx="12" cy="5" r="2.2"/><circle cx="12" cy="12" r="2.2"/><circle cx="12" cy="19" r="2.2"/></svg>';

function panelHtml() {
  return `
    <button type="button" class="launcher" aria-expanded="false" aria-controls="assistant-panel">
      Questions about nipple discharge or a ductogram? Chat with us
    </button>
    <section id="assistant-panel" class="panel" role="dialog" aria-modal="false" aria-labelledby="assistant-title" hidden>
      <div class="panel-header">
        <h2 id="assistant-title">Breast health questions</h2>
        <div class="header-buttons">
          <button type="button" class="talk-to-person" aria-expanded="false" aria-controls="assistant-contact">Talk to a person</button>
          <button type="button" class="start-over">Start over</button>
          <div class="menu-wrap">
            <button type="button" class="more-options" aria-label="More options" title="More options"
                    aria-haspopup="menu" aria-expanded="false" aria-controls="assistant-menu">${DOTS_SVG}</button>
            <ul id="assistant-menu" class="menu" role="menu" aria-label="More options" hidden>
              <li role="none"><button type="button" role="menuitem" tabindex="-1" class="menu-download">Download my conversation</button></li>
              <li role="none"><button type="button" role="menuitem" tabindex="-1" class="menu-delete">Delete my conversation</button></li>
            </ul>
          </div>
          <button type="button" class="close" aria-label="Close the chat">&times;</button>
        </div>
      </div>
      <div id="assistant-forget" class="confirm-forget" role="alertdialog" aria-modal="false"
           aria-labelledby="forget-title" aria-describedby="forget-text" hidden>
        <h3 id="forget-title">Delete your conversation?</h3>
        <p id="forget-text">This deletes everything in this chat, your questions and the answers, from the
          clinic's server and from this page, with any call-back request you made. It cannot be undone.</p>
        <p class="forget-error" role="alert"></p>
        <div class="form-buttons">
          <button type="button" class="forget-yes">Delete it</button>
          <button type="button" class="forget-no">Keep it</button>
        </div>
      </div>
      <div id="assistant-contact" class="contact" hidden>${contactHtml()}</div>
      <p class="visually-hidden notice-status" role="status" aria-live="polite"></p>
      <div class="alerts" role="alert"></div>
      <p class="visually-hidden typing-status" role="status" aria-live="polite"></p>
      <div class="chat-area"></div>
    </section>`;
}

async function loadConfig() {
  if (!settings.configUrl) return FALLBACK_CONFIG;
  try {
    const response = await fetch(settings.configUrl, { credentials: "omit" });
    const config = await response.json();
    return {
      welcome: config.welcome && config.welcome.text ? config.welcome : FALLBACK_CONFIG.welcome,
      texts: { ...FALLBACK_CONFIG.texts, ...(config.texts || {}) },
      privacy: config.privacy && typeof config.privacy === "object" ? config.privacy : null,
    };
  } catch {
    return FALLBACK_CONFIG;
  }
}

async function postToRasa(sender, message) {
  let response;
  try {
    // The conversation id in the URL too, so a load balancer can keep each conversation on
    // one Rasa server (docs/deployment.md); Rasa reads it from the body.
    response = await fetch(`${settings.rasaUrl}/webhooks/rest/webhook?conversation=${encodeURIComponent(sender)}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify({ sender, message }),
    });
  } catch {
    return { error: "unreachable" };
  }
  if (response.status === 400) {
    let reason = "I could not read that message. Please try again with a shorter question.";
    try {
      const body = await response.json();
      if (typeof body.message === "string" && body.message) reason = body.message;
    } catch {
      // Not JSON: keep the general reason.
    }
    return { error: reason };
  }
  if (!response.ok) return { error: "unreachable" };
  try {
    return { replies: await response.json() };
  } catch {
    return { error: "unreachable" };
  }
}

// The web server's patient endpoints: JSON in, {status, body} out; status 0 if unreachable.
async function postToWebServer(path, payload) {
  let response;
  try {
    response = await fetch(`${settings.webUrl}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "omit",
      body: JSON.stringify(payload),
    });
  } catch {
    return { status: 0, body: null };
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status says enough.
  }
  return { status: response.status, body };
}

function clinicPhoneWords() {
  return settings.clinicPhone ? `call ${settings.clinicName} on ${settings.clinicPhone}` : `call ${settings.clinicName}`;
}

function unavailableHtml() {
  return messageHtml(texts.unavailable);
}

// The call-back form's fields: the server's name for each -> the input's id.
const CALLBACK_FIELD_IDS = {
  first_name: "callback-first-name",
  phone: "callback-phone",
  good_time: "callback-good-time",
  consent: "callback-consent",
};

class AssistantWidget {
  constructor(host, config) {
    this.sender = senderId();
    // Messages the widget shows but does not keep for a reload (the "deleted" notice).
    this.unsaved = new Set();
    this.welcomeHtml = welcomeHtml(config.welcome, config.privacy, settings.webUrl);
    this.root = host.attachShadow({ mode: "open" });
    this.root.innerHTML = `<style>${css}</style>${panelHtml()}`;
    const find = (selector) => this.root.querySelector(selector);
    this.panel = find(".panel");
    this.launcher = find(".launcher");
    this.alerts = find(".alerts");
    this.typingStatus = find(".typing-status");
    this.noticeStatus = find(".notice-status");
    this.talk = find(".talk-to-person");
    this.contact = find(".contact");
    this.menuWrap = find(".menu-wrap");
    this.menuButton = find(".more-options");
    this.menu = find(".menu");
    this.forget = find(".confirm-forget");
    this.forgetError = find(".forget-error");
    this.callbackButton = find(".contact .callback-open");
    this.callbackForm = find(".callback-form");
    this.callbackMessage = find("#callback-message");
    this.chat = this.createChat();
    find(".chat-area").appendChild(this.chat);
    this.wireHeader();
    this.wireMenu();
    this.wireForget();
    this.wireCallback();
    const triage = session.get("triage", null);
    if (triage) this.showTriage(triage);
    if (session.get("open", settings.startOpen)) this.open(false);
  }

  createChat() {
    const chat = document.createElement("deep-chat");
    chat.style.fontFamily = FONT;
    chat.chatStyle = { width: "100%", height: "100%", border: "none", backgroundColor: "#ffffff", fontFamily: FONT };
    chat.introMessage = { html: this.welcomeHtml };
    chat.history = session.get("messages", []);
    // The Send button sits beside the text box, never over it: the box leaves room for it
    // (SEND_BUTTON_SPACE) and the button is placed in that room (assistant-widget.css,
    // ".input-button.outside-end").
    chat.textInput = {
      characterLimit: 5000,
      placeholder: { text: "Type your question…", style: { color: "#595959" } },
      styles: {
        container: {
          border: "1px solid #6b6b6b",
          borderRadius: "8px",
          width: `calc(100% - ${SEND_BUTTON_SPACE}px)`,
          marginInlineStart: "12px",
          marginInlineEnd: `${SEND_BUTTON_SPACE - 12}px`, // the button's room
        },
      },
    };
    // A labelled "Send" button is clearer than an icon, and screen readers can name it.
    const sendButton = (background) => ({
      container: {
        default: {
          backgroundColor: background,
          borderRadius: "8px",
          padding: "6px 0",
          width: `${SEND_BUTTON_WIDTH}px`,
          height: "auto",
          boxSizing: "border-box",
          justifyContent: "center",
        },
      },
      svg: { styles: { default: { display: "none" } } },
      text: { content: "Send", styles: { default: { color: "#ffffff", fontSize: "15px", fontWeight: "600" } } },
    });
    chat.submitButtonStyles = { position: "outside-end", submit: sendButton("#005ea5"), disabled: sendButton("#4d6f8a") };
    chat.messageStyles = {
      default: {
        shared: { bubble: { maxWidth: "88%", lineHeight: "1.4", fontSize: "16px" } },
        user: { bubble: { backgroundColor: "#005ea5", color: "#ffffff" } },
        ai: { bubble: { backgroundColor: "#f2f4f7", color: "#1b1b1b" } },
      },
      html: { shared: { bubble: { maxWidth: "88%", lineHeight: "1.4", fontSize: "16px", backgroundColor: "#f2f4f7", color: "#1b1b1b" } } },
    };
    chat.auxiliaryStyle = css;
    chat.connect = { handler: (body, signals) => this.handle(body, signals) };
    chat.onMessage = ({ message, isHistory }) => {
      if (!isHistory) {
        if (message.html && this.unsaved.has(message.html)) this.unsaved.delete(message.html);
        else session.set("messages", [...session.get("messages", []), { role: message.role, text: message.text, html: message.html }]);
      }
      this.improveAccessibility();
    };
    chat.onComponentRender = () => this.improveAccessibility();
    return chat;
  }

  async handle(body, signals) {
    const text = (body.messages || []).map((message) => message.text || "").join("\n");
    this.retireOldQuickReplies(false);
    this.typingStatus.textContent = "The assistant is typing…";
    // Kept while it runs: deleting the conversation waits for it, or Rasa would save the
    // conversation again after the deletion.
    const sending = postToRasa(this.sender, text);
    this.pending = sending;
    const result = await sending;
    if (this.pending === sending) this.pending = null;
    this.typingStatus.textContent = "";
    if (result.error) {
      const reason = result.error === "unreachable" ? unavailableHtml() : messageHtml(result.error);
      await signals.onResponse({ html: reason });
      return;
    }
    const { messages, triage } = displayReplies(result.replies);
    if (triage) {
      session.set("triage", triage);
      this.showTriage(triage);
    }
    const wanted = widgetRequests(result.replies);
    // A batch that only opens the form or the confirmation needs no "no answer" apology.
    const acts = wanted.callbackForm || wanted.confirmForget;
    await signals.onResponse(messages.length || acts ? messages : [{ html: messageHtml(texts.no_reply) }]);
    this.retireOldQuickReplies();
    this.keepNewestInView();
    if (wanted.callbackForm) this.openCallbackForm(null);
    if (wanted.confirmForget) this.openForget(null);
  }

  showTriage(triage) {
    this.alerts.innerHTML = triageBannerHtml(triage, settings.emergencyNumber);
    this.keepNewestInView();
  }

  // A message from the widget itself (not an answer from Rasa), e.g. the call-back confirmation.
  addBotMessage(html, keep = true) {
    if (!keep) this.unsaved.add(html);
    this.chat.addMessage({ role: "ai", html });
    this.retireOldQuickReplies();
    this.keepNewestInView();
  }

  focusInput() {
    setTimeout(() => this.chat.focusInput && this.chat.focusInput(), 0);
  }

  // A banner or the contact box shrinks the chat; the newest message must stay in sight.
  keepNewestInView() {
    requestAnimationFrame(() => this.chat.scrollToBottom && this.chat.scrollToBottom());
  }

  // Only quick replies and thumbs under the newest message can be clicked: older ones
  // belong to older questions. keepNewest is false once the patient has replied.
  retireOldQuickReplies(keepNewest = true) {
    const shadow = this.chat.shadowRoot;
    if (!shadow) return;
    const newest = [...shadow.querySelectorAll(".outer-message-container")].pop();
    shadow.querySelectorAll(".quick-replies, .feedback").forEach((group) => {
      if (keepNewest && newest && newest.contains(group)) return;
      group.querySelectorAll("button").forEach((button) => {
        button.disabled = true;
      });
    });
  }

  // A thumb is not a chat message: it is sent straight to Rasa, and only the reply is shown.
  async rate(button) {
    const group = button.closest(".feedback");
    group.querySelectorAll("button").forEach((other) => {
      other.disabled = true;
    });
    button.setAttribute("aria-pressed", "true");
    const result = await postToRasa(this.sender, RATING_PAYLOADS[button.dataset.rating]);
    const replies = result.error ? [] : displayReplies(result.replies).messages;
    replies.forEach((message) => this.chat.addMessage(message));
    this.retireOldQuickReplies();
    this.keepNewestInView();
  }

  // "Show this to your doctor": the printable summary opens in a new tab. A plain form post,
  // so the conversation id travels in the body, never in a URL.
  showSummary() {
    const form = document.createElement("form");
    form.method = "post";
    form.action = `${settings.webUrl}/patient/summary`;
    form.target = "_blank";
    form.setAttribute("rel", "noopener");
    form.hidden = true;
    const conversation = document.createElement("input");
    conversation.type = "hidden";
    conversation.name = "conversation";
    conversation.value = this.sender;
    form.appendChild(conversation);
    this.panel.appendChild(form);
    form.submit();
    form.remove();
  }

  // deep-chat has few labels of its own; a chat log and a labelled input help screen readers.
  improveAccessibility() {
    const shadow = this.chat.shadowRoot;
    if (!shadow) return;
    const messages = shadow.querySelector("#messages");
    if (messages) {
      messages.setAttribute("role", "log");
      messages.setAttribute("aria-label", "Conversation");
      messages.setAttribute("aria-live", "polite");
    }
    const input = shadow.querySelector("#text-input");
    if (input) {
      input.setAttribute("role", "textbox");
      input.setAttribute("aria-label", "Type your question");
      input.setAttribute("aria-multiline", "false");
    }
    const submit = shadow.querySelector(".input-button");
    if (submit) {
      submit.setAttribute("aria-label", "Send");
      submit.setAttribute("role", "button");
      submit.setAttribute("tabindex", "0");
      if (!submit.dataset.keyboard) {
        submit.dataset.keyboard = "yes";
        submit.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            submit.click();
          }
        });
      }
    }
    if (!shadow.__assistantClicks) {
      shadow.__assistantClicks = true;
      shadow.addEventListener("click", (event) => {
        const button = event
          .composedPath()
          .find((el) => el.classList && ["quick-reply", "suggestion", "rate", "doctor-summary"].some((name) => el.classList.contains(name)));
        if (!button || button.disabled) return;
        if (button.classList.contains("rate")) this.rate(button);
        else if (button.classList.contains("doctor-summary")) this.showSummary();
        else this.chat.submitUserMessage({ text: button.dataset.payload });
      });
    }
    this.retireOldQuickReplies();
  }

  wireHeader() {
    this.launcher.addEventListener("click", () => this.open(true));
    this.root.querySelector(".close").addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
    this.talk.addEventListener("click", () => this.showContact(this.contact.hidden));
    this.root.querySelector(".start-over").addEventListener("click", () => {
      session.clear();
      session.set("open", true);
      location.reload();
    });
  }

  showContact(showing) {
    this.contact.hidden = !showing;
    this.talk.setAttribute("aria-expanded", String(showing));
    this.keepNewestInView();
  }

  // ---- "More options": a menu button (aria-haspopup="menu") with two menu items.

  menuItems() {
    return [...this.menu.querySelectorAll('[role="menuitem"]')];
  }

  openMenu(index = 0) {
    this.menu.hidden = false;
    this.menuButton.setAttribute("aria-expanded", "true");
    const items = this.menuItems();
    items[(index + items.length) % items.length].focus();
  }

  closeMenu(focusButton) {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.menuButton.setAttribute("aria-expanded", "false");
    if (focusButton) this.menuButton.focus();
  }

  wireMenu() {
    this.menuButton.addEventListener("click", () => (this.menu.hidden ? this.openMenu(0) : this.closeMenu(true)));
    this.menuButton.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        this.openMenu(event.key === "ArrowDown" ? 0 : -1);
      }
    });
    this.menu.addEventListener("keydown", (event) => {
      const items = this.menuItems();
      const at = items.indexOf(this.root.activeElement);
      const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation(); // closes the menu, not the chat
        this.closeMenu(true);
      } else if (event.key in moves) {
        event.preventDefault();
        items[(moves[event.key] + items.length) % items.length].focus();
      } else if (event.key === "Tab") {
        this.closeMenu(false);
      }
    });
    this.root.querySelector(".menu-download").addEventListener("click", () => {
      this.closeMenu(true);
      this.download();
    });
    this.root.querySelector(".menu-delete").addEventListener("click", () => {
      this.closeMenu(false);
      this.openForget(this.menuButton);
    });
    // A click anywhere else closes the menu.
    document.addEventListener("click", (event) => {
      if (!this.menu.hidden && !event.composedPath().includes(this.menuWrap)) this.closeMenu(false);
    });
  }

  // "Download my conversation": a text file made here, from what the chat shows.
  download() {
    const text = transcriptText({
      clinicName: settings.clinicName,
      date: new Date(),
      welcomeHtml: this.welcomeHtml,
      messages: session.get("messages", []),
      triage: session.get("triage", null),
    });
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = transcriptFileName(new Date());
    link.hidden = true;
    this.panel.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
    this.noticeStatus.textContent = "Your conversation is saved as a text file.";
  }

  // ---- "Delete my conversation": confirmed in the panel, then POST /patient/forget.

  openForget(returnTo) {
    this.forgetReturn = returnTo;
    this.forgetError.textContent = "";
    this.forget.hidden = false;
    this.root.querySelector(".forget-no").focus();
  }

  closeForget() {
    this.forget.hidden = true;
    if (this.forgetReturn && this.forgetReturn.isConnected) this.forgetReturn.focus();
    else this.focusInput();
  }

  wireForget() {
    const yes = this.root.querySelector(".forget-yes");
    this.root.querySelector(".forget-no").addEventListener("click", () => this.closeForget());
    this.forget.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closeForget();
      }
    });
    yes.addEventListener("click", async () => {
      if (yes.disabled) return;
      yes.disabled = true;
      this.forgetError.textContent = "";
      if (this.pending) await this.pending;
      const { status, body } = await postToWebServer("/patient/forget", { conversation: this.sender });
      const result = readForgetReply(status, body);
      yes.disabled = false;
      if (!result.ok) {
        this.forgetError.textContent =
          result.message || `Sorry, your conversation could not be deleted, so nothing has changed. Please try again later, or ${clinicPhoneWords()}.`;
        return;
      }
      this.forget.hidden = true;
      this.startAfresh();
      this.addBotMessage(messageHtml(result.text), false);
      this.focusInput();
    });
  }

  // After a deletion: nothing of the old conversation is left on the page; a new sender id
  // starts a new conversation, and the welcome is shown again.
  startAfresh() {
    session.clear();
    session.set("open", true);
    this.sender = senderId();
    this.alerts.innerHTML = "";
    this.callbackForm.reset();
    this.showProblems({}, []);
    this.closeCallbackForm(false);
    this.unsaved.clear();
    this.chat.clearMessages();
  }

  // ---- "Ask the clinic to call me": the form in the contact box, POST /patient/callback.

  openCallbackForm(returnTo) {
    this.callbackReturn = returnTo;
    this.showContact(true);
    this.callbackForm.hidden = false;
    this.callbackButton.setAttribute("aria-expanded", "true");
    const first = this.root.getElementById("callback-first-name");
    first.focus();
    this.callbackForm.scrollIntoView({ block: "nearest" });
  }

  closeCallbackForm(focusBack) {
    this.callbackForm.hidden = true;
    this.callbackButton.setAttribute("aria-expanded", "false");
    if (!focusBack) return;
    const back = this.callbackReturn && this.callbackReturn.isConnected ? this.callbackReturn : this.callbackButton;
    back.focus();
  }

  // Each problem next to its field (aria-invalid, aria-describedby); the message above them.
  showProblems(problems, lines) {
    this.callbackMessage.replaceChildren(
      ...lines.map((line) => {
        const paragraph = document.createElement("p");
        paragraph.textContent = line;
        return paragraph;
      })
    );
    let first = null;
    for (const [field, id] of Object.entries(CALLBACK_FIELD_IDS)) {
      const input = this.root.getElementById(id);
      const error = this.root.getElementById(`${id}-error`);
      const hint = this.root.getElementById(`${id}-hint`);
      const words = problems[field];
      error.textContent = words || "";
      error.hidden = !words;
      const describedBy = [hint && hint.id, words && error.id].filter(Boolean).join(" ");
      if (describedBy) input.setAttribute("aria-describedby", describedBy);
      else input.removeAttribute("aria-describedby");
      if (words) {
        input.setAttribute("aria-invalid", "true");
        first = first || input;
      } else input.removeAttribute("aria-invalid");
    }
    if (first) first.focus();
  }

  wireCallback() {
    this.callbackButton.addEventListener("click", () =>
      this.callbackForm.hidden ? this.openCallbackForm(this.callbackButton) : this.closeCallbackForm(true)
    );
    // The urgent banner's button (the banner is redrawn, so the click is caught here).
    this.alerts.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest(".callback-open");
      if (button) this.openCallbackForm(button);
    });
    this.root.querySelector(".callback-cancel").addEventListener("click", () => this.closeCallbackForm(true));
    this.callbackForm.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        this.closeCallbackForm(true);
      }
    });
    const send = this.root.querySelector(".callback-send");
    this.callbackForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (send.disabled) return;
      const value = (id) => this.root.getElementById(id).value;
      const request = callbackRequestBody(this.sender, {
        firstName: value("callback-first-name"),
        phone: value("callback-phone"),
        goodTime: value("callback-good-time"),
        consent: this.root.getElementById("callback-consent").checked,
      });
      send.disabled = true;
      this.callbackForm.setAttribute("aria-busy", "true");
      const { status, body } = await postToWebServer("/patient/callback", request);
      send.disabled = false;
      this.callbackForm.removeAttribute("aria-busy");
      const result = readCallbackReply(status, body);
      if (result.ok) {
        this.callbackForm.reset();
        this.showProblems({}, []);
        this.closeCallbackForm(false);
        this.addBotMessage(messageHtml(result.text));
        this.focusInput();
        return;
      }
      const lines = [result.message, ...result.others];
      if (!result.fromServer) lines.push(`Please try again later, or ${clinicPhoneWords()}.`);
      this.showProblems(result.problems, lines);
    });
  }

  open(focusInput) {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.launcher.hidden = true;
    session.set("open", true);
    if (focusInput) setTimeout(() => this.chat.focusInput && this.chat.focusInput(), 0);
  }

  close() {
    this.closeMenu(false);
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    session.set("open", false);
    this.launcher.focus();
  }
}

async function start() {
  const host = document.createElement("div");
  host.className = "ductogram-assistant";
  document.body.appendChild(host);
  const config = await loadConfig();
  texts = config.texts;
  window.ductogramAssistant = new AssistantWidget(host, config);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
