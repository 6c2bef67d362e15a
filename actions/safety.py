"""Every action answers, even when it fails: the patient gets a short apology instead of
silence, and the log names the action and the error type, never the patient's words."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

RunMethod = Callable[..., Any]


def apologises_on_error(apology: str) -> Callable[[RunMethod], RunMethod]:
    def decorate(run: RunMethod) -> RunMethod:
        @functools.wraps(run)
        async def run_safely(
            self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
        ) -> list[dict[str, Any]]:
            try:
                events = run(self, dispatcher, tracker, domain)
                return await events if inspect.isawaitable(events) else events
            except Exception as error:  # noqa: BLE001 - the patient must hear back
                logger.error(
                    "Action %s failed in conversation %s: %s",
                    self.name(),
                    tracker.sender_id,
                    type(error).__name__,
                )
                dispatcher.utter_message(text=apology)
                return []

        return run_safely

    return decorate
