"""make check-content on a nurse's edit: each mistake is reported in plain words, with file and line."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from core.content import DOMAIN_FILE, NLU_DIR, PROJECT_ROOT
from tools.copy_check import WORDS, fingerprints_of, words


@pytest.fixture
def content_copy(tmp_path):
    nlu = tmp_path / "nlu"
    shutil.copytree(NLU_DIR, nlu)
    shutil.copy(DOMAIN_FILE, tmp_path / "domain.yml")
    return nlu


def run_check(nlu_dir, **env):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.check_content",
            "--nlu-dir",
            str(nlu_dir),
            "--domain",
            str(nlu_dir.parent / "domain.yml"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return result.returncode, result.stdout


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_unchanged_content_passes(content_copy):
    assert run_check(content_copy) == (0, "The content is ready: every check passed.\n")


def test_broken_yaml_points_to_file_and_line(content_copy):
    path = content_copy / "prolactin.yml"
    lines = path.read_text().splitlines()
    lines[5] = "  examples: |\n\t- a tab breaks YAML"
    path.write_text("\n".join(lines))
    code, output = run_check(content_copy)
    assert code == 1
    assert (
        "prolactin.yml, line " in output
        and "cannot be read" in output
        and "spaces at the start" in output
    )


def test_answer_without_a_registered_source(content_copy):
    path = content_copy / "ductogram_risks.yml"
    replace_in(path, "document: ductogram_article", "document: a_blog_post")
    code, output = run_check(content_copy)
    assert (
        code == 1 and "ductogram_risks.yml, line " in output and "not in data/sources.yml" in output
    )


def test_hard_to_read_answer(content_copy):
    path = content_copy / "prolactin.yml"
    text = path.read_text()
    start = text.index("- text:", text.index("utter_faq/prolactin_what_is"))
    hard = (
        "- text: Hyperprolactinaemia, characteristically attributable to pharmacological dopaminergic antagonism, "
        "necessitates comprehensive endocrinological evaluation notwithstanding asymptomatic presentation.\n"
    )
    path.write_text(text[:start] + hard + text[text.index("\n", start) + 1 :])
    code, output = run_check(content_copy)
    assert (
        code == 1
        and "utter_faq/prolactin_what_is reads at school grade" in output
        and "shorter sentences" in output
    )


def test_answer_that_starts_with_yes_or_no(content_copy):
    path = content_copy / "ductogram_preparation.yml"
    replace_in(path, "You can eat and drink as usual", "Yes. You can eat and drink as usual")
    code, output = run_check(content_copy)
    assert code == 1 and "utter_faq/ductogram_eating_drinking starts with yes or no" in output


# A stand-in for a source document: the repository keeps only the real ones' fingerprints.
STAND_IN_DOCUMENT = (
    "The radiologist warms the gel, then slides a blunt cannula into the leaking duct opening "
    "while the patient lies still and breathes slowly through the whole procedure."
)


def test_sentence_copied_from_a_source_document(content_copy, tmp_path):
    prints = tmp_path / "fingerprints.json"
    prints.write_text(
        json.dumps(
            {
                "words": WORDS,
                "documents": {"stand_in": {"fingerprints": fingerprints_of(STAND_IN_DOCUMENT)}},
            }
        )
    )
    copied = (
        "Then " + STAND_IN_DOCUMENT.split(", then ")[1]
    )  # 22 words in a row, none of its first ones
    path = content_copy / "ductogram_basics.yml"
    text = path.read_text()
    start = text.index("- text:", text.index("utter_faq/ductogram_what_is"))
    path.write_text(text[:start] + f"- text: {copied}\n" + text[text.index("\n", start) + 1 :])
    code, output = run_check(content_copy, SEED_FINGERPRINTS_FILE=str(prints))
    assert code == 1 and "copied from the source documents" in output and "own words" in output
    assert f"copied run of {len(words(copied))} words" in output
    assert "copied from the source documents" not in run_check(content_copy)[1], (
        "only the stand-in has these words"
    )


def test_question_under_two_topics_and_too_few_examples(content_copy):
    path = content_copy / "prolactin.yml"
    text = path.read_text()
    first_example = text.split("examples: |\n", 1)[1].splitlines()[0].strip()[2:]
    replace_in(
        content_copy / "ductogram_basics.yml",
        "examples: |\n",
        f"examples: |\n    - {first_example}\n",
    )
    code, output = run_check(content_copy)
    assert (
        code == 1
        and f'the question "{first_example.lower()}" is under more than one topic' in output
    )

    kept, in_block, seen = [], False, 0
    for line in path.read_text().splitlines():
        if line.startswith("- intent:"):
            in_block = line == "- intent: faq/prolactin_test"
        if in_block and line.startswith("    - "):
            seen += 1
            if seen > 2:
                continue
        kept.append(line)
    path.write_text("\n".join(kept) + "\n")
    code, output = run_check(content_copy)
    assert (
        code == 1 and "faq/prolactin_test has 2 example questions; it needs at least 25" in output
    )


def test_answer_without_a_title_or_with_a_repeated_one(content_copy):
    path = content_copy / "ductogram_preparation.yml"
    replace_in(path, '      title: "How long does a ductogram take?"\n', "")
    replace_in(path, 'title: "Does the time of day matter?"', 'title: "What should I wear?"')
    code, output = run_check(content_copy)
    assert code == 1
    assert "utter_faq/ductogram_duration has no title" in output
    assert "has the same title as" in output
