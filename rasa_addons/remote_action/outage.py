"""When a custom action cannot run (the action server is down, slow or failing), Rasa logs
the error and carries on, and the patient gets silence. Here the patient gets an apology with
the clinic's phone number instead, once per message. A form's own rejection
(ActionExecutionRejection) is not an outage and goes on to Rasa as before.

A form (the symptom check) is paused by the outage: without its validation action it cannot
read answers, so asking on would repeat the same question and apology at every message. Red
flags do not depend on this: the Rasa server escalates them itself (rasa_addons/nlg.py)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, UserUttered

from core.replies import unavailable_text

logger = logging.getLogger(__name__)

# Our actions answer in milliseconds; a patient should not wait on one for minutes (Rasa's own
# limit is 5).
ACTION_TIMEOUT_S = 10
APOLOGY_ACTION = "action_server_unavailable"

_rasa_run = RemoteAction.run


def _apologised_since_last_message(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.metadata.get("utter_action") == APOLOGY_ACTION:
            return True
    return False


def _runs_a_form(action: RemoteAction, tracker: Any, domain: Any) -> bool:
    validated_form = action.name().removeprefix("validate_")
    return bool(tracker.active_loop_name) or validated_form in domain.form_names


def outage_events(action: RemoteAction, tracker: Any, domain: Any) -> list[Event]:
    """What the conversation gets instead of the action's events."""
    events: list[Event] = []
    if not _apologised_since_last_message(tracker):
        events.append(BotUttered(unavailable_text(), metadata={"utter_action": APOLOGY_ACTION}))
    if _runs_a_form(action, tracker, domain):
        events.append(ActiveLoop(None))
    return events


async def _run_or_apologise(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event]:
    try:
        return await asyncio.wait_for(
            _rasa_run(self, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_S
        )
    except ActionExecutionRejection:
        raise
    except Exception as error:  # noqa: BLE001 - whatever failed, the patient must hear back
        logger.error("Custom action %s could not run: %s", self.name(), type(error).__name__)
        return outage_events(self, tracker, domain)


def apologise_when_actions_fail() -> None:
    RemoteAction.run = _run_or_apologise
