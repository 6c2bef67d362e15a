"""Rasa's whitespace tokenizer, reading only the questions of a long message (and the sentence
before them: core.retrieval.questions.focus), with the domain's own words spelled right before any
feature is made: "ductagram", "galactogrm", "prolactine", "brest" become the words the answers and the
example questions use, and each word's features are made from its dictionary form
(core.triage.language.lemma). Other names of the documents' subjects ("privigen", "mediport")
are read as the subject's word (data/synonyms.yml). Ordinary English words are never changed
(core.triage.language.SpellingFixer: SymSpell-style lookup, offline, with spacy-lookups-data's
word frequencies). The dictionary is every word of the training examples and the answers,
stored with the model.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.retrieval.questions import focus
from core.synonyms import subject_word
from core.triage.language import SpellingFixer, lemma
from rasa_addons.nlu.stored_json import read_json, write_json

WORDS_FILE = "domain_words.json"
_WORD = re.compile(r"[a-z]+")


def domain_words(texts: Iterable[str]) -> List[str]:
    return sorted({word for text in texts for word in _WORD.findall(text.lower())})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class DomainSpellingTokenizer(WhitespaceTokenizer):
    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        words: Optional[List[str]] = None,
    ) -> None:
        super().__init__(config)
        self._model_storage = model_storage
        self._resource = resource
        self.fixer = SpellingFixer(words) if words else None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DomainSpellingTokenizer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [message.get(TEXT) or "" for message in training_data.training_examples]
        texts += [
            variant.get("text") or ""
            for variants in training_data.responses.values()
            for variant in variants
        ]
        words = domain_words(texts)
        write_json(self._model_storage, self._resource, WORDS_FILE, words)
        self.fixer = SpellingFixer(words)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DomainSpellingTokenizer:
        return cls(
            config, model_storage, resource, read_json(model_storage, resource, WORDS_FILE, [])
        )

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        if attribute == TEXT:
            # Context sentences stay out of the features so they cannot drown the question.
            focused = focus(message.get(TEXT) or "")
            if focused != message.get(TEXT):
                message = Message(data={TEXT: focused})
        tokens = super().tokenize(message, attribute)
        if attribute == TEXT and self.fixer is not None:
            for token in tokens:
                fixed = self.fixer.fix(subject_word(token.text.lower()))
                if fixed != token.text.lower():
                    token.text = fixed
                # Word features are made from lemmas: "leaks", "leaked" and "leaking" are one word.
                token.lemma = lemma(fixed)
        return tokens
