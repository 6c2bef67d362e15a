"""`make check-content`: checks a nurse's edit of the answers before it goes live, and says
what to fix in plain words, with the file and line.

Checks: the YAML reads; every answer names a registered source; reading grade 8 or below;
answers fit a phone screen; no runs of words copied from the source documents; every topic
has enough example questions; no example question sits under two topics; every topic has
an answer and every answer a topic.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.content import DOMAIN_FILE, NLU_DIR, PROJECT_ROOT
from core.content_checks import (  # noqa: F401 (the rules live in core/content_checks.py)
    BARE_YES_OR_NO,
    MAX_ANSWER_WORDS,
    MAX_READING_GRADE,
    MAX_TITLE_CHARS,
    MIN_FAQ_EXAMPLES,
    MIN_TRAINING_EXAMPLES,
    copying_problem,
    example_count_problems,
    shared_example_problem,
    source_problems,
    text_problems,
    title_problems,
)
from core.paths import DATA_DIR
from core.sources import load_registry, source_refs
from tools.copy_check import copied_runs, load_fingerprints


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        # Content is named as under data/ wherever DATA_DIR puts it (publishing stages a copy).
        where = str(self.path)
        for root, prefix in ((DATA_DIR, "data/"), (PROJECT_ROOT, "")):
            if self.path.is_relative_to(root):
                where = prefix + self.path.relative_to(root).as_posix()
                break
        return f"{where}{f', line {self.line}' if self.line else ''}: {self.message}"


def _line_of(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return None


def _load(path: Path, problems: list[Problem]) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        problems.append(
            Problem(
                path,
                mark.line + 1 if mark else None,
                f"the file cannot be read ({reason}). Check the spaces at the start of the "
                "lines and the quotes around this line.",
            )
        )
        return {}


def check(nlu_dir: Path = NLU_DIR, domain_file: Path = DOMAIN_FILE) -> list[Problem]:
    problems: list[Problem] = []
    registry = load_registry()
    examples: dict[str, list[tuple]] = defaultdict(list)  # intent -> [(example, path)]
    answers: dict[str, tuple] = {}  # "utter_faq/x" -> (response, path)
    texts: list[tuple] = []  # (name, text, path)

    for path in [domain_file, *sorted(nlu_dir.glob("*.yml"))]:
        data = _load(path, problems)
        for block in data.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            for row in str(block.get("examples") or "").splitlines():
                if row.strip().startswith("- "):
                    examples[block["intent"]].append((row.strip()[2:].strip(), path))
        for name, variants in (data.get("responses") or {}).items():
            for variant in variants or []:
                if not isinstance(variant, dict) or not variant.get("text"):
                    problems.append(
                        Problem(path, _line_of(path, f"{name}:"), f"{name} has no text.")
                    )
                    continue
                texts.append((name, variant["text"], path))
                if name.startswith("utter_faq/"):
                    answers[name] = (variant, path)

    titles: dict[str, str] = {}
    for name, (response, path) in sorted(answers.items()):
        line = _line_of(path, f"{name}:")
        title = str((response.get("metadata") or {}).get("title") or "").strip()
        for message in title_problems(name, title, titles) + source_problems(
            name, source_refs(response), registry
        ):
            problems.append(Problem(path, line, message))
        if title:
            titles.setdefault(title.lower(), name)

    for name, text, path in texts:
        line = _line_of(path, f"{name}:")
        problems += [Problem(path, line, message) for message in text_problems(name, text)]

    topics = {intent[len("faq/") :] for intent in examples if intent.startswith("faq/")}
    answered = {name[len("utter_faq/") :] for name in answers}
    for topic in sorted(topics - answered):
        path = examples[f"faq/{topic}"][0][1]
        problems.append(
            Problem(
                path,
                _line_of(path, f"faq/{topic}"),
                f"topic {topic} has questions but no answer "
                f"(add utter_faq/{topic} under responses).",
            )
        )
    for topic in sorted(answered - topics):
        path = answers[f"utter_faq/{topic}"][1]
        problems.append(
            Problem(
                path,
                _line_of(path, f"utter_faq/{topic}:"),
                f"answer utter_faq/{topic} has no example questions (add intent faq/{topic}).",
            )
        )
    for intent, found in sorted(examples.items()):
        for message in example_count_problems(intent, len(found)):
            path = found[0][1]
            problems.append(Problem(path, _line_of(path, f"intent: {intent}"), message))

    owners: dict[str, set] = defaultdict(set)
    where: dict[str, Path] = {}
    for intent, found in examples.items():
        for example, path in found:
            owners[example.lower()].add(intent)
            where.setdefault(example.lower(), path)
    for example, intents in sorted(owners.items()):
        if len(intents) > 1:
            path = where[example]
            problems.append(
                Problem(path, _line_of(path, example), shared_example_problem(example, intents))
            )

    problems += _copied_runs(domain_file.parent)
    return problems


def _copied_runs(content_root: Path) -> list[Problem]:
    runs = list(copied_runs(content_root, load_fingerprints()))
    return [Problem(content_root, None, message) for message in copying_problem(runs)]


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description="Check the assistant's answers and example questions."
    )
    parser.add_argument("--nlu-dir", type=Path, default=NLU_DIR)
    parser.add_argument("--domain", type=Path, default=DOMAIN_FILE)
    args = parser.parse_args(argv)
    problems = check(args.nlu_dir, args.domain)
    if not problems:
        print("The content is ready: every check passed.")
        return 0
    print(f"{len(problems)} thing(s) to fix before this goes live:\n")
    for problem in problems:
        print(f"- {problem}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
