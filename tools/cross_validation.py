"""F1 per topic from `rasa test nlu --cross-validation` (5 folds), worst first.

    python -m tools.cross_validation var/results/cross_validation

Reads the fold-merged reports Rasa writes there: intent_report.json (the intent, after every
component of the pipeline) and response_selection_report.json (which FAQ answer).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SUMMARY_ROWS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def f1_by_label(report: dict) -> list[tuple[str, float, int]]:
    """(label, f1, support), worst first."""
    rows = [
        (label, float(values["f1-score"]), int(values["support"]))
        for label, values in report.items()
        if label not in SUMMARY_ROWS and isinstance(values, dict) and "f1-score" in values
    ]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def render(title: str, report: dict) -> list[str]:
    lines = [f"== {title} =="]
    for summary in ("macro avg", "weighted avg"):
        if summary in report:
            lines.append(f"{summary}: F1 {report[summary]['f1-score']:.3f}")
    lines += [f"  {f1:.3f}  {label} (n={support})" for label, f1, support in f1_by_label(report)]
    return lines


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "var/results/cross_validation")
    lines: list[str] = []
    for name, title in (
        ("intent_report.json", "intent F1, 5-fold"),
        ("response_selection_report.json", "FAQ answer F1, 5-fold"),
    ):
        path = folder / name
        if not path.exists():
            print(
                f"{path} is missing: run `make evaluate` (rasa test nlu --cross-validation) first."
            )
            return 1
        lines += render(title, json.loads(path.read_text(encoding="utf-8")))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
