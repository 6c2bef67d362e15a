"""Rasa's response generator, plus the citation line for answers that name sources.

Named in endpoints.yml (nlg: type: grounding.nlg.CitingNaturalLanguageGenerator),
so the citation is built from each response's metadata and data/sources.yml:
nurses edit the answer and its source in one place.
"""
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from grounding.sources import load_registry, with_citation


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
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message and message.get("text"):
            message["text"] = with_citation(message, load_registry())
        return message
