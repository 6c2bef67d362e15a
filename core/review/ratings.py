"""Which answer a patient's rating refers to, and what the rating means. Pure logic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.names import ANSWER_PREFIX

HELPFUL_INTENTS = {"feedback_helpful", "affirm"}
NOT_HELPFUL_INTENTS = {"feedback_not_helpful", "deny"}
# A thumb pressed on the page sends "/feedback_helpful" or "/feedback_not_helpful", which Rasa
# reads as that intent: a rating, not something the patient said.
THUMB_PAYLOAD_PREFIX = "/feedback_"
THUMB_INTENTS = {"feedback_helpful", "feedback_not_helpful"}


def is_answer(utter_action: str | None) -> bool:
    """Whether a bot message's response ("utter_faq/<topic>") is an FAQ answer."""
    return (utter_action or "").startswith(ANSWER_PREFIX)


def answer_of(event: dict[str, Any]) -> str | None:
    """The FAQ answer a bot event sent ("utter_faq/<topic>"), if it sent one."""
    if event.get("event") != "bot":
        return None
    action = (event.get("metadata") or {}).get("utter_action")
    return action if is_answer(action) else None


def is_thumb(text: str | None, intent: str | None) -> bool:
    """Whether a user message is a thumb pressed on the page rather than words typed."""
    return intent in THUMB_INTENTS and (text or "").startswith(THUMB_PAYLOAD_PREFIX)


def last_answer(events: Iterable[dict[str, Any]]) -> str | None:
    """The most recent FAQ answer in a conversation: the one a rating refers to."""
    answer = None
    for event in events:
        answer = answer_of(event) or answer
    return answer


def rating(intent: str | None) -> bool | None:
    if intent in HELPFUL_INTENTS:
        return True
    if intent in NOT_HELPFUL_INTENTS:
        return False
    return None
