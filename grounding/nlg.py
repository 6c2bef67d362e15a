"""Rasa's response generator, plus the citation line for answers that name sources, and the
red-flag reply.

Named in endpoints.yml (nlg: type: grounding.nlg.CitingNaturalLanguageGenerator),
so the citation is built from each response's metadata and data/sources.yml:
nurses edit the answer and its source in one place. The red-flag reply (RED_FLAG_RESPONSE) is
built here in the Rasa server from the detector's findings and data/red_flags.yml, so that
escalation never waits on the action server.
"""
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from grounding.sources import load_registry, with_citation
from triage.messages import red_flag_reply
from triage.rules import load_rulebook

RED_FLAG_RESPONSE = "utter_red_flag"


class CitingNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None) -> None:
        # The agent replaces `responses` once the model's domain is loaded.
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        if utter_action == RED_FLAG_RESPONSE:
            red_flags = (tracker.latest_message.parse_data if tracker.latest_message else {}).get("red_flags") or {}
            # subject: the person a carer writes about ("my husband ..."), spoken of as he/she/they.
            reply = red_flag_reply(red_flags, load_rulebook(), subject=red_flags.get("subject"))
            if reply:
                return reply
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message and message.get("text"):
            message["text"] = with_citation(message, load_registry())
        return message
