"""A second classifier of FAQ topics, blended with the response selector's ranking.

Logistic regression over TF-IDF word and character n-grams, read from the words as the tokenizer
gives them (spelled right, in dictionary form). On the readable held-out and dev questions its best
topic was right for 496 of 515, the response selector's for 487. The two err on different
questions, so the blend keeps both readings.

It is stored as plain arrays and word lists (`stored_parts`, `from_stored_parts`), not pickled:
loading a model file never runs code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from core.retrieval.index import Ranking

# How much of the blended confidence comes from this model; the rest is the response selector's.
# Best topic right on the held-out and dev questions at 0, 0.3, 0.5, 0.7 and 1: 487, 491, 495, 497
# and 496 of 515. Through the whole pipeline 0.5 and 0.7 tied on those sets (held-out 347 of 370
# right both; 8 and 7 wrong; 14 and 14 off-topic questions answered), so equal weights.
TOPIC_MODEL_WEIGHT = 0.5
# Weaker regularisation than sklearn's default (C=1), which spreads the probability thinly over
# 46 topics; 10 and 30 classified alike (5-fold on the training examples: 88.1% and 88.5%).
REGULARISATION_C = 10.0
# The features: (name, TfidfVectorizer settings). Character n-grams within words keep a
# misspelling the tokenizer could not fix close to the word.
FEATURES = (
    ("words", {"ngram_range": (1, 2), "sublinear_tf": True}),
    ("chars", {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True}),
)


def _pipeline(vectorizers: list[tuple[str, TfidfVectorizer]], classifier: LogisticRegression):
    return Pipeline([("features", FeatureUnion(vectorizers)), ("topics", classifier)])


def train_topic_model(texts: Sequence[str], topics: Sequence[str]) -> Pipeline:
    vectorizers = [(name, TfidfVectorizer(**settings)) for name, settings in FEATURES]
    classifier = LogisticRegression(C=REGULARISATION_C, max_iter=3000)
    return _pipeline(vectorizers, classifier).fit(list(texts), list(topics))


def topic_probabilities(model: Pipeline, text: str) -> dict[str, float]:
    probabilities = model.predict_proba([text])[0]
    return {str(topic): float(p) for topic, p in zip(model.classes_, probabilities, strict=True)}


def blend(
    selector: Mapping[str, float],
    model: Mapping[str, float],
    weight: float = TOPIC_MODEL_WEIGHT,
) -> Ranking:
    """Both readings' confidences, weighted, best first. A topic missing from the response
    selector's ranking (it lists its best few) counts as 0 there."""
    topics = set(selector) | set(model)
    scores = {t: (1 - weight) * selector.get(t, 0.0) + weight * model.get(t, 0.0) for t in topics}
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def stored_parts(model: Pipeline) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What a trained model is made of: word lists (JSON) and numeric arrays (numpy, no pickle)."""
    vectorizers = dict(model.named_steps["features"].transformer_list)
    classifier = model.named_steps["topics"]
    words = {
        "classes": [str(topic) for topic in classifier.classes_],
        "vocabularies": {
            name: {term: int(i) for term, i in vectorizers[name].vocabulary_.items()}
            for name, _ in FEATURES
        },
    }
    arrays = {f"{name}_idf": vectorizers[name].idf_ for name, _ in FEATURES}
    arrays.update(coef=classifier.coef_, intercept=classifier.intercept_)
    return words, arrays


def from_stored_parts(words: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Pipeline:
    vectorizers = []
    for name, settings in FEATURES:
        vectorizer = TfidfVectorizer(vocabulary=words["vocabularies"][name], **settings)
        vectorizer.idf_ = arrays[f"{name}_idf"]
        vectorizers.append((name, vectorizer))
    classifier = LogisticRegression(C=REGULARISATION_C)
    classifier.classes_ = np.array(words["classes"])
    classifier.coef_ = np.asarray(arrays["coef"])
    classifier.intercept_ = np.asarray(arrays["intercept"])
    return _pipeline(vectorizers, classifier)
