"""Rasa's REST channel, made safe for anything a browser or a script may send.

Same URL as Rasa's own (/webhooks/rest/webhook). Every request gets a clear answer:
- not a JSON object, no "sender", a sender that is not short text, a "message" that is not
  text, or a message over MAX_REQUEST_CHARS: a 400 with the reason, and nothing is stored;
- nothing left to read once invisible characters are removed: a polite prompt, nothing stored;
- a typed "/intent", a long message, a failure inside Rasa or no reply at all: see
  safe_handling.py (an apology with the clinic's phone number for the last two);
- the conversation database failing during the message: a 503 with that apology (Rasa would
  answer from memory and store nothing). GET /webhooks/rest/ is a health check of the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_addons.channels.message_text import MAX_REQUEST_CHARS, MAX_SENDER_CHARS
from rasa_addons.channels.replies import empty_message_reply, unavailable_reply
from rasa_addons.channels.safe_handling import Outcome, pass_to_rasa
from rasa_addons.tracker_store import database_problem


def request_problem(body: Any, sender_field: str = "sender") -> str | None:
    """Why a parsed request body cannot be handled, or None when it can."""
    if not isinstance(body, dict):
        return 'Please send a JSON object such as {"sender": "abc", "message": "What is a ductogram?"}.'
    if not isinstance(body.get("message"), str):
        return 'Please send your question as text in the "message" field.'
    if len(body["message"]) > MAX_REQUEST_CHARS:
        return (
            f"That message is too long. Please ask in fewer than {MAX_REQUEST_CHARS:,} characters."
        )
    sender = body.get(sender_field)
    if sender is None or (isinstance(sender, str) and not sender.strip()):
        return (
            f'Please send a conversation id in the "{sender_field}" field, '
            "so that your conversation is kept apart from others."
        )
    if not isinstance(sender, str):
        return f'The "{sender_field}" field must be text.'
    if len(sender) > MAX_SENDER_CHARS:
        return f'The "{sender_field}" field must be at most {MAX_SENDER_CHARS} characters.'
    return None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", type(self).__module__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # In a thread: a locked SQLite file makes the check wait up to its busy timeout.
            problem = await asyncio.get_running_loop().run_in_executor(None, database_problem)
            if problem:
                return response.json({"status": "unavailable", "reason": problem}, status=503)
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
            sender = body["sender"]
            collector = CollectingOutputChannel()
            outcome = await pass_to_rasa(
                on_new_message,
                body["message"],
                collector,
                sender,
                self.name(),
                self.get_metadata(request),
                replies_sent=lambda: len(collector.messages),
            )
            if outcome is Outcome.EMPTY:
                return response.json([empty_message_reply(sender)])
            if outcome is Outcome.NOT_STORED:
                return response.json([unavailable_reply(sender)], status=503)
            if outcome is Outcome.FAILED:
                return response.json(collector.messages + [unavailable_reply(sender)])
            return response.json(collector.messages)

        return webhook
