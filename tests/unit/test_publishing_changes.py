"""Publishing signed-off changes into data/nlu/ (core/review/publishing.py): each change edits only
its own lines, the files load back with exactly what was asked, and a change that cannot be
written is refused with a plain reason."""

from __future__ import annotations

import difflib
import re

import pytest
import yaml

from core.content import NLU_DIR, examples_by_intent
from core.review.publishing import (
    NEW_TOPICS_FILE,
    AnswerChanged,
    CannotApply,
    ExampleAdded,
    apply_changes,
    describe,
)
from core.sources import SourceRef

TESTS = "tests.yml"
TESTS_TEXT = """\
# Fixture: two topics, small talk between them, and comments where people put them.
version: "3.1"
nlu:
- intent: faq/test_duration
  examples: |
    - how long does it take
    - is it quick

- intent: greet
  examples: |
    - hello
# Food questions.
- intent: faq/test_food
  examples: |
    - can i eat first
    - may i have breakfast
responses:
  utter_faq/test_duration:
  - text: >-
      It takes about an hour.
    metadata:
      title: "How long does the test take?"
      sources:
      - {document: doc, section: timing}
  # Food answers.
  utter_faq/test_food:
  - text: >-
      You can eat as usual.
    metadata:
      title: "Can I eat first?"
"""
TALK = "talk.yml"
TALK_TEXT = """\
version: "3.1"
# No responses here: small talk answers live in domain.yml.
nlu:
- intent: goodbye
  examples: |
    - bye
"""
FILES = {TESTS: TESTS_TEXT, TALK: TALK_TEXT}


def edit(topic: str = "utter_faq/test_duration", **fields) -> AnswerChanged:
    values = {
        "new": False,
        "title": "How long does the test take?",
        "text": "It takes about an hour.",
        "sources": (SourceRef("doc", "timing"),),
        "added": (),
        "removed": (),
    }
    return AnswerChanged(topic=topic, **{**values, **fields})


def load(text: str) -> dict:
    return yaml.safe_load(text)


def examples(text: str, intent: str, tmp_path) -> list[str]:
    path = tmp_path / "check.yml"
    path.write_text(text, encoding="utf-8")
    return examples_by_intent(path)[intent]


def test_an_example_goes_after_the_topics_last_example_and_nothing_else_moves():
    result = apply_changes(
        FILES, [ExampleAdded("utter_faq/test_duration", "  can i   drive\thome ")]
    )
    assert result == {
        TESTS: TESTS_TEXT.replace(
            "    - is it quick\n", "    - is it quick\n    - can i drive home\n"
        )
    }


def test_an_example_for_the_last_topic_of_the_list_lands_in_its_own_block(tmp_path):
    result = apply_changes(FILES, [ExampleAdded("utter_faq/test_food", "is coffee ok")])
    assert examples(result[TESTS], "faq/test_food", tmp_path) == [
        "can i eat first",
        "may i have breakfast",
        "is coffee ok",
    ]
    assert examples(result[TESTS], "faq/test_duration", tmp_path) == [
        "how long does it take",
        "is it quick",
    ]


def test_an_example_the_topic_already_has_is_skipped():
    assert (
        apply_changes(FILES, [ExampleAdded("utter_faq/test_duration", " HOW long  does IT take")])
        == {}
    )


def test_brackets_become_parentheses_so_rasa_sees_no_entity(tmp_path):
    result = apply_changes(FILES, [ExampleAdded("utter_faq/test_food", "can i eat [toast](food)")])
    assert "    - can i eat (toast)(food)\n" in result[TESTS]
    assert examples(result[TESTS], "faq/test_food", tmp_path)[-1] == "can i eat (toast)(food)"


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_an_empty_example_is_refused(text):
    with pytest.raises(CannotApply, match="empty"):
        apply_changes(FILES, [ExampleAdded("utter_faq/test_duration", text)])


