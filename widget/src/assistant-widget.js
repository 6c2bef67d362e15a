// The clinic's chat widget: one <script> tag adds a launcher button and a chat panel.
// Settings are data attributes on that tag (see docs/widget.md, "Put the chat on your site").
// The chat itself is deep-chat, talking to Rasa's REST channel; everything it needs is in
// this one file, so the page makes no request to anyone but the assistant's own servers.
import "deep-chat";
import css from "./assistant-widget.css";
import { RATING_PAYLOADS, displayReplies, escapeHtml, messageHtml, telHref, triageBannerHtml } from "./rasa-replies.js";

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

function senderId() {
  let sender = session.get("sender", null);
  if (!sender) {
    sender = `web-${crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2)}`;
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
    `<p>In an emergency, call <a href="${escapeHtml(telHref(settings.emergencyNumber))}">${escapeHtml(settings.emergencyNumber)}</a>.</p>`
  );
}

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
          <button type="button" class="close" aria-label="Close the chat">&times;</button>
        </div>
      </div>
      <div id="assistant-contact" class="contact" hidden>${contactHtml()}</div>
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

function unavailableHtml() {
  return messageHtml(texts.unavailable);
}

class AssistantWidget {
  constructor(host, welcome) {
    this.sender = senderId();
    this.root = host.attachShadow({ mode: "open" });
    this.root.innerHTML = `<style>${css}</style>${panelHtml()}`;
    this.panel = this.root.querySelector(".panel");
    this.launcher = this.root.querySelector(".launcher");
    this.alerts = this.root.querySelector(".alerts");
    this.typingStatus = this.root.querySelector(".typing-status");
    this.chat = this.createChat(welcome);
    this.root.querySelector(".chat-area").appendChild(this.chat);
    this.wireHeader();
    const triage = session.get("triage", null);
    if (triage) this.showTriage(triage);
    if (session.get("open", settings.startOpen)) this.open(false);
  }

  createChat(welcome) {
    const chat = document.createElement("deep-chat");
    chat.style.fontFamily = FONT;
    chat.chatStyle = { width: "100%", height: "100%", border: "none", backgroundColor: "#ffffff", fontFamily: FONT };
    chat.introMessage = { html: messageHtml(welcome.text, welcome.buttons, "suggestion") };
    chat.history = session.get("messages", []);
    chat.textInput = {
      characterLimit: 5000,
      placeholder: { text: "Type your question…", style: { color: "#595959" } },
      styles: { container: { border: "1px solid #6b6b6b", borderRadius: "8px", width: "calc(100% - 24px)" } },
    };
    // A labelled "Send" button is clearer than an icon, and screen readers can name it.
    const sendButton = (background) => ({
      container: { default: { backgroundColor: background, borderRadius: "8px", padding: "6px 12px", width: "auto", height: "auto" } },
      svg: { styles: { default: { display: "none" } } },
      text: { content: "Send", styles: { default: { color: "#ffffff", fontSize: "15px", fontWeight: "600" } } },
    });
    chat.submitButtonStyles = { position: "inside-end", submit: sendButton("#005ea5"), disabled: sendButton("#4d6f8a") };
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
      if (!isHistory) session.set("messages", [...session.get("messages", []), { role: message.role, text: message.text, html: message.html }]);
      this.improveAccessibility();
    };
    chat.onComponentRender = () => this.improveAccessibility();
    return chat;
  }

  async handle(body, signals) {
    const text = (body.messages || []).map((message) => message.text || "").join("\n");
    this.retireOldQuickReplies(false);
    this.typingStatus.textContent = "The assistant is typing…";
    const result = await postToRasa(this.sender, text);
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
    await signals.onResponse(
      messages.length ? messages : [{ html: messageHtml(texts.no_reply) }]
    );
    this.retireOldQuickReplies();
    this.keepNewestInView();
  }

  showTriage(triage) {
    this.alerts.innerHTML = triageBannerHtml(triage, settings.emergencyNumber);
    this.keepNewestInView();
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
        const button = event.composedPath().find((el) => el.classList && ["quick-reply", "suggestion", "rate"].some((name) => el.classList.contains(name)));
        if (!button || button.disabled) return;
        if (button.classList.contains("rate")) this.rate(button);
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
    const talk = this.root.querySelector(".talk-to-person");
    const contact = this.root.querySelector(".contact");
    talk.addEventListener("click", () => {
      const showing = contact.hidden;
      contact.hidden = !showing;
      talk.setAttribute("aria-expanded", String(showing));
      this.keepNewestInView();
    });
    this.root.querySelector(".start-over").addEventListener("click", () => {
      session.clear();
      session.set("open", true);
      location.reload();
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
  window.ductogramAssistant = new AssistantWidget(host, config.welcome);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
