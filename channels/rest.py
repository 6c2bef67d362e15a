"""Rasa's REST channel, answering malformed requests with a clear 400 instead of a 500.

Same URL as Rasa's own (/webhooks/rest/webhook). A request must be a JSON object
with "message" as text; anything else is refused politely and nothing is stored.
"""
from typing import Any, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request

# Long enough for any real question; longer bodies would only slow every patient down.
MAX_MESSAGE_CHARS = 5000


def _request_problem(body: Any) -> Optional[Text]:
    """Why a parsed request body cannot be handled, or None when it can."""
    if not isinstance(body, dict):
        return 'Please send a JSON object such as {"sender": "abc", "message": "What is a ductogram?"}.'
    if not isinstance(body.get("message"), str):
        return 'Please send your question as text in the "message" field.'
    if len(body["message"]) > MAX_MESSAGE_CHARS:
        return f"That message is too long. Please ask in fewer than {MAX_MESSAGE_CHARS} characters."
    sender = body.get("sender")
    if sender is not None and not isinstance(sender, (str, int)):
        return 'The "sender" field must be text.'
    return None


class ValidatingRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        # Runs first for every request, so the whole body is checked here.
        # req.json itself answers 400 when the body is not JSON at all.
        problem = _request_problem(req.json)
        if problem:
            raise InvalidUsage(problem)
        sender = req.json.get("sender")
        return None if sender is None else str(sender)
