"""Our NLU components on their own, without a trained model."""

from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_addons.nlu.spelling_tokenizer import DomainSpellingTokenizer, domain_words

WORDS = domain_words(
    [
        "How long does a ductogram take?",
        "What is galactorrhea?",
        "Can I eat before the test?",
        "Prolactin is a hormone.",
    ]
)


def _tokens(text: str):
    tokenizer = DomainSpellingTokenizer(
        {**DomainSpellingTokenizer.get_default_config()}, words=WORDS
    )
    return [token.text for token in tokenizer.tokenize(Message(data={TEXT: text}), TEXT)]


def test_domain_words_are_spelled_right_before_features_are_made():
    # "dose" is an English word and stays; "tak" is too short to correct safely.
    assert _tokens("how long dose a ductagrm tak") == [
        "how",
        "long",
        "dose",
        "a",
        "ductogram",
        "tak",
    ]
    assert "galactorrhea" in _tokens("what is galactorhea")
    assert "prolactin" in _tokens("prolactine levels")


def test_ordinary_english_is_left_alone():
    assert _tokens("my breath is short") == ["my", "breath", "is", "short"]


def test_only_the_questions_of_a_long_message_are_read():
    tokens = _tokens(
        "My GP sent me. I am so scared about everything. My sister had one. How long does it take?"
    )
    assert tokens[:3] == ["My", "sister", "had"] and "GP" not in tokens and "scared" not in tokens


def test_other_names_of_a_subject_are_read_as_its_word():
    # data/synonyms.yml: a brand of immunoglobulin, a maker's name for a port
    assert _tokens("my Privigen drip") == ["my", "immunoglobulin", "drip"]
    assert _tokens("a mediport leak") == ["a", "port", "leak"]


def test_every_other_name_has_a_reason_a_reference_and_is_no_everyday_word():
    import yaml

    from core.synonyms import SYNONYMS_FILE, synonyms
    from core.triage.language import common_words

    raw = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    for spec in raw["subjects"].values():
        assert spec["reason"].strip() and spec["reference"].strip() and spec["names"]
    assert not set(synonyms()) & common_words()
