"""When a custom action cannot run (the action server is down, slow or failing), Rasa logs
the error and carries on, and the patient gets silence. Here the patient gets an apology with
the clinic's phone number instead. A form's own rejection (ActionExecutionRejection) is not
an outage and goes on to Rasa as before."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, List

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.events import BotUttered, Event

from channels.replies import unavailable_text

logger = logging.getLogger(__name__)

# Our actions answer in milliseconds; a patient should not wait on one for minutes (Rasa's own
# limit is 5).
ACTION_TIMEOUT_S = 10

_rasa_run = RemoteAction.run


async def _run_or_apologise(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await asyncio.wait_for(_rasa_run(self, output_channel, nlg, tracker, domain), ACTION_TIMEOUT_S)
    except ActionExecutionRejection:
        raise
    except Exception as error:  # noqa: BLE001 - whatever failed, the patient must hear back
        logger.error("Custom action %s could not run: %s", self.name(), type(error).__name__)
        return [BotUttered(unavailable_text(), metadata={"utter_action": "action_server_unavailable"})]


def apologise_when_actions_fail() -> None:
    RemoteAction.run = _run_or_apologise
