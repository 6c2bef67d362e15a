"""Replies the channels give without asking the model (their words: core/replies.py)."""

from __future__ import annotations

from typing import Any

from core.replies import EMPTY_MESSAGE_TEXT, unavailable_text


def empty_message_reply(sender: str) -> dict[str, Any]:
    return {"recipient_id": sender, "text": EMPTY_MESSAGE_TEXT}


def unavailable_reply(sender: str) -> dict[str, Any]:
    return {"recipient_id": sender, "text": unavailable_text()}
