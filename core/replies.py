"""Replies given without the model, in one place: the Rasa server's channels send them, and the
web server hands them to the chat widget (/widget-config.json), which shows them when it cannot
reach the Rasa server or gets no reply."""

from __future__ import annotations

from core.settings import clinic

EMPTY_MESSAGE_TEXT = "I did not get any words. Please type your question."
NO_REPLY_TEXT = "Sorry, I don't have an answer for that. Could you ask it another way?"


def unavailable_text() -> str:
    place = clinic()
    return (
        "Sorry, I can't answer right now. Please try again in a few minutes. "
        f"To talk to a person, call the clinic at {place.phone}. "
        f"If you feel very unwell, call {place.emergency_number}."
    )
