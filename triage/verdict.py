"""What the assistant does with one message, decided from the detector's findings.

One decision for the Rasa server (nlu_components/red_flag_detector.py) and for the
evaluations (quality/), so that what is measured is what patients get.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from triage.detector import Detection, RedFlagDetector
from triage.rules import RuleBook, assess

# What the assistant does, most urgent first.
ESCALATE = "escalate"  # a red flag reported now: see a doctor, or call emergency services
CLARIFY = "clarify"  # a sign is named but not whose it is or when: ask before deciding
CHECK = "check"  # a personal report with no red flag established: start the symptom check
GENERAL = "general"  # a question about a sign in general: say why it matters, no alarm


@dataclass(frozen=True)
class Verdict:
    action: Optional[str]
    level: Optional[str] = None
    reasons: List[str] = field(default_factory=list)
    # For CLARIFY: the level and rules that apply if the patient confirms the sign is current.
    if_confirmed_level: Optional[str] = None
    if_confirmed_reasons: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def judge(detection: Detection, rulebook: RuleBook) -> Verdict:
    reported = assess(detection.active_signs, rulebook)
    if reported.level:
        return Verdict(ESCALATE, reported.level, reported.reasons)
    if detection.unsure_signs:
        confirmed = assess(set(detection.active_signs) | set(detection.unsure_signs), rulebook)
        if confirmed.level in ("emergency", "urgent") or detection.symptom_report:
            return Verdict(CLARIFY, None, [], confirmed.level, confirmed.reasons)
    asked_about = assess(detection.general_signs, rulebook)
    if asked_about.level:
        return Verdict(GENERAL, asked_about.level, asked_about.reasons)
    if detection.symptom_report:
        return Verdict(CHECK)
    return Verdict(None)


def judge_text(detector: RedFlagDetector, text: str) -> Verdict:
    return judge(detector.detect(text), detector.rulebook)