def test_an_example_for_an_unknown_topic_is_refused():
    with pytest.raises(CannotApply, match="no topic “test parking”"):
        apply_changes(FILES, [ExampleAdded("utter_faq/test_parking", "where do i park")])


def test_an_edit_rewrites_the_answer_block_in_the_house_style_and_keeps_the_comments():
    change = edit(
        text="It takes 30 to 60 minutes. Come early so you have time to check in before your "
        "appointment, and bring a book.",
        title="How long will I be there?",
        sources=(SourceRef("doc", "timing"), SourceRef("doc", "arrival")),
    )
    result = apply_changes(FILES, [change])
    old_block = TESTS_TEXT[
        TESTS_TEXT.index("  utter_faq/test_duration:") : TESTS_TEXT.index("  # Food answers.")
    ]
    new_block = (
        "  utter_faq/test_duration:\n"
        "  - text: >-\n"
        "      It takes 30 to 60 minutes. Come early so you have time to check in before your "
        "appointment,\n"
        "      and bring a book.\n"
        "    metadata:\n"
        '      title: "How long will I be there?"\n'
        "      sources:\n"
        "      - {document: doc, section: timing}\n"
        "      - {document: doc, section: arrival}\n"
    )
    assert result == {TESTS: TESTS_TEXT.replace(old_block, new_block)}
    answer = load(result[TESTS])["responses"]["utter_faq/test_duration"]
    assert answer == [
        {
            "text": change.text,
            "metadata": {
                "title": "How long will I be there?",
                "sources": [
                    {"document": "doc", "section": "timing"},
                    {"document": "doc", "section": "arrival"},
                ],
            },
        }
    ]


def test_an_answer_without_sources_has_no_sources_line_and_all_variants_are_replaced():
    text = TESTS_TEXT.replace(
        '      title: "Can I eat first?"\n',
        '      title: "Can I eat first?"\n  - text: An older second wording.\n',
    )
    result = apply_changes(
        {TESTS: text}, [edit("utter_faq/test_food", title="Food?", text="Eat.", sources=())]
    )
    assert result[TESTS].endswith(
        '  utter_faq/test_food:\n  - text: >-\n      Eat.\n    metadata:\n      title: "Food?"\n'
    )
    assert load(result[TESTS])["responses"]["utter_faq/test_food"] == [
        {"text": "Eat.", "metadata": {"title": "Food?"}}
    ]


def test_sources_that_are_not_plain_names_are_quoted():
    change = edit(sources=(SourceRef("forum reply", "1_000"), SourceRef("doc", "yes")))
    result = apply_changes(FILES, [change])
    assert '      - {document: "forum reply", section: "1_000"}\n' in result[TESTS]
    assert '      - {document: doc, section: "yes"}\n' in result[TESTS]
    sources = load(result[TESTS])["responses"]["utter_faq/test_duration"][0]["metadata"]["sources"]
    assert sources == [
        {"document": "forum reply", "section": "1_000"},
        {"document": "doc", "section": "yes"},
    ]


def test_an_edit_removes_and_adds_examples(tmp_path):
    change = edit(added=("can i drive [home]",), removed=("IS IT  QUICK",))
    result = apply_changes(FILES, [change])
    assert examples(result[TESTS], "faq/test_duration", tmp_path) == [
        "how long does it take",
        "can i drive (home)",
    ]
    assert examples(result[TESTS], "faq/test_food", tmp_path) == [
        "can i eat first",
        "may i have breakfast",
    ]
    assert "\n\n- intent: greet\n" in result[TESTS]  # the blank line between blocks stays


def test_an_edit_that_leaves_no_examples_is_refused():
    change = edit(removed=("how long does it take", "is it quick"))
    with pytest.raises(CannotApply, match="without any example questions"):
        apply_changes(FILES, [change])


