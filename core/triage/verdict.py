"""What the assistant does with one message, decided from the detector's findings.

One decision for the Rasa server (rasa_addons/nlu/red_flag_detector.py) and for the
evaluations (tools/), so that what is measured is what patients get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.triage.detector import Detection, RedFlagDetector
from core.triage.rules import RuleBook, assess
from core.triage.safety_net import SafetyNet, build_safety_net

DISCHARGE_SIGNS = {"discharge", "bloody_discharge", "clear_discharge", "spontaneous"}

# What the assistant does, most urgent first.
ESCALATE = "escalate"  # a red flag reported now: see a doctor, or call emergency services
CLARIFY = "clarify"  # a sign is named but not whose it is or when: ask before deciding
CHECK = "check"  # a personal report with no red flag established: start the symptom check
GENERAL = "general"  # a question about a sign in general: say why it matters, no alarm


@dataclass(frozen=True)
class Verdict:
    action: str | None
    level: str | None = None
    reasons: list[str] = field(default_factory=list)
    # For CLARIFY: the level and rules that apply if the patient confirms the sign is current.
    if_confirmed_level: str | None = None
    if_confirmed_reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def judge(detection: Detection, rulebook: RuleBook, net_fires: bool = False) -> Verdict:
    """The rules decide every level; the learned net (core/triage/safety_net.py) only turns silence
    into a clarifying question."""
    reported = assess(detection.active_signs, rulebook)
    if reported.level:
        return Verdict(ESCALATE, reported.level, reported.reasons)
    if detection.unsure_signs:
        named = set(detection.active_signs) | set(detection.unsure_signs)
        # The check is about discharge: a leak-type sign confirmed implies the discharge itself.
        if named & DISCHARGE_SIGNS:
            named.add("discharge")
        confirmed = assess(named, rulebook)
        if confirmed.level == "emergency":
            # Asking costs minutes an emergency may not have.
            return Verdict(ESCALATE, confirmed.level, confirmed.reasons)
        return Verdict(CLARIFY, None, [], confirmed.level, confirmed.reasons)
    asked_about = assess(detection.general_signs, rulebook)
    if asked_about.level and (detection.symptom_report or net_fires):
        # A question about a sign from someone who also reports a symptom: ask if it is hers.
        return Verdict(CLARIFY, None, [], asked_about.level, asked_about.reasons)
    if asked_about.level:
        return Verdict(GENERAL, asked_about.level, asked_about.reasons)
    if detection.symptom_report:
        return Verdict(CHECK)
    if net_fires or detection.vague_worry:
        # "im really anxious, is this bad": about something unsaid. Ask, never guess.
        return Verdict(CLARIFY)
    return Verdict(None)


class Triage:
    """The detector and the safety net together: what the Rasa server runs on each message."""

    def __init__(self, detector: RedFlagDetector, net: SafetyNet | None = None) -> None:
        self.detector = detector
        self.rulebook = detector.rulebook
        self.net = net

    def assess(self, text: str) -> tuple[Detection, Verdict, float]:
        detection = self.detector.detect(text)
        verdict = judge(detection, self.rulebook)
        score = 0.0
        # A second opinion on silence, including signs the rules judged not current; not
        # for an animal's signs, which this assistant does not cover.
        if (
            verdict.action in (None, GENERAL)
            and self.net is not None
            and not detection.about_animal
        ):
            score = self.net.score(text)
            verdict = judge(detection, self.rulebook, net_fires=score >= self.net.threshold)
        return detection, verdict, score


def build_triage(rulebook: RuleBook | None = None, with_net: bool = True) -> Triage:
    from core.triage.rules import load_rulebook

    return Triage(
        RedFlagDetector(rulebook or load_rulebook()), build_safety_net() if with_net else None
    )


def judge_text(triage: Triage, text: str) -> Verdict:
    return triage.assess(text)[1]
