"""rasa_addons/nlg.py on the real domain: a two-part question's second answer with its own source,
and "Did you mean ...?" buttons that carry each answer's title (no model, no server)."""

from __future__ import annotations

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from core.content import DOMAIN_FILE, NLU_DIR, faq_responses
from core.retrieval.decide import READING_KEY
from rasa_addons.nlg import ALSO_ASKED, DID_YOU_MEAN_RESPONSE, CitingNaturalLanguageGenerator


@pytest.fixture(scope="module")
def nlg() -> CitingNaturalLanguageGenerator:
    # As in training: the answers in data/nlu/ join the domain's responses.
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(DOMAIN_FILE), training_data_paths=[str(NLU_DIR)]
    )
    domain: Domain = importer.get_domain()
    return CitingNaturalLanguageGenerator(domain=domain)


def _tracker(reading: dict) -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events("nlg-test", [])
    tracker.update(
        UserUttered(
            "some question", {"name": "faq", "confidence": 0.9}, parse_data={READING_KEY: reading}
        )
    )
    return tracker


def _generate(nlg, action: str, reading: dict) -> dict:
    return asyncio.run(nlg.generate(action, _tracker(reading), "rest"))


def test_two_part_question_gets_both_answers_each_with_its_source(nlg):
    reading = {
        "answers": ["ductogram_duration", "ductogram_eating_drinking"],
        "suggestions": [],
        "how": "classifier",
    }
    message = _generate(nlg, "utter_faq/ductogram_duration", reading)
    first, second = message["text"].split("\n\n")
    answers = faq_responses()
    assert (
        first.startswith(answers["utter_faq/ductogram_duration"]["text"].strip())
        and "\nSource: " in first
    )
    title = answers["utter_faq/ductogram_eating_drinking"]["metadata"]["title"]
    assert second.startswith(ALSO_ASKED.format(title=title))
    assert (
        answers["utter_faq/ductogram_eating_drinking"]["text"].strip() in second
        and "\nSource: " in second
    )


def test_one_answer_when_one_question(nlg):
    message = _generate(nlg, "utter_faq/ductogram_duration", {"answers": ["ductogram_duration"]})
    assert "\n\n" not in message["text"] and "\nSource: " in message["text"]


def test_did_you_mean_offers_each_topic_by_its_title(nlg):
    topics = ["ductogram_cost", "ductogram_what_to_bring", "ductogram_results"]
    message = _generate(
        nlg, "utter_ask_rephrase", {"answers": [], "suggestions": topics, "how": "suggest"}
    )
    assert message["text"] == nlg.responses[DID_YOU_MEAN_RESPONSE][0]["text"]
    titles = [faq_responses()[f"utter_faq/{topic}"]["metadata"]["title"] for topic in topics]
    assert message["buttons"] == [{"title": title, "payload": title} for title in titles]


def test_plain_rephrase_when_nothing_to_offer(nlg):
    message = _generate(
        nlg, "utter_ask_rephrase", {"answers": [], "suggestions": [], "how": "none"}
    )
    assert "Could you ask another way?" in message["text"] and not message.get("buttons")
