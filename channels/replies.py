"""Replies the channel gives without asking the model."""
from __future__ import annotations

import os
from typing import Any, Dict, Text


def clinic_phone() -> Text:
    # The same setting as the web page's "Talk to a person" (webapp/settings.py).
    return os.environ.get("CLINIC_PHONE", "+1 555 0100")


def empty_message_reply(sender: Text) -> Dict[Text, Any]:
    return {"recipient_id": sender, "text": "I did not get any words. Please type your question."}


def unavailable_text() -> Text:
    return (
        "Sorry, I can't answer right now. Please try again in a few minutes. "
        f"To talk to a person, call the clinic at {clinic_phone()}. "
        f"If you feel very unwell, call {os.environ.get('EMERGENCY_NUMBER', '911')}."
    )


def unavailable_reply(sender: Text) -> Dict[Text, Any]:
    return {"recipient_id": sender, "text": unavailable_text()}
