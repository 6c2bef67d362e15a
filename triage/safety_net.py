"""A learned safety net behind the red-flag rules: "is a person reporting a breast or
post-test symptom now?"

Word and character n-grams with a logistic regression, trained on the tuning half of the
generated red-flag corpus (quality/red_flag_corpus.py) against its look-alikes and the
assistant's own example questions. It never escalates: levels and reasons come only from the
rule book. When the rules find nothing and the net fires, the assistant asks a clarifying
question instead of answering something else or staying silent.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Sequence

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
# Example questions of these intents describe symptoms (answers in the symptom check, reports):
# they are neither symptom reports to learn nor questions to contrast with.
NOT_NEGATIVE_INTENTS = {"red_flag", "clarify_symptom", "check_symptoms", "inform", "affirm", "deny"}
# Probability above which the net counts as firing; chosen on the tuning half so that its
# look-alikes stay under 5% clarifications from the net alone.
THRESHOLD = 0.7


class SafetyNet:
    def __init__(self, reports: Sequence[str], others: Sequence[str], threshold: float = THRESHOLD) -> None:
        features = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
            ]
        )
        self.model = make_pipeline(features, LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced"))
        self.model.fit(list(reports) + list(others), [1] * len(reports) + [0] * len(others))
        self.threshold = threshold

    def score(self, text: str) -> float:
        return float(self.model.predict_proba([text or ""])[0][1])

    def fires(self, text: str) -> bool:
        return self.score(text) >= self.threshold


def example_questions(nlu_dir: Path = NLU_DIR) -> List[str]:
    """The assistant's own training examples that are not symptom reports."""
    texts: List[str] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            intent = str(block.get("intent", "")).split("/")[0]
            if intent and intent not in NOT_NEGATIVE_INTENTS:
                texts += _examples(block.get("examples") or "")
    return texts


def _examples(block: str) -> Iterable[str]:
    for line in block.splitlines():
        line = line.strip()
        if line.startswith("- "):
            yield line[2:].strip()


def build_safety_net() -> SafetyNet:
    """Trained on the tuning half only; the sealed half stays a measure of generalisation."""
    from quality.red_flag_corpus import tuning

    items = tuning()
    reports = [item["text"] for item in items if item["level"]]
    look_alikes = [item["text"] for item in items if not item["level"]]
    return SafetyNet(reports, look_alikes + example_questions())