def test_changes_to_one_topic_apply_in_order(tmp_path):
    changes = [
        edit(text="First wording.", added=("one",)),
        ExampleAdded("utter_faq/test_duration", "two"),
        edit(text="Second wording.", title="Later title", added=("three",), removed=("one",)),
    ]
    result = apply_changes(FILES, changes)
    assert examples(result[TESTS], "faq/test_duration", tmp_path) == [
        "how long does it take",
        "is it quick",
        "two",
        "three",
    ]
    answer = load(result[TESTS])["responses"]["utter_faq/test_duration"][0]
    assert answer["text"] == "Second wording."
    assert answer["metadata"]["title"] == "Later title"


def test_editing_an_unknown_topic_is_refused():
    with pytest.raises(CannotApply, match="no topic “test parking” to change"):
        apply_changes(FILES, [edit("utter_faq/test_parking")])


def test_a_new_topic_named_like_an_existing_one_is_refused():
    with pytest.raises(CannotApply, match="already a topic named test_food"):
        apply_changes(FILES, [edit("utter_faq/test_food", new=True, added=("x y",))])


def test_a_new_topic_creates_the_new_topics_file():
    change = edit(
        "utter_faq/test_parking",
        new=True,
        title="Where can I park?",
        text="There is a car park next to the clinic.",
        sources=(SourceRef("doc", "location"),),
        added=("where do i park", "Where do I   PARK", "is there parking"),
    )
    result = apply_changes(FILES, [change])
    assert set(result) == {NEW_TOPICS_FILE}
    header, rest = result[NEW_TOPICS_FILE].split('version: "3.1"\n')
    assert header.startswith("#") and "new topic" in header and "published" in header
    assert rest == (
        "nlu:\n"
        "- intent: faq/test_parking\n"
        "  examples: |\n"
        "    - where do i park\n"
        "    - is there parking\n"
        "responses:\n"
        "  utter_faq/test_parking:\n"
        "  - text: >-\n"
        "      There is a car park next to the clinic.\n"
        "    metadata:\n"
        '      title: "Where can I park?"\n'
        "      sources:\n"
        "      - {document: doc, section: location}\n"
    )


def test_a_second_new_topic_goes_at_the_end_of_each_list_of_the_existing_file(tmp_path):
    first = edit("utter_faq/test_parking", new=True, title="Parking?", added=("where do i park",))
    created = apply_changes(FILES, [first])[NEW_TOPICS_FILE]
    second = edit("utter_faq/test_bus", new=True, title="Bus?", text="Take bus 9.", added=("bus",))
    result = apply_changes({**FILES, NEW_TOPICS_FILE: created}, [second])
    assert set(result) == {NEW_TOPICS_FILE}
    data = load(result[NEW_TOPICS_FILE])
    assert [block["intent"] for block in data["nlu"]] == ["faq/test_parking", "faq/test_bus"]
    assert list(data["responses"]) == ["utter_faq/test_parking", "utter_faq/test_bus"]
    assert data["responses"]["utter_faq/test_bus"][0]["text"] == "Take bus 9."
    assert result[NEW_TOPICS_FILE].startswith(created.split("responses:\n")[0])
    assert examples(result[NEW_TOPICS_FILE], "faq/test_bus", tmp_path) == ["bus"]


def test_a_new_topic_then_more_examples_in_the_same_batch(tmp_path):
    changes = [
        edit("utter_faq/test_parking", new=True, title="Parking?", added=("where do i park",)),
        ExampleAdded("utter_faq/test_parking", "is parking free"),
    ]
    result = apply_changes(FILES, changes)
    assert examples(result[NEW_TOPICS_FILE], "faq/test_parking", tmp_path) == [
        "where do i park",
        "is parking free",
    ]


def test_a_new_topic_needs_examples_and_a_plain_name():
    with pytest.raises(CannotApply, match="needs example questions"):
        apply_changes(FILES, [edit("utter_faq/test_parking", new=True)])
    with pytest.raises(CannotApply, match="not a name"):
        apply_changes(FILES, [edit("utter_faq/Test Parking", new=True, added=("park",))])


