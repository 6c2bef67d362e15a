"""What the patient is told about red flags. Pure text, built from the rule book."""
from __future__ import annotations

from typing import Dict, List, Optional

from triage.rules import RuleBook

# The payload a web page turns into a banner: {"triage": {"level", "reasons" (rule ids),
# "headline", "why" (the reasons in words), "next_step"}}.
PAYLOAD_KEY = "triage"


def _join(parts: List[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _reasons(rule_ids: List[str], rulebook: RuleBook) -> List[str]:
    rules = {rule.id: rule for rule in rulebook.rules}
    return [rules[rule_id].reason for rule_id in rule_ids]


def escalation_text(level: str, rule_ids: List[str], rulebook: RuleBook) -> str:
    """Level in plain words, the reason in the patient's terms, and what to do next."""
    spec = rulebook.levels[level]
    next_step = spec.next_step.format(emergency_number=rulebook.emergency_number)
    rules = {rule.id: rule for rule in rulebook.rules}
    advice = " ".join(dict.fromkeys(rules[r].advice for r in rule_ids if rules[r].advice))
    text = f"{spec.headline} I'm telling you this because {_join(_reasons(rule_ids, rulebook))}. {next_step}"
    return f"{text} {advice}" if advice else text


def escalation_payload(level: str, rule_ids: List[str], rulebook: RuleBook) -> Dict[str, Dict]:
    spec = rulebook.levels[level]
    return {
        PAYLOAD_KEY: {
            "level": level,
            "reasons": list(rule_ids),
            "headline": spec.headline,
            "why": list(dict.fromkeys(_reasons(rule_ids, rulebook))),
            "next_step": spec.next_step.format(emergency_number=rulebook.emergency_number),
        }
    }


def general_sign_text(level: Optional[str], rule_ids: List[str], rulebook: RuleBook) -> str:
    """For questions about a sign in general: why it matters, with no personal alarm."""
    when = _join(_reasons(rule_ids, rulebook))
    if level == "emergency":
        return (f"In general, this can be an emergency. If it happens to you, call "
                f"{rulebook.emergency_number} right away. It matters when {when}.")
    return (f"In general, this is a reason to see your doctor. It matters when {when}. "
            "I can't tell what it means for you, but your doctor can check.")


def escalation_reply(level: str, rule_ids: List[str], rulebook: RuleBook) -> Dict:
    """The escalation contract: the plain-words message and the payload for banners and tests."""
    return {"text": escalation_text(level, rule_ids, rulebook), "custom": escalation_payload(level, rule_ids, rulebook)}


def red_flag_reply(red_flags: Dict, rulebook: RuleBook) -> Optional[Dict]:
    """The reply to a message the red-flag detector flagged (its "red_flags" parse data): the
    escalation for a sign the patient reports, or why a sign matters when they ask about it in
    general. None when nothing was flagged."""
    if red_flags.get("level"):
        return escalation_reply(red_flags["level"], red_flags["reasons"], rulebook)
    if red_flags.get("general_level"):
        return {"text": general_sign_text(red_flags["general_level"], red_flags["general_reasons"], rulebook)}
    return None


def symptom_check_summary(level: Optional[str], answers: List[str]) -> str:
    """The end of the symptom check: what it found and what to tell the doctor."""
    if level:
        opening = "That's the end of the check."
    else:
        opening = ("From your answers, I did not find a sign that needs a quick visit. Discharge is often "
                   "harmless, but mention it to your doctor at your next visit.")
    told = "; ".join(answers) if answers else "when it started and what it looks like"
    return f"{opening} What to tell your doctor: {told}. Here is more you may want to read:"
