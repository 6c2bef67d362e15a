"""One way to pass a patient's message to Rasa, shared by the REST and socket.io channels:
invisible characters removed, typed intents read as words, long messages cut for the model
(the red-flag check still reads all of it), failures caught, and patient text kept out of the
log."""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from core.names import FULL_TEXT_METADATA_KEY
from rasa_addons.channels.message_text import (
    MAX_MODEL_CHARS,
    clean_text,
    model_text,
)
from rasa_addons.tracker_store import database_failures

logger = logging.getLogger(__name__)


class Outcome(Enum):
    ANSWERED = "answered"
    EMPTY = "empty"  # nothing left to read: ask for a question, store nothing
    FAILED = "failed"  # Rasa failed or said nothing: apologise
    NOT_STORED = "not stored"  # the database failed: the service is unavailable


async def pass_to_rasa(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    typed: str,
    output_channel: OutputChannel,
    sender: str,
    input_channel: str,
    metadata: dict[str, Any] | None,
    replies_sent: Callable[[], int],
) -> Outcome:
    text = clean_text(typed)
    if not text:
        return Outcome.EMPTY
    metadata = dict(metadata or {})
    if len(text) > MAX_MODEL_CHARS:
        metadata[FULL_TEXT_METADATA_KEY] = text
    failures_before = database_failures()
    try:
        await on_new_message(
            UserMessage(
                model_text(text),
                output_channel,
                sender,
                input_channel=input_channel,
                metadata=metadata,
            )
        )
    except (CancelledError, Exception) as error:  # noqa: BLE001 - the patient must hear back
        logger.error("A message in conversation %s failed: %s", sender, type(error).__name__)
        return Outcome.FAILED
    if database_failures() > failures_before:
        logger.error(
            "Conversation %s could not be stored; telling the patient the service is unavailable.",
            sender,
        )
        return Outcome.NOT_STORED
    if not replies_sent():
        logger.error("A message in conversation %s got no reply.", sender)
        return Outcome.FAILED
    return Outcome.ANSWERED
