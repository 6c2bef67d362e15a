"""Our NLU components on their own, without a trained model."""

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.retrieval.topic_model import TOPIC_MODEL_WEIGHT, topic_probabilities
from rasa_addons.nlu.faq_topic_classifier import (
    ARRAYS_FILE,
    RANKING_LENGTH,
    WORDS_FILE,
    FaqTopicClassifier,
    words_read,
)
from rasa_addons.nlu.spelling_tokenizer import DomainSpellingTokenizer, domain_words
from rasa_addons.nlu.stored_json import write_json

WORDS = domain_words(
    [
        "How long does a ductogram take?",
        "What is galactorrhea?",
        "Can I eat before the test?",
        "Prolactin is a hormone.",
    ]
)


def _tokens(text: str):
    tokenizer = DomainSpellingTokenizer(
        {**DomainSpellingTokenizer.get_default_config()}, words=WORDS
    )
    return [token.text for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_domain_words_are_spelled_right_before_features_are_made():
    # "dose" is an English word and stays; "tak" is too short to correct safely.
    assert _tokens("how long dose a ductagrm tak") == [
        "how",
        "long",
        "dose",
        "a",
        "ductogram",
        "tak",
    ]
    assert "galactorrhea" in _tokens("what is galactorhea")
    assert "prolactin" in _tokens("prolactine levels")


def test_ordinary_english_is_left_alone():
    assert _tokens("my breath is short") == ["my", "breath", "is", "short"]


def test_only_the_questions_of_a_long_message_are_read():
    tokens = _tokens(
        "My GP sent me. I am so scared about everything. My sister had one. How long does it take?"
    )
    assert tokens[:3] == ["My", "sister", "had"] and "GP" not in tokens and "scared" not in tokens


def test_other_names_of_a_subject_are_read_as_its_word():
    # data/synonyms.yml: a brand of immunoglobulin, a maker's name for a port
    assert _tokens("my Privigen drip") == ["my", "immunoglobulin", "drip"]
    assert _tokens("a mediport leak") == ["a", "port", "leak"]


def test_every_other_name_has_a_reason_a_reference_and_is_no_everyday_word():
    import yaml

    from core.synonyms import SYNONYMS_FILE, synonyms
    from core.triage.language import common_words

    raw = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    for spec in raw["subjects"].values():
        assert spec["reason"].strip() and spec["reference"].strip() and spec["names"]
    assert not set(synonyms()) & common_words()


FAQ_EXAMPLES = {
    "duration": ["how long does the ductogram take", "how many minutes is the test"],
    "eating": ["can i eat before the test", "do i need to fast before the ductogram"],
    "cost": ["how much does a ductogram cost", "will my insurance pay for the test"],
}


def _faq_training_data() -> TrainingData:
    messages = [
        Message(data={TEXT: text, INTENT: "faq", INTENT_RESPONSE_KEY: f"faq/{topic}"})
        for topic, texts in FAQ_EXAMPLES.items()
        for text in texts
    ]
    responses = {f"utter_faq/{topic}": [{"text": f"About {topic}."}] for topic in FAQ_EXAMPLES}
    return TrainingData(training_examples=messages, responses=responses)


@pytest.fixture()
def trained(tmp_path):
    """The tokenizer and the topic classifier trained on FAQ_EXAMPLES, the classifier stored
    and loaded back as the server loads it."""
    storage = LocalModelStorage(tmp_path)
    data = _faq_training_data()
    tokenizer = DomainSpellingTokenizer(
        DomainSpellingTokenizer.get_default_config(), storage, Resource("tokenizer")
    )
    tokenizer.train(data)
    tokenizer.process_training_data(data)
    resource = Resource("faq_topic_classifier")
    FaqTopicClassifier(storage, resource).train(data)
    return tokenizer, FaqTopicClassifier.load({}, storage, resource, execution_context=None)


def _selector(ranking: list[tuple[str, float]]) -> dict:
    topic, confidence = ranking[0]
    return {
        "faq": {
            "response": {
                "intent_response_key": f"faq/{topic}",
                "utter_action": f"utter_faq/{topic}",
                "confidence": confidence,
                "responses": [],
            },
            "ranking": [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in ranking],
        }
    }


def _read(tokenizer, text: str, selector: dict | None) -> Message:
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    if selector is not None:
        message.set("response_selector", selector)
    return message


def test_the_topic_classifier_reads_the_words_spelled_right_in_dictionary_form(trained):
    tokenizer, _ = trained
    assert words_read(_read(tokenizer, "leaking after the ductagrm", None)) == (
        "leak after the ductogram"
    )


def test_the_blend_can_change_the_pick_and_keeps_the_answer_with_it(trained):
    tokenizer, classifier = trained
    assert classifier.responses["cost"] == [{"text": "About cost."}]
    # The response selector was unsure and picked the wrong topic; the blend corrects it.
    message = _read(tokenizer, "will my insurance pay for it", _selector([("duration", 0.4)]))
    model_says = topic_probabilities(classifier.model, words_read(message))
    classifier.process([message])
    picked = message.get("response_selector")["faq"]["response"]
    assert picked["utter_action"] == "utter_faq/cost"
    assert picked["responses"] == [{"text": "About cost."}]
    weight = TOPIC_MODEL_WEIGHT
    assert picked["confidence"] == pytest.approx(weight * model_says["cost"])
    ranking = message.get("response_selector")["faq"]["ranking"]
    assert ranking[0] == {"intent_response_key": "faq/cost", "confidence": picked["confidence"]}
    assert ranking[1]["confidence"] == pytest.approx(
        (1 - weight) * 0.4 + weight * model_says["duration"]
    )


def test_when_both_agree_the_pick_stays_with_the_blended_confidence(trained):
    tokenizer, classifier = trained
    others = [(f"other_{i}", 0.01) for i in range(12)]
    message = _read(tokenizer, "how long does it take", _selector([("duration", 0.8), *others]))
    model_says = topic_probabilities(classifier.model, words_read(message))
    classifier.process([message])
    selector = message.get("response_selector")["faq"]
    assert selector["response"]["utter_action"] == "utter_faq/duration"
    assert selector["response"]["confidence"] == pytest.approx(
        (1 - TOPIC_MODEL_WEIGHT) * 0.8 + TOPIC_MODEL_WEIGHT * model_says["duration"]
    )
    assert len(selector["ranking"]) == RANKING_LENGTH


@pytest.mark.parametrize(
    "text, selector",
    [
        ("will my insurance pay for it", None),  # no response selector output
        ("will my insurance pay for it", {"faq": {"response": {}, "ranking": []}}),  # no pick
        ("", _selector([("duration", 0.4)])),  # no words to read
    ],
)
def test_without_a_pick_or_words_nothing_is_invented(trained, text, selector):
    tokenizer, classifier = trained
    message = _read(tokenizer, text, selector)
    before = message.get("response_selector")
    classifier.process([message])
    assert message.get("response_selector") == before


def test_a_stored_model_that_would_need_pickle_is_refused(tmp_path, caplog):
    storage = LocalModelStorage(tmp_path)
    resource = Resource("faq_topic_classifier")
    write_json(storage, resource, WORDS_FILE, {"model": {}, "responses": {}})
    with storage.write_to(resource) as directory:
        np.savez(directory / ARRAYS_FILE, coef=np.array([object()], dtype=object))
    loaded = FaqTopicClassifier.load({}, storage, resource, execution_context=None)
    assert loaded.model is None
    assert "FAQ topic model not loaded" in caplog.text
    # Without it the response selector's own pick stands.
    message = Message(data={TEXT: "how long does it take"})
    message.set("response_selector", _selector([("duration", 0.4)]))
    loaded.process([message])
    assert message.get("response_selector") == _selector([("duration", 0.4)])
