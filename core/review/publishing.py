"""Publishing: clinician-signed-off changes written into the NLU files of data/nlu/.

Those files are read by people as much as by Rasa: reviewers read them in git diffs, and their
comments, order and wrapping carry meaning. A YAML round trip (load, change, dump) would drop the
comments and rewrap every answer, so a change edits only the lines it concerns and the rest of
each file stays byte for byte. Editing text is easy to get subtly wrong, so every result is loaded
back and compared with what was asked before it is returned: a change that cannot be written
exactly is refused with a reason a nurse can read, never published half right.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import yaml

from core.review.editor import ANSWER, INTENT
from core.sources import SourceRef

NEW_TOPICS_FILE = "added_topics.yml"
NEW_TOPICS_HEADER = (
    "# Topics nurses added in the answer editor (/nurse/answers). A new topic is written here\n"
    "# when its clinician-signed-off edit is published; move it to the file for its subject\n"
    "# whenever convenient.\n"
    'version: "3.1"\n'
    "nlu:\n"
    "responses:\n"
)
WIDTH = 100
TEXT_INDENT = " " * 6
NEW_KEY = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class ExampleAdded:
    """An inbox proposal: add a patient's wording to a topic."""

    topic: str  # utter_faq/<name>
    text: str


@dataclass(frozen=True)
class AnswerChanged:
    """An answer-editor edit (core/review/editor.py's AnswerEdit, as signed off)."""

    topic: str  # utter_faq/<name>
    new: bool
    title: str
    text: str
    sources: tuple[SourceRef, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


Change: TypeAlias = ExampleAdded | AnswerChanged


class CannotApply(ValueError):
    """Plain-words reason a change cannot be written (shown to nurses)."""


# --- Reading the files' layout -------------------------------------------------------------


def _split(text: str) -> list[str]:
    """The lines, each with its ending. Only "\\n" ends a line: str.splitlines would also split at
    characters (U+2028, U+0085) that may sit inside an example."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _body(line: str) -> str:
    return line.rstrip("\r\n")


def _indent(line: str) -> int:
    body = _body(line)
    return len(body) - len(body.lstrip(" "))


def _blank(line: str) -> bool:
    return not _body(line).strip()


def _comment(line: str) -> bool:
    return _body(line).lstrip().startswith("#")


def _top_key(line: str) -> bool:
    """A top-level key such as `responses:`; not a list item, comment or blank line."""
    return bool(re.match(r"[^\s#-][^:]*:(\s|$)", _body(line)))


def _section(lines: list[str], key: str) -> tuple[int, int] | None:
    """(index of the `key:` line, index where the section ends) for a top-level key."""
    for start, line in enumerate(lines):
        if re.fullmatch(rf"{key}:\s*(#.*)?", _body(line)):
            end = next((j for j in range(start + 1, len(lines)) if _top_key(lines[j])), len(lines))
            return start, end
    return None


def _trim(lines: list[str], start: int, end: int, shallow: int) -> int:
    """`end` moved back over blank lines and comments indented `shallow` or less: those belong
    with what follows them, so blocks are inserted and replaced above them."""
    while end > start + 1 and (
        _blank(lines[end - 1]) or (_comment(lines[end - 1]) and _indent(lines[end - 1]) <= shallow)
    ):
        end -= 1
    return end


def _unquote(name: str) -> str:
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] and name[0] in "\"'" else name


def _intent_blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """{intent: (first line, end)} of the `- intent:` items of the nlu: section."""
    section = _section(lines, "nlu")
    if section is None:
        return {}
    blocks: dict[str, tuple[int, int]] = {}
    items = [
        i
        for i in range(section[0] + 1, section[1])
        if _body(lines[i]).startswith("-") and not _comment(lines[i])
    ]
    for n, start in enumerate(items):
        match = re.fullmatch(r"- intent:\s*(.+?)\s*(#.*)?", _body(lines[start]))
        if match:
            end = items[n + 1] if n + 1 < len(items) else section[1]
            blocks.setdefault(_unquote(match.group(1)), (start, _trim(lines, start, end, 0)))
    return blocks


def _response_blocks(lines: list[str]) -> dict[str, tuple[int, int]]:
    """{response key: (key line, end)} in the responses: section. A block runs to the next key
    at its indent (its variants' `- ` may share that indent) or anything shallower."""
    section = _section(lines, "responses")
    if section is None:
        return {}
    body = [
        i
        for i in range(section[0] + 1, section[1])
        if not _blank(lines[i]) and not _comment(lines[i])
    ]
    if not body:
        return {}
    indent = _indent(lines[body[0]])
    starts = []
    for i in body:
        line_indent, text = _indent(lines[i]), _body(lines[i]).lstrip(" ")
        if line_indent < indent or (line_indent == indent and not text.startswith("-")):
            match = re.fullmatch(r"(.+?):\s*(#.*)?", text) if line_indent == indent else None
            starts.append((i, _unquote(match.group(1)) if match else None))
    blocks: dict[str, tuple[int, int]] = {}
    for n, (start, key) in enumerate(starts):
        if key is not None:
            end = starts[n + 1][0] if n + 1 < len(starts) else section[1]
            blocks.setdefault(key, (start, _trim(lines, start, end, indent)))
    return blocks


def _example_lines(lines: list[str], block: tuple[int, int]) -> tuple[int, int, int]:
    """(`examples: |` line, end of its content, indent for a new example) in an intent item."""
    for i in range(*block):
        match = re.fullmatch(r"(\s+)examples:\s*\|[-+]?\s*(#.*)?", _body(lines[i]))
        if match:
            key_indent = len(match.group(1))
            end = i + 1
            while end < block[1] and (_blank(lines[end]) or _indent(lines[end]) > key_indent):
                end += 1
            examples = [j for j in range(i + 1, end) if _is_example(lines[j])]
            indent = _indent(lines[examples[-1]]) if examples else key_indent + 2
            return i, (examples[-1] + 1 if examples else i + 1), indent
    raise CannotApply("The topic's example questions are not written in the usual way.")


def _is_example(line: str) -> bool:
    return _body(line).strip().startswith("- ")


def _example_of(line: str) -> str:
    return _body(line).strip()[2:].strip()


# --- Writing ---------------------------------------------------------------------------------

# Characters JSON leaves bare but YAML reads as line breaks (U+0085, U+2028, U+2029) or refuses
# (DEL, C1 controls, non-characters, lone surrogates): written as \\u escapes instead.
_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def _quoted(value: str) -> str:
    dumped = json.dumps(value, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", dumped)


def _flow_value(value: str) -> str:
    # Plain only if YAML reads it back as the same string: 1_000 would load as a number.
    plain = re.fullmatch(r"[a-z0-9_]+", value) and yaml.safe_load(value) == value
    return value if plain else _quoted(value)


def _clean_example(text: str) -> str:
    """One line; brackets as parentheses since Rasa reads [x](y) as an entity annotation; no
    characters YAML refuses, which a pasted message may carry."""
    text = re.sub(r"\s+", " ", text).strip().replace("[", "(").replace("]", ")")
    return re.sub(yaml.reader.Reader.NON_PRINTABLE, "", text).strip()


def _example_key(text: str) -> str:
    return _clean_example(text).lower()


def _folded(text: str) -> list[str]:
    """The text wrapped for a `>-` scalar. It breaks only at a single space between two
    non-blank characters: YAML folds such a break back into exactly one space."""
    width = WIDTH - len(TEXT_INDENT)
    lines: list[str] = []
    current = ""
    for word in re.split(r"(?<=\S) (?=\S)", text):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return [*lines, current]


def _text_lines(text: str) -> list[str]:
    """`text:` and its scalar in the house style: folded, or literal when the text has line
    breaks. A text neither style holds exactly (leading spaces, a final line break, characters
    YAML reads as line breaks) is written double-quoted rather than changed."""
    if "\n" in text:
        block = ["text: |-", *(TEXT_INDENT + line if line else "" for line in text.split("\n"))]
    else:
        block = ["text: >-", *(TEXT_INDENT + line for line in _folded(text))]
    try:
        holds = yaml.safe_load("\n".join(block) + "\n") == {"text": text}
    except yaml.YAMLError:
        holds = False
    return block if holds else [f"text: {_quoted(text)}"]


def _response_block(key: str, change: AnswerChanged, nl: str) -> list[str]:
    text = _text_lines(change.text)
    lines = [f"  {key}:", f"  - {text[0]}", *text[1:]]
    lines += ["    metadata:", f"      title: {_quoted(change.title)}"]
    if change.sources:
        lines.append("      sources:")
        lines += [
            f"      - {{document: {_flow_value(s.document)}, section: {_flow_value(s.section)}}}"
            for s in change.sources
        ]
    return [line + nl for line in lines]


def _newline(lines: list[str]) -> str:
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"


def _insert(lines: list[str], at: int, new: list[str]) -> None:
    # A file whose last line has no line break gets one before anything goes after it.
    if at == len(lines) and lines and not lines[-1].endswith("\n"):
        lines[-1] += _newline(lines)
    lines[at:at] = new


# --- Applying changes ------------------------------------------------------------------------


@dataclass
class _Expected:
    """What one topic must look like once every change is in: checked on the files' YAML."""

    present: dict[str, str] = field(default_factory=dict)  # by _example_key
    absent: set[str] = field(default_factory=set)
    answer: AnswerChanged | None = None


def _name(topic: str) -> str:
    return topic[len(ANSWER) :] if topic.startswith(ANSWER) else topic


def _words(topic: str) -> str:
    return _name(topic).replace("_", " ")


def _find(
    files: Mapping[str, list[str]], topic: str
) -> tuple[str | None, tuple[int, int] | None, str | None, tuple[int, int] | None]:
    """(file, block) of the topic's examples and of its answer, or None where there is none."""
    intent, answer = INTENT + _name(topic), ANSWER + _name(topic)
    intent_at = answer_at = None
    for name in sorted(files):
        if intent_at is None and (block := _intent_blocks(files[name]).get(intent)):
            intent_at = (name, block)
        if answer_at is None and (block := _response_blocks(files[name]).get(answer)):
            answer_at = (name, block)
    return (
        intent_at[0] if intent_at else None,
        intent_at[1] if intent_at else None,
        answer_at[0] if answer_at else None,
        answer_at[1] if answer_at else None,
    )


def _add_examples(lines: list[str], block: tuple[int, int], examples: Sequence[str]) -> None:
    _, after, indent = _example_lines(lines, block)
    known = {_example_key(_example_of(lines[i])) for i in range(*block) if _is_example(lines[i])}
    new = []
    for example in examples:
        if _example_key(example) not in known:
            known.add(_example_key(example))
            new.append(f"{' ' * indent}- {_clean_example(example)}{_newline(lines)}")
    _insert(lines, after, new)


def _remove_examples(lines: list[str], block: tuple[int, int], examples: Sequence[str]) -> None:
    start, end, _ = _example_lines(lines, block)
    gone = {_example_key(e) for e in examples}
    lines[start + 1 : end] = [
        line
        for line in lines[start + 1 : end]
        if not (_is_example(line) and _example_key(_example_of(line)) in gone)
    ]


def _count_examples(lines: list[str], block: tuple[int, int]) -> int:
    start, end, _ = _example_lines(lines, block)
    return sum(_is_example(line) for line in lines[start + 1 : end])


def _apply_example(files: dict[str, list[str]], change: ExampleAdded, expect: _Expected) -> None:
    example = _clean_example(change.text)
    if not example:
        raise CannotApply("The example question is empty.")
    file, block, _, _ = _find(files, change.topic)
    if file is None or block is None:
        raise CannotApply(f"There is no topic “{_words(change.topic)}” to add the example to.")
    _add_examples(files[file], block, [example])
    expect.present[_example_key(example)] = example
    expect.absent.discard(_example_key(example))


def _apply_answer(files: dict[str, list[str]], change: AnswerChanged, expect: _Expected) -> None:
    if not change.text.strip():
        raise CannotApply(f"The answer for “{_words(change.topic)}” is empty.")
    added = [e for e in map(_clean_example, change.added) if e]
    intent_file, intent_block, answer_file, answer_block = _find(files, change.topic)
    if change.new:
        if intent_file or answer_file:
            raise CannotApply(
                f"There is already a topic named {_name(change.topic)}: edit it instead."
            )
        if not NEW_KEY.fullmatch(_name(change.topic)) or not change.topic.startswith(ANSWER):
            raise CannotApply(f"“{change.topic}” is not a name a new topic can have.")
        if not added:
            raise CannotApply(f"The new topic “{change.title}” needs example questions.")
        _add_topic(files, change, added)
    else:
        if answer_file is None or answer_block is None or intent_file is None:
            raise CannotApply(f"There is no topic “{_words(change.topic)}” to change.")
        lines = files[answer_file]
        lines[answer_block[0] : answer_block[1]] = _response_block(
            ANSWER + _name(change.topic), change, _newline(lines)
        )
        # The answer's lines moved the examples if both are in one file: look them up again.
        intent_file, intent_block, _, _ = _find(files, change.topic)
        assert intent_file is not None and intent_block is not None
        _remove_examples(files[intent_file], intent_block, change.removed)
        intent_file, intent_block, _, _ = _find(files, change.topic)
        assert intent_file is not None and intent_block is not None
        _add_examples(files[intent_file], intent_block, added)
        intent_file, intent_block, _, _ = _find(files, change.topic)
        assert intent_file is not None and intent_block is not None
        if not _count_examples(files[intent_file], intent_block):
            raise CannotApply(
                f"The change would leave “{change.title}” without any example questions."
            )
    for example in change.removed:
        expect.present.pop(_example_key(example), None)
        expect.absent.add(_example_key(example))
    for example in added:
        expect.present[_example_key(example)] = example
        expect.absent.discard(_example_key(example))
    expect.answer = change


def _add_topic(files: dict[str, list[str]], change: AnswerChanged, added: list[str]) -> None:
    lines = files.setdefault(NEW_TOPICS_FILE, _split(NEW_TOPICS_HEADER))
    nl = _newline(lines)
    for key in ("nlu", "responses"):
        if _section(lines, key) is None:
            _insert(lines, len(lines), [f"{key}:{nl}"])
    name = _name(change.topic)
    intent = [f"- intent: {INTENT}{name}{nl}", f"  examples: |{nl}"]
    unique: dict[str, str] = {}
    for example in added:
        unique.setdefault(_example_key(example), example)
    intent += [f"    - {example}{nl}" for example in unique.values()]
    nlu = _section(lines, "nlu")
    assert nlu is not None
    _insert(lines, _trim(lines, nlu[0], nlu[1], 0), intent)
    responses = _section(lines, "responses")
    assert responses is not None
    _insert(
        lines,
        _trim(lines, responses[0], responses[1], 0),
        _response_block(ANSWER + name, change, nl),
    )


def apply_changes(files: Mapping[str, str], changes: Sequence[Change]) -> dict[str, str]:
    """files: {file name in data/nlu, e.g. "ductogram_after.yml": its text}. Applies the changes
    in order and returns {file name: new text} for the files that changed (a new file for new
    topics when needed). Raises CannotApply, and changes nothing, if any change cannot be
    written exactly."""
    work = {name: _split(text) for name, text in files.items()}
    expected: dict[str, _Expected] = {}
    for change in changes:
        expect = expected.setdefault(_name(change.topic), _Expected())
        if isinstance(change, ExampleAdded):
            _apply_example(work, change, expect)
        else:
            _apply_answer(work, change, expect)
    changed = {
        name: "".join(lines)
        for name, lines in work.items()
        if name not in files or "".join(lines) != files[name]
    }
    _verify(files, changed, expected)
    return changed


# --- Checking the result ---------------------------------------------------------------------


def _load(name: str, text: str, ours: bool) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        if ours:
            raise CannotApply(
                f"The change would leave {name} unreadable, so nothing was published."
            ) from error
        raise CannotApply(f"{name} cannot be read ({error}), so nothing was published.") from error
    if not isinstance(data, dict):
        raise CannotApply(f"{name} is not laid out as an NLU file, so nothing was published.")
    return data


def _others(data: Mapping[str, Any], topics: set[str]) -> tuple[Any, ...]:
    """A file's content apart from the given topics' examples and answers, in order."""
    rest = [(k, v) for k, v in data.items() if k not in ("nlu", "responses")]
    intents = {INTENT + t for t in topics}
    nlu = [
        b for b in data.get("nlu") or [] if not (isinstance(b, dict) and b.get("intent") in intents)
    ]
    responses = [
        (k, v)
        for k, v in (data.get("responses") or {}).items()
        if k not in {ANSWER + t for t in topics}
    ]
    return rest, nlu, responses


def _verify(
    files: Mapping[str, str], changed: Mapping[str, str], expected: Mapping[str, _Expected]
) -> None:
    final = {**files, **changed}
    loaded = {name: _load(name, text, name in changed) for name, text in final.items()}
    topics = set(expected)
    for name in changed:
        before = _load(name, files[name], False) if name in files else {}
        if before and _others(before, topics) != _others(loaded[name], topics):
            raise CannotApply(f"The change would alter other topics in {name}, so it was stopped.")
    for topic, expect in expected.items():
        examples: set[str] = set()
        variants: list[Any] = []
        for data in loaded.values():
            for block in data.get("nlu") or []:
                if isinstance(block, dict) and block.get("intent") == INTENT + topic:
                    lines = str(block.get("examples") or "").splitlines()
                    examples |= {
                        _example_key(line.strip()[2:])
                        for line in lines
                        if line.strip().startswith("- ")
                    }
            variants += (data.get("responses") or {}).get(ANSWER + topic) or []
        problem = f"The change to “{_words(topic)}” could not be written exactly"
        if set(expect.present) - examples or expect.absent & examples:
            raise CannotApply(f"{problem} (its example questions).")
        if expect.answer is not None:
            answer = expect.answer
            metadata: dict[str, Any] = {"title": answer.title}
            if answer.sources:
                metadata["sources"] = [
                    {"document": s.document, "section": s.section} for s in answer.sources
                ]
            if variants != [{"text": answer.text, "metadata": metadata}]:
                raise CannotApply(f"{problem} (its answer, title or sources).")


# --- Describing ------------------------------------------------------------------------------


def describe(change: Change, titles: Mapping[str, str]) -> str:
    """One plain line for the page and the git commit message, naming the topic by its title
    (titles: {"utter_faq/x": "How long ..."}; fall back to the key's name with _ as spaces), e.g.
    'New example for “How long does the test take?”: “can i eat first”' or
    'Answer changed: “…” (2 examples added, 1 removed)' or 'New topic: “…”'."""
    key = ANSWER + _name(change.topic)
    own = change.title if isinstance(change, AnswerChanged) else ""
    title = re.sub(r"\s+", " ", titles.get(key) or own or _words(change.topic)).strip()
    if isinstance(change, ExampleAdded):
        return f"New example for “{title}”: “{_clean_example(change.text)}”"
    if change.new:
        return f"New topic: “{title}”"
    counts = []
    if change.added:
        counts.append(f"{len(change.added)} example{'s' if len(change.added) != 1 else ''} added")
    if change.removed:
        noun = "" if counts else (" example" if len(change.removed) == 1 else " examples")
        counts.append(f"{len(change.removed)}{noun} removed")
    return f"Answer changed: “{title}”" + (f" ({', '.join(counts)})" if counts else "")
