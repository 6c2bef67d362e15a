"""Rasa's response generator, plus the citation line for answers that name sources, and the
red-flag reply.

Named in endpoints.yml (nlg: type: rasa_addons.nlg.CitingNaturalLanguageGenerator),
so the citation is built from each response's metadata and data/sources.yml:
nurses edit the answer and its source in one place. The red-flag reply (RED_FLAG_RESPONSE) is
built here in the Rasa server from the detector's findings and data/red_flags.yml, so that
escalation never waits on the action server.
"""

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from core.names import ANSWER_PREFIX, OWNER_SLOT, READING_KEY, RED_FLAGS_KEY, REPHRASE_RESPONSE
from core.retrieval.decide import other_choice
from core.sources import load_registry, with_citation
from core.triage.clarify import answer_before_asking
from core.triage.messages import red_flag_reply
from core.triage.rules import load_rulebook

RED_FLAG_RESPONSE = "utter_red_flag"
DID_YOU_MEAN_RESPONSE = "utter_did_you_mean"
# The form's question for its one slot (domain.yml): whose sign, and is it happening now?
ASK_SIGN_OWNER_RESPONSE = f"utter_ask_{OWNER_SLOT}"
# Heads the second answer to a two-part question.
ALSO_ASKED = "You also asked: {title}"
# Leads to the button of the topic ranked next, under an answer the classifier was less sure of.
OTHER_CHOICE = "If you meant something else, this may help:"


class CitingNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None) -> None:
        # The agent replaces `responses` once the model's domain is loaded.
        super().__init__(domain.responses if domain else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        if utter_action == RED_FLAG_RESPONSE:
            red_flags = (tracker.latest_message.parse_data if tracker.latest_message else {}).get(
                RED_FLAGS_KEY
            ) or {}
            # subject: the person a carer writes about ("my husband ..."), spoken of as he/she/they.
            reply = red_flag_reply(red_flags, load_rulebook(), subject=red_flags.get("subject"))
            if reply:
                return reply
        parse = tracker.latest_message.parse_data if tracker.latest_message else {}
        reading = parse.get(READING_KEY) or {}
        if utter_action == REPHRASE_RESPONSE and reading.get("suggestions"):
            return await self._did_you_mean(
                reading["suggestions"], tracker, output_channel, **kwargs
            )
        message = await self._cited(utter_action, tracker, output_channel, **kwargs)
        if message and utter_action == ASK_SIGN_OWNER_RESPONSE:
            # The question the message asked is answered first (core/triage/clarify.py).
            first = answer_before_asking(parse) if parse else None
            answer = await self._cited(first, tracker, output_channel, **kwargs) if first else None
            if answer and answer.get("text"):
                message["text"] = f"{answer['text']}\n\n{message['text']}"
        answers = reading.get("answers") or []
        if message and utter_action == f"{ANSWER_PREFIX}{answers[0] if answers else ''}":
            # A two-part question: the other answer follows in its own bubble, with its source.
            for topic in answers[1:]:
                extra = await self._cited(
                    f"{ANSWER_PREFIX}{topic}", tracker, output_channel, **kwargs
                )
                if extra:
                    message["text"] += (
                        f"\n\n{ALSO_ASKED.format(title=self.title(topic))}\n{extra['text']}"
                    )
            other = other_choice(parse)
            title = self.title(other) if other else ""
            if title:
                # Its title as the payload: the assistant answers a title directly.
                message["text"] += f"\n\n{OTHER_CHOICE}"
                message["buttons"] = (message.get("buttons") or []) + [
                    {"title": title, "payload": title}
                ]
        return message

    async def _cited(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ):
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message and message.get("text"):
            message["text"] = with_citation(message, load_registry())
        return message

    async def _did_you_mean(
        self, topics: list[str], tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Rasa's two-stage fallback: the closest topics as buttons; each sends its title,
        which the assistant answers directly (core/retrieval/decide.py)."""
        message = await super().generate(DID_YOU_MEAN_RESPONSE, tracker, output_channel, **kwargs)
        if not message:
            return None
        titles = [self.title(topic) for topic in topics]
        message["buttons"] = [{"title": title, "payload": title} for title in titles if title]
        return message

    def title(self, topic: str) -> str:
        variants = self.responses.get(f"{ANSWER_PREFIX}{topic}") or [{}]
        return (variants[0].get("metadata") or {}).get("title") or ""
