"""The gates a newly trained model must pass before publishing loads it (webapp/publisher.py):

    python -m tools.publish_gates held-out --model MODEL
    python -m tools.publish_gates red-flags --model MODEL

Each prints its figures and, last, one line in plain words for the nurses' page; it exits 1 when
the model falls below a floor. The floors are the ones the test suite holds the model to
(tests/test_understanding.py, tests/test_red_flags.py), so a change that would fail the tests
never goes live.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from core.names import RED_FLAG_INTENT, RED_FLAGS_KEY
from core.paths import PROJECT_ROOT
from tools.holdout import held_out_shortfalls, parses, predict

RED_FLAG_PHRASINGS = PROJECT_ROOT / "tests" / "data" / "red_flag_phrasings.yml"
# Every phrasing of a red flag escalates at its level; of the look-alikes (negated, someone
# else's, past or benign), at most this share may.
MAX_FALSE_ALARM_RATE = 0.05


def held_out_gate(model: str) -> tuple[bool, str]:
    figures, shortfalls = held_out_shortfalls(predict(model))
    if shortfalls:
        return False, f"Held-out questions: {'; '.join(shortfalls)} ({figures})."
    return True, f"Held-out questions: {figures}."


def _red_flag_outcomes(model: str, phrasings: dict) -> tuple[list[str], list[str]]:
    """(red-flag phrasings not escalated at their level, look-alikes escalated)."""

    def levels(texts: list[str]) -> list[str | None]:
        return [
            (parse.get(RED_FLAGS_KEY) or {}).get("level")
            if parse["intent"]["name"] == RED_FLAG_INTENT
            else None
            for parse in parses(model, texts)
        ]

    signs = phrasings["red_flags"]
    missed = [
        row["text"]
        for row, level in zip(signs, levels([row["text"] for row in signs]), strict=True)
        if level != row["level"]
    ]
    look_alikes = phrasings["look_alikes"]
    alarms = [
        text
        for text, level in zip(look_alikes, levels(look_alikes), strict=True)
        if level is not None
    ]
    return missed, alarms


def red_flag_gate(model: str, path: Path = RED_FLAG_PHRASINGS) -> tuple[bool, str]:
    phrasings = yaml.safe_load(path.read_text(encoding="utf-8"))
    missed, alarms = _red_flag_outcomes(model, phrasings)
    signs, look_alikes = len(phrasings["red_flags"]), len(phrasings["look_alikes"])
    figures = (
        f"{signs - len(missed)} of {signs} warning signs escalated at their level, "
        f"{len(alarms)} of {look_alikes} look-alikes escalated"
    )
    problems = []
    if missed:
        problems.append(
            f"{len(missed)} warning signs would no longer be escalated, e.g. “{missed[0]}”"
        )
    if len(alarms) > MAX_FALSE_ALARM_RATE * look_alikes:
        problems.append(
            f"{len(alarms)} calm messages would be escalated; at most "
            f"{MAX_FALSE_ALARM_RATE:.0%} may be"
        )
    if problems:
        return False, f"Red flags: {'; '.join(problems)} ({figures})."
    return True, f"Red flags: {figures}."


GATES = {"held-out": held_out_gate, "red-flags": red_flag_gate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gate", choices=sorted(GATES))
    parser.add_argument("--model", required=True)
    args = parser.parse_args(argv)
    passed, verdict = GATES[args.gate](args.model)
    print(verdict, flush=True)
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
