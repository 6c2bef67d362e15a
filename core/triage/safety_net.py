"""A learned safety net behind the red-flag rules: "is a person reporting a breast or
post-test symptom now?"

Word and character n-grams with a logistic regression, trained on the tuning half of the
generated red-flag corpus (core/triage/corpus.py) against its look-alikes and the
assistant's own example questions. It never escalates: levels and reasons come only from the
rule book. When the rules find nothing and the net fires, the assistant asks a clarifying
question instead of answering something else or staying silent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

from core.names import CHECK_INTENT, CLARIFY_INTENT, RED_FLAG_INTENT

# Example questions of these intents describe symptoms (answers in the symptom check, reports):
# they are neither symptom reports to learn nor questions to contrast with.
NOT_NEGATIVE_INTENTS = {RED_FLAG_INTENT, CLARIFY_INTENT, CHECK_INTENT, "inform", "affirm", "deny"}
# Probability above which the net counts as firing: set by hand, high enough that the assistant's
# own FAQ questions rarely fire it (checked on tests/nlu_holdout.yml: none got a clarifying question).
THRESHOLD = 0.7


class SafetyNet:
    def __init__(
        self, reports: Sequence[str], others: Sequence[str], threshold: float = THRESHOLD
    ) -> None:
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                    ),
                ),
            ]
        )
        self.model = make_pipeline(
            features, LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
        )
        self.model.fit(list(reports) + list(others), [1] * len(reports) + [0] * len(others))
        self.threshold = threshold

    def score(self, text: str) -> float:
        return float(self.model.predict_proba([text or ""])[0][1])

    def fires(self, text: str) -> bool:
        return self.score(text) >= self.threshold


def example_questions() -> list[str]:
    """The assistant's own training examples that are not symptom reports."""
    from core.content import training_examples

    return [
        text
        for intent, texts in training_examples().items()
        if intent.split("/")[0] not in NOT_NEGATIVE_INTENTS
        for text in texts
    ]


def build_safety_net() -> SafetyNet:
    """Trained on the tuning half only; the sealed half stays a measure of generalisation."""
    from core.triage.corpus import tuning

    items = tuning()
    reports = [item["text"] for item in items if item["level"]]
    look_alikes = [item["text"] for item in items if not item["level"]]
    return SafetyNet(reports, look_alikes + example_questions())
