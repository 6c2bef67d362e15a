"""Replies the channels give without asking the model."""
from __future__ import annotations

from typing import Any, Dict, Text

# The same settings as the web page's "Talk to a person" and red banner.
from webapp.settings import load_settings


EMPTY_MESSAGE_TEXT = "I did not get any words. Please type your question."


def empty_message_reply(sender: Text) -> Dict[Text, Any]:
    return {"recipient_id": sender, "text": EMPTY_MESSAGE_TEXT}


def unavailable_text() -> Text:
    settings = load_settings()
    return (
        "Sorry, I can't answer right now. Please try again in a few minutes. "
        f"To talk to a person, call the clinic at {settings.clinic_phone}. "
        f"If you feel very unwell, call {settings.emergency_number}."
    )


def unavailable_reply(sender: Text) -> Dict[Text, Any]:
    return {"recipient_id": sender, "text": unavailable_text()}
