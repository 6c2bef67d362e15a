"""The second opinion before giving up, and the second answer to a two-part question.

Trained with the model: a TF-IDF index over every FAQ example question and answer
(core/retrieval/index.py). At parse time core/retrieval/decide.py combines it with the classifier:
- an unsure classifier backed by sure retrieval still answers ("how": "retrieval");
- a message that asks about a second topic gets that answer too (rasa_addons/nlg.py adds it);
- when both are unsure, up to three topics are offered as "Did you mean ...?" buttons;
- a message about something the documents do not cover (data/scope.yml), or naming none of their
  subjects and a word neither they nor common English use, becomes out_of_scope.
The result is put in the parse under "faq_reading" ({"answers", "suggestions", "how"}).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.retrieval.decide import FALLBACK, FAQ, OUT_OF_SCOPE, READING_KEY, decide
from core.retrieval.index import TopicIndex
from core.retrieval.scope import load_scope
from rasa_addons.nlu.faq_answers import answer_with, answers_by_topic, faq_examples, topic_of
from rasa_addons.nlu.spelling_tokenizer import domain_words
from rasa_addons.nlu.stored_json import read_json, write_json

INDEX_FILE = "faq_index.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqRetrieval(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {}

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        documents: Optional[List[Tuple[str, str]]] = None,
        titles: Optional[Dict[str, str]] = None,
        responses: Optional[Dict[str, List[Dict[str, Any]]]] = None,
        vocabulary: Optional[List[str]] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.documents = documents or []
        self.titles = titles or {}
        self.responses = responses or {}
        self.index = TopicIndex(self.documents) if self.documents else None
        self.scope = load_scope()
        # Every word the assistant was trained on: a message naming none of ours is elsewhere.
        self.vocabulary = self.scope.vocabulary(vocabulary or [text for _, text in self.documents])

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqRetrieval:
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        responses = answers_by_topic(training_data)
        documents = [
            (topic_of(message), message.get(TEXT)) for message in faq_examples(training_data)
        ]
        documents += [(topic, variants[0]["text"]) for topic, variants in responses.items()]
        titles = {
            topic: (variants[0].get("metadata") or {}).get("title", "")
            for topic, variants in responses.items()
        }
        # Words of every example but the off-topic ones, and of every answer and reply.
        vocabulary = domain_words(
            [
                message.get(TEXT) or ""
                for message in training_data.intent_examples
                if message.get(INTENT) != OUT_OF_SCOPE
            ]
            + [
                variant.get("text") or ""
                for variants in training_data.responses.values()
                for variant in variants
            ]
        )
        write_json(
            self._model_storage,
            self._resource,
            INDEX_FILE,
            {
                "documents": documents,
                "titles": titles,
                "responses": responses,
                "vocabulary": vocabulary,
            },
        )
        self.vocabulary = self.scope.vocabulary(vocabulary)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqRetrieval:
        stored = read_json(model_storage, resource, INDEX_FILE, {})
        documents = [(topic, text) for topic, text in stored.get("documents", [])]
        return cls(
            model_storage,
            resource,
            documents,
            stored.get("titles"),
            stored.get("responses"),
            stored.get("vocabulary"),
        )

    def process(self, messages: List[Message]) -> List[Message]:
        if self.index is not None:
            for message in messages:
                self._process(message, self.index)
        return messages

    def _process(self, message: Message, index: TopicIndex) -> None:
        ranking = [entry.get(INTENT_NAME_KEY) for entry in message.get(INTENT_RANKING_KEY) or []]
        final_intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
        real_intents = [name for name in ranking if name != FALLBACK]
        selector = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(FAQ) or {}
        selection = selector.get(RESPONSE_SELECTOR_PREDICTION_KEY) or {}
        selected = (selection.get(INTENT_RESPONSE_KEY) or "").partition("/")[2] or None
        decision = decide(
            message.get(TEXT) or "",
            final_intent,
            real_intents[0] if real_intents else final_intent,
            selected,
            index.rank,
            self.titles,
            self.scope.outside_class(message.get(TEXT) or "", self.vocabulary),
            also_ranked=[
                (entry.get(INTENT_RESPONSE_KEY) or "").partition("/")[2]
                for entry in selector.get(RESPONSE_SELECTOR_RANKING_KEY) or []
            ],
        )
        if decision.how in ("title", "retrieval"):
            self._answer_with(message, index, decision.answers[0], set_intent=True)
        elif decision.answers and decision.answers[0] != selected:
            # Two answers, in the order asked: the first one asked is the one sent first.
            self._answer_with(message, index, decision.answers[0], set_intent=False)
        elif decision.how == "off_topic":
            message.set(
                INTENT,
                {INTENT_NAME_KEY: OUT_OF_SCOPE, PREDICTED_CONFIDENCE_KEY: 1.0},
                add_to_output=True,
            )
        reading = {
            "answers": decision.answers,
            "suggestions": decision.suggestions,
            "how": decision.how,
        }
        message.set(READING_KEY, reading, add_to_output=True)

    def _answer_with(
        self, message: Message, index: TopicIndex, topic: str, set_intent: bool
    ) -> None:
        """The response selector's pick becomes `topic`; with set_intent, the intent becomes faq."""
        confidence = dict(index.rank(message.get(TEXT) or "")).get(topic, 0.0)
        if set_intent:
            message.set(
                INTENT,
                {INTENT_NAME_KEY: FAQ, PREDICTED_CONFIDENCE_KEY: confidence},
                add_to_output=True,
            )
        answer_with(message, topic, confidence, self.responses)
