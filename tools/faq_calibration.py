"""Where retrieval's thresholds (core/retrieval/decide.py) come from: the training examples only.

Each FAQ example is ranked against the topics with itself left out; each off-topic example
is ranked against all. For each score and margin the table gives how many FAQ examples reach
it (coverage), how many of those rank their own topic first (precision), and how many
off-topic examples reach it too.

    python -m tools.faq_calibration
"""

from __future__ import annotations

import sys

from core.content import faq_responses, training_examples
from core.retrieval.index import TopicIndex

SCORES = (0.2, 0.25, 0.3, 0.35, 0.4)
MARGINS = (0.0, 0.05, 0.1, 0.15)


def faq_documents() -> list[tuple[str, str]]:
    documents = [
        (intent.split("/", 1)[1], text)
        for intent, texts in training_examples().items()
        if intent.startswith("faq/")
        for text in texts
    ]
    return documents + [
        (name.split("/", 1)[1], response["text"]) for name, response in faq_responses().items()
    ]


def table() -> list[str]:
    index = TopicIndex(faq_documents())
    left_out = [
        (topic, ranking[0][0], ranking[0][1], ranking[0][1] - ranking[1][1])
        for topic, ranking in index.rank_leaving_out()
    ]
    off_topic = [index.rank(text) for text in training_examples().get("out_of_scope", [])]
    top3 = sum(topic in [t for t, _ in ranking[:3]] for topic, ranking in index.rank_leaving_out())
    lines = [
        f"FAQ examples: {len(left_out)}; own topic first: "
        f"{sum(t == p for t, p, _, _ in left_out) / len(left_out):.1%}; among the best three: "
        f"{top3 / len(left_out):.1%}",
        "score  margin  coverage  precision  off-topic reaching it",
    ]
    for score in SCORES:
        for margin in MARGINS:
            reached = [t == p for t, p, s, m in left_out if s >= score and m >= margin]
            off = sum(r[0][1] >= score and r[0][1] - r[1][1] >= margin for r in off_topic)
            lines.append(
                f"{score:5.2f}  {margin:6.2f}  {len(reached) / len(left_out):8.1%}  "
                f"{sum(reached) / max(len(reached), 1):9.1%}  {off / max(len(off_topic), 1):8.1%}"
            )
    return lines


if __name__ == "__main__":
    print("\n".join(table()))
    sys.exit(0)