def test_a_text_with_line_breaks_is_written_literal():
    text = "Before the test:\n- no talc\n- no lotion\n\nAsk us if unsure."
    result = apply_changes(FILES, [edit(text=text)])
    assert (
        "  - text: |-\n      Before the test:\n      - no talc\n      - no lotion\n\n"
        "      Ask us if unsure.\n    metadata:\n" in result[TESTS]
    )
    assert load(result[TESTS])["responses"]["utter_faq/test_duration"][0]["text"] == text


TRICKY = [
    "She said \"don't worry\": it's fine. # not a comment",
    "- starts with a dash, and: a colon",
    "Curly “quotes”, café, naïve, 30–60 minutes; ½ dose — ok? {braces} [brackets] & *stars* !bang",
    "# starts like a comment",
    "word " * 30 + "x" * 150 + " then more words after the long one " * 4,
    "a  double space and a trailing dot .",
    "x" * 94 + "  double space where the line wraps",
    "%percent @at `tick` |pipe >gt 'single' ?question",
    "Ends with a colon:",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_texts_and_titles_load_back_exactly(text):
    result = apply_changes(FILES, [edit(text=text, title=text)])
    answer = load(result[TESTS])["responses"]["utter_faq/test_duration"][0]
    assert answer["text"] == text
    assert answer["metadata"]["title"] == text
    block = result[TESTS].split("  utter_faq/test_duration:\n")[1].split("    metadata:")[0]
    assert block.startswith("  - text: >-\n")
    for line in block.splitlines()[1:]:
        assert line.startswith("      ")
        # Longer only where YAML could not fold the break back exactly (no single space).
        assert len(line) <= 100 or not re.search(r"(?<=\S) (?=\S)", line.strip())


@pytest.mark.parametrize(
    "text",
    ["  leading spaces", "line break at the end\n", "odd\u2028separator", "bell\x07ring"],
)
def test_texts_no_block_style_can_hold_are_still_written_exactly(text):
    result = apply_changes(FILES, [edit(text=text)])
    assert load(result[TESTS])["responses"]["utter_faq/test_duration"][0]["text"] == text


def test_the_input_is_not_changed_and_untouched_files_are_not_returned():
    files = dict(FILES)
    result = apply_changes(files, [ExampleAdded("utter_faq/test_food", "is tea ok")])
    assert files == FILES
    assert set(result) == {TESTS}


def test_a_refused_change_in_a_batch_publishes_nothing():
    changes = [ExampleAdded("utter_faq/test_food", "is tea ok"), edit("utter_faq/nothing")]
    with pytest.raises(CannotApply):
        apply_changes(FILES, changes)


def test_describe_names_topics_by_title():
    titles = {"utter_faq/test_duration": "How long does the test take?"}
    assert (
        describe(ExampleAdded("utter_faq/test_duration", "can i eat  [first]"), titles)
        == "New example for “How long does the test take?”: “can i eat (first)”"
    )
    assert (
        describe(edit(added=("a", "b"), removed=("c",)), titles)
        == "Answer changed: “How long does the test take?” (2 examples added, 1 removed)"
    )
    assert (
        describe(edit(removed=("c",)), titles)
        == "Answer changed: “How long does the test take?” (1 example removed)"
    )
    assert describe(edit(), titles) == "Answer changed: “How long does the test take?”"
    assert (
        describe(edit("utter_faq/test_parking", new=True, title="Where can I park?"), titles)
        == "New topic: “Where can I park?”"
    )
    assert (
        describe(ExampleAdded("utter_faq/test_food", "x"), {}) == "New example for “test food”: “x”"
    )


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """(lines removed, lines added) between two texts, kept with their line endings."""
    diff = list(difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=0))[2:]
    removed = [line[1:] for line in diff if line.startswith("-")]
    added = [line[1:] for line in diff if line.startswith("+")]
    return removed, added


