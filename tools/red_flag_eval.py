"""Recall and false alarms of the red-flag detector on the generated corpus and the forum messages.

    python -m tools.red_flag_eval [--show-misses tuning|forum_tuning] [--json PATH]

Sets: the two halves of core/triage/corpus.py (tuning, sealed) and, when present,
tests/data/forum_red_flags_tuning.yml and forum_red_flags_sealed.yml. Each message is judged
as patients get it (core.triage.verdict.judge_text):

- emergency: caught only when escalated as an emergency.
- urgent: caught when escalated (urgent or emergency), or when the assistant asks a
  clarifying question or starts the symptom check (both safe); the two are counted apart.
- check (forum only): caught by the symptom check, a clarifying question or an escalation.
- look-alike / calm: a false alarm when escalated as urgent or emergency; clarify/check is
  counted apart (safe, not a false alarm).

Misses can be listed for the tuning sets only. Sealed and forum_sealed messages are never
printed or written anywhere, only counted, so that nobody tunes the rule book on them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.paths import PROJECT_ROOT
from core.triage import corpus
from core.triage.verdict import CHECK, CLARIFY, ESCALATE, judge_text

FORUM_FILES = {
    "forum_tuning": PROJECT_ROOT / "tests" / "data" / "forum_red_flags_tuning.yml",
    "forum_sealed": PROJECT_ROOT / "tests" / "data" / "forum_red_flags_sealed.yml",
}
SET_NAMES = ("tuning", "sealed", "forum_tuning", "forum_sealed")
SHOWABLE = ("tuning", "forum_tuning")  # misses of any other set are counts only
EXPECTS = ("emergency", "urgent", "check", "calm")
ALARM_LEVELS = ("emergency", "urgent")


@dataclass(frozen=True)
class Case:
    text: str
    expect: str  # emergency | urgent | check | calm
    group: str  # the corpus family, or the forum message's sign
    who: str  # self/other in the corpus, the forum's "who"


@dataclass(frozen=True)
class Outcome:
    case: Case
    action: str | None
    level: str | None
    reasons: tuple = ()

    @property
    def escalated(self) -> bool:
        """Escalated as a red flag; a routine escalation does not count either way."""
        return self.action == ESCALATE and self.level in ALARM_LEVELS

    @property
    def clarified(self) -> bool:
        return self.action in (CLARIFY, CHECK)

    @property
    def caught(self) -> bool:
        expect = self.case.expect
        if expect == "emergency":
            return self.action == ESCALATE and self.level == "emergency"
        if expect == "urgent":
            return self.escalated or self.clarified
        if expect == "check":
            return self.action in (CHECK, CLARIFY, ESCALATE)
        return False

    @property
    def false_alarm(self) -> bool:
        return self.case.expect == "calm" and self.escalated

    @property
    def wrong(self) -> bool:
        return self.false_alarm if self.case.expect == "calm" else not self.caught


def corpus_cases(half: str) -> list[Case]:
    level_to_expect = {"emergency": "emergency", "urgent": "urgent", None: "calm"}
    return [
        Case(item["text"], level_to_expect[item["level"]], item["family"], item["subject"])
        for item in corpus.split(half)
    ]


def forum_cases(path: Path) -> list[Case]:
    import yaml

    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    cases = []
    for number, message in enumerate(data.get("messages") or [], start=1):
        expect = str(message.get("expect", "")).strip().lower()
        if expect not in EXPECTS:  # the message number only: sealed texts are never printed
            raise ValueError(
                f"{path.name}: message {number} expects {expect!r}, not one of {EXPECTS}"
            )
        sign = str(message.get("sign") or expect)
        cases.append(Case(str(message["text"]), expect, sign, str(message.get("who") or "unknown")))
    return cases


def load_sets() -> dict[str, list[Case]]:
    """Every set that exists, in a fixed order; missing forum files are left out."""
    sets = {"tuning": corpus_cases(corpus.TUNING), "sealed": corpus_cases(corpus.SEALED)}
    for name, path in FORUM_FILES.items():
        if path.exists():
            sets[name] = forum_cases(path)
    return sets


def judge_all(triage: Any, cases: Iterable[Case]) -> list[Outcome]:
    outcomes = []
    for case in cases:
        verdict = judge_text(triage, case.text)
        outcomes.append(Outcome(case, verdict.action, verdict.level, tuple(verdict.reasons or ())))
    return outcomes


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sign_figures(outcomes: list[Outcome]) -> dict[str, Any]:
    n, caught = len(outcomes), sum(o.caught for o in outcomes)
    return {
        "n": n,
        "caught": caught,
        "recall": _rate(caught, n),
        "escalated": sum(o.escalated for o in outcomes),
        "clarified": sum(o.clarified for o in outcomes),
    }


def _calm_figures(outcomes: list[Outcome]) -> dict[str, Any]:
    n, alarms, clarified = (
        len(outcomes),
        sum(o.false_alarm for o in outcomes),
        sum(o.clarified for o in outcomes),
    )
    return {
        "n": n,
        "false_alarms": alarms,
        "false_alarm_rate": _rate(alarms, n),
        "clarified": clarified,
        "clarify_rate": _rate(clarified, n),
    }


def _grouped(outcomes: list[Outcome], key) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:  # insertion order: families as the corpus lists them
        groups[key(outcome)].append(outcome)
    return groups


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    signs = [o for o in outcomes if o.case.expect != "calm"]
    calm = [o for o in outcomes if o.case.expect == "calm"]
    by_level = _grouped(signs, lambda o: o.case.expect)
    return {
        "messages": len(outcomes),
        "red_flags": _sign_figures(signs),
        "by_level": {
            level: _sign_figures(by_level[level]) for level in EXPECTS if level in by_level
        },
        "by_family": {
            family: {"expect": group[0].case.expect, **_sign_figures(group)}
            for family, group in _grouped(
                signs, lambda o: f"{o.case.group} [{o.case.expect}]"
            ).items()
        },
        "by_who": {
            who: _sign_figures(group)
            for who, group in _grouped(signs, lambda o: o.case.who).items()
        },
        "look_alikes": _calm_figures(calm),
        "look_alikes_by_family": {
            family: _calm_figures(group)
            for family, group in _grouped(calm, lambda o: o.case.group).items()
        },
    }


def run(triage: Any) -> dict[str, list[Outcome]]:
    return {name: judge_all(triage, cases) for name, cases in load_sets().items()}


def evaluate(triage: Any) -> dict[str, dict[str, Any]]:
    """Figures per set ({"tuning": {...}, "sealed": {...}, ...}); no message texts."""
    return {name: summarise(outcomes) for name, outcomes in run(triage).items()}


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.1%}"


def table(figures: dict[str, dict[str, Any]]) -> str:
    labels = [
        label
        for result in figures.values()
        for label in (*result["by_family"], *result["look_alikes_by_family"])
    ]
    width = max([30, *(len(label) + 1 for label in labels)])
    lines: list[str] = []
    for name, result in figures.items():
        signs, calm = result["red_flags"], result["look_alikes"]
        lines += ["", f"== {name}: {signs['n']} red flags, {calm['n']} look-alikes =="]
        header = f"{'n':>5} {'caught':>6} {'recall':>7} {'escalated':>9} {'clarify/check':>13}"
        lines.append(f"  {'red flags':{width}} {header}")

        def sign_row(label: str, row: dict[str, Any]) -> str:
            return (
                f"  {label:{width}} {row['n']:5} {row['caught']:6} {_pct(row['recall']):>7} "
                f"{row['escalated']:9} {row['clarified']:13}"
            )

        lines.append(sign_row("all", signs))
        lines += [sign_row(f"level {level}", row) for level, row in result["by_level"].items()]
        lines += [sign_row(f"who {who}", row) for who, row in result["by_who"].items()]
        lines += [sign_row(family, row) for family, row in result["by_family"].items()]
        if calm["n"]:
            header = f"{'n':>5} {'alarms':>6} {'rate':>7} {'clarify/check':>13} {'rate':>7}"
            lines.append(f"  {'look-alikes':{width}} {header}")

            def calm_row(label: str, row: dict[str, Any]) -> str:
                return (
                    f"  {label:{width}} {row['n']:5} {row['false_alarms']:6} {_pct(row['false_alarm_rate']):>7} "
                    f"{row['clarified']:13} {_pct(row['clarify_rate']):>7}"
                )

            lines.append(calm_row("all", calm))
            lines += [
                calm_row(family, row) for family, row in result["look_alikes_by_family"].items()
            ]
    return "\n".join(lines)


def misses(outcomes: list[Outcome]) -> str:
    wrong = [o for o in outcomes if o.wrong]
    lines = [f"{len(wrong)} wrong:"]
    for o in wrong:
        got = f"{o.action}/{o.level}" if o.action else "nothing"
        if o.reasons:  # what the detector saw, to tell a missing term from a wrong context reading
            got += " (" + "; ".join(str(reason) for reason in o.reasons) + ")"
        lines.append(f"  [{o.case.group}; expected {o.case.expect}; got {got}] {o.case.text!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--show-misses", choices=SHOWABLE, help="list the wrong messages of a tuning set"
    )
    parser.add_argument(
        "--json", type=Path, help="write the figures (no message texts) to this file"
    )
    parser.add_argument(
        "--rules-only", action="store_true", help="leave out the learned safety net"
    )
    args = parser.parse_args(argv)

    from core.triage.verdict import build_triage

    results = run(build_triage(with_net=not args.rules_only))
    figures = {name: summarise(outcomes) for name, outcomes in results.items()}
    print(table(figures))
    skipped = [
        str(path.relative_to(PROJECT_ROOT))
        for name, path in FORUM_FILES.items()
        if name not in results
    ]
    if skipped:
        print(f"\nnot found, skipped: {', '.join(skipped)}")
    print("\nsealed sets are counts only: their messages are never shown.")
    if args.show_misses:
        if args.show_misses not in results:
            print(f"\n{args.show_misses}: no such set here")
        else:
            print(f"\n{args.show_misses} " + misses(results[args.show_misses]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
