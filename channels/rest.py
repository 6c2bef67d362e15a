"""Rasa's REST channel, made safe for anything a browser or a script may send.

Same URL as Rasa's own (/webhooks/rest/webhook). Every request gets a clear answer:
- not a JSON object, no "sender", a sender that is not short text, a "message" that is not
  text, or a body over MAX_REQUEST_CHARS: a 400 with the reason, and nothing is stored;
- nothing left to read once invisible characters are removed: a polite prompt, nothing stored;
- a typed "/intent" is read as words, except the payloads our own buttons send;
- a long message: the model reads its first MAX_MODEL_CHARS characters (longer ones cost memory
  with the square of their length), the red-flag check reads all of it (metadata "full_text");
- a failure inside Rasa, or no reply at all: an apology with the clinic's phone number.
Patient text is never written to the log.
"""
from __future__ import annotations

import inspect
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.message_text import (
    FULL_TEXT_METADATA_KEY,
    MAX_MODEL_CHARS,
    MAX_REQUEST_CHARS,
    MAX_SENDER_CHARS,
    clean_text,
    model_text,
)
from channels.replies import empty_message_reply, unavailable_reply

logger = logging.getLogger(__name__)


def request_problem(body: Any) -> Optional[Text]:
    """Why a parsed request body cannot be handled, or None when it can."""
    if not isinstance(body, dict):
        return 'Please send a JSON object such as {"sender": "abc", "message": "What is a ductogram?"}.'
    if not isinstance(body.get("message"), str):
        return 'Please send your question as text in the "message" field.'
    if len(body["message"]) > MAX_REQUEST_CHARS:
        return f"That message is too long. Please ask in fewer than {MAX_REQUEST_CHARS:,} characters."
    sender = body.get("sender")
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        return 'Please send a conversation id in the "sender" field, so that your conversation is kept apart from others.'
    if not isinstance(sender, str) or isinstance(sender, bool):
        return 'The "sender" field must be text.'
    if len(sender) > MAX_SENDER_CHARS:
        return f'The "sender" field must be at most {MAX_SENDER_CHARS} characters.'
    return None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", inspect.getmodule(self).__name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - Sanic raises several kinds for a body that is not JSON
                body = None
            problem = request_problem(body)
            if problem:
                return response.json({"status": "failure", "message": problem}, status=400)
            sender, typed = body["sender"], body["message"]
            text = clean_text(typed)
            if not text:
                return response.json([empty_message_reply(sender)])
            metadata: Dict[Text, Any] = dict(self.get_metadata(request) or {})
            if len(text) > MAX_MODEL_CHARS:
                metadata[FULL_TEXT_METADATA_KEY] = text
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(model_text(text), collector, sender, input_channel=self.name(), metadata=metadata)
                )
            except (CancelledError, Exception) as error:  # noqa: BLE001 - the patient must hear back
                logger.error("A message in conversation %s failed: %s", sender, type(error).__name__)
                return response.json(collector.messages + [unavailable_reply(sender)])
            if not collector.messages:
                logger.error("A message in conversation %s got no reply.", sender)
                return response.json([unavailable_reply(sender)])
            return response.json(collector.messages)

        return webhook