def test_on_the_real_files_only_the_intended_lines_change(tmp_path):
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(NLU_DIR.glob("*.yml"))}
    after, preparation = "ductogram_after.yml", "ductogram_preparation.yml"
    new_text = (
        "Your breast may be tender for a day or two. Pain medicine you can buy without a "
        "prescription, or a warm (not hot) pack, should help. Call us if it gets worse: "
        "that's rare."
    )
    changes = [
        ExampleAdded("utter_faq/ductogram_duration", "how long is the appointment [roughly]"),
        edit(
            "utter_faq/ductogram_aftercare",
            title="How will my breast feel afterwards?",
            text=new_text,
            sources=(SourceRef("ductogram_article", "after_test"),),
            added=("can i go to the gym after the test",),
            removed=("aftercare for ductogram",),
        ),
    ]
    result = apply_changes(files, changes)
    assert set(result) == {after, preparation}

    removed, added = changed_lines(files[preparation], result[preparation])
    assert (removed, added) == ([], ["    - how long is the appointment (roughly)\n"])
    old_block = files[after].split("  utter_faq/ductogram_aftercare:\n")[1]
    old_block = "  utter_faq/ductogram_aftercare:\n" + old_block.split("  utter_faq/")[0]
    removed, added = changed_lines(files[after], result[after])
    assert sorted(removed) == sorted(
        ["    - aftercare for ductogram\n", *old_block.splitlines(True)[2:5]]
        + ['      title: "How will my breast feel after the test?"\n']
    )
    assert "    - can i go to the gym after the test\n" in added
    assert '      title: "How will my breast feel afterwards?"\n' in added
    assert len(added) == 2 + 2  # the example, the title and two lines of wrapped text

    for name in files:
        path = tmp_path / name
        path.write_text(result.get(name, files[name]), encoding="utf-8")
        before, now = examples_by_intent(NLU_DIR / name), examples_by_intent(path)
        if name == preparation:
            duration = before.pop("faq/ductogram_duration")
            assert now.pop("faq/ductogram_duration") == [
                *duration,
                "how long is the appointment (roughly)",
            ]
        if name == after:
            aftercare = before.pop("faq/ductogram_aftercare")
            assert now.pop("faq/ductogram_aftercare") == [
                *(e for e in aftercare if e != "aftercare for ductogram"),
                "can i go to the gym after the test",
            ]
        assert now == before, name
        old_answers = load(files[name]).get("responses") or {}
        new_answers = load(path.read_text(encoding="utf-8")).get("responses") or {}
        if name == after:
            assert new_answers.pop("utter_faq/ductogram_aftercare") == [
                {
                    "text": new_text,
                    "metadata": {
                        "title": "How will my breast feel afterwards?",
                        "sources": [{"document": "ductogram_article", "section": "after_test"}],
                    },
                }
            ]
            old_answers.pop("utter_faq/ductogram_aftercare")
        assert list(new_answers.items()) == list(old_answers.items()), name


def test_every_real_topic_can_be_rewritten_as_it_is(tmp_path):
    """Writing each published answer back unchanged loads back the same, whatever its file."""
    files = {path.name: path.read_text(encoding="utf-8") for path in sorted(NLU_DIR.glob("*.yml"))}
    answers = {
        key: variants[0]
        for text in files.values()
        for key, variants in (load(text).get("responses") or {}).items()
    }
    assert len(answers) > 30
    changes = [
        edit(
            key,
            title=answer["metadata"]["title"],
            text=answer["text"],
            sources=tuple(
                SourceRef(s["document"], s["section"]) for s in answer["metadata"]["sources"]
            ),
        )
        for key, answer in answers.items()
    ]
    result = apply_changes(files, changes)
    for name, text in result.items():
        assert load(text) == load(files[name]), name
