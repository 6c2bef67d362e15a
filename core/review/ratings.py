"""Which answer a patient's rating refers to, and what the rating means. Pure logic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.names import ANSWER_PREFIX

HELPFUL_INTENTS = {"feedback_helpful", "affirm"}
NOT_HELPFUL_INTENTS = {"feedback_not_helpful", "deny"}


def answer_of(event: dict[str, Any]) -> str | None:
    """The FAQ answer a bot event sent ("utter_faq/<topic>"), if it sent one."""
    if event.get("event") != "bot":
        return None
    action = (event.get("metadata") or {}).get("utter_action") or ""
    return action if action.startswith(ANSWER_PREFIX) else None


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
