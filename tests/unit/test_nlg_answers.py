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
from rasa_addons.nlg import (
    ALSO_ASKED,
    DID_YOU_MEAN_RESPONSE,
    OTHER_CHOICE,
    CitingNaturalLanguageGenerator,
)


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


# --- the clarifying question, with the answer to the question asked ---------------------------


def _clarify_parse(if_confirmed_level: str | None, original_intent: str = "faq") -> dict:
    return {
        "red_flags": {
            "original_intent": original_intent,
            "verdict": {"action": "clarify", "if_confirmed_level": if_confirmed_level},
        },
        "response_selector": {
            "faq": {"response": {"utter_action": "utter_faq/infusion_other_medicines"}}
        },
    }


def _ask(nlg, text: str, parse: dict) -> dict:
    tracker = DialogueStateTracker.from_events("nlg-test", [])
    tracker.update(
        UserUttered(text, {"name": "clarify_symptom", "confidence": 1.0}, parse_data=parse)
    )
    return asyncio.run(nlg.generate("utter_ask_sign_owner", tracker, "rest"))


def test_a_question_that_names_a_sign_gets_its_answer_with_the_clarifying_question(nlg):
    question = "Could the premeds with my IVIG cause nipple leaking?"
    message = _ask(nlg, question, _clarify_parse(None))
    answer = faq_responses()["utter_faq/infusion_other_medicines"]["text"].strip()
    ask = nlg.responses["utter_ask_sign_owner"][0]
    assert message["text"].startswith(answer) and "\nSource: " in message["text"]
    assert message["text"].endswith("\n\n" + ask["text"])
    assert message["buttons"] == ask["buttons"]


@pytest.mark.parametrize(
    "text, level, original",
    [
        ("my throat is swelling after the dye, is that normal?", "emergency", "faq"),  # ask first
        ("I had a lump, is that why they want a ductogram?", "urgent", "faq"),  # ask first
        ("bloody discharge", "urgent", "faq"),  # asks nothing
        ("Could the premeds with my IVIG cause nipple leaking?", "urgent", "out_of_scope"),
    ],
)
def test_the_clarifying_question_comes_alone_otherwise(nlg, text, level, original):
    message = _ask(nlg, text, _clarify_parse(level, original))
    assert message["text"] == nlg.responses["utter_ask_sign_owner"][0]["text"]


# --- a less sure answer, with the topic ranked next as a button -------------------------------


def test_a_less_sure_answer_offers_the_next_topic_by_its_title(nlg):
    parse = {
        READING_KEY: {"answers": ["ductogram_steps"], "suggestions": [], "how": "classifier"},
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": "faq/ductogram_steps", "confidence": 0.35},
                    {
                        "intent_response_key": "faq/ductogram_getting_ready_in_room",
                        "confidence": 0.3,
                    },
                ]
            }
        },
    }
    tracker = DialogueStateTracker.from_events("nlg-test", [])
    tracker.update(
        UserUttered("how does it start", {"name": "faq", "confidence": 0.9}, parse_data=parse)
    )
    message = asyncio.run(nlg.generate("utter_faq/ductogram_steps", tracker, "rest"))
    answer = faq_responses()["utter_faq/ductogram_steps"]["text"].strip()
    title = faq_responses()["utter_faq/ductogram_getting_ready_in_room"]["metadata"]["title"]
    assert message["text"].startswith(answer) and "\nSource: " in message["text"]
    assert message["text"].endswith("\n\n" + OTHER_CHOICE)
    assert message["buttons"] == [{"title": title, "payload": title}]


def test_a_sure_answer_comes_alone(nlg):
    message = _generate(
        nlg,
        "utter_faq/ductogram_duration",
        {"answers": ["ductogram_duration"], "how": "classifier"},
    )
    assert OTHER_CHOICE not in message["text"] and not message.get("buttons")
