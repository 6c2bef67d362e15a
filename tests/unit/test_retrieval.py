"""The pure FAQ retrieval core (core/retrieval/): question parts, scope, ranking and the decision.
No Rasa, no model: milliseconds."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from core.content import faq_responses
from core.retrieval.decide import (
    AGREE_SCORE,
    ANSWER_IT,
    DECLINE_IT,
    FALLBACK,
    FAQ,
    MAX_ANSWERS,
    OFFER_TOPICS,
    OTHER_CHOICE_AT_LEAST,
    OTHER_CHOICE_BELOW,
    READING_KEY,
    SECOND_AGREE_SCORE,
    SECOND_SCORE,
    decide,
    other_choice,
    question_also_asked,
)
from core.retrieval.index import TopicIndex
from core.retrieval.questions import focus, questions, with_subjects
from core.retrieval.scope import load_scope
from core.retrieval.topic_model import (
    blend,
    from_stored_parts,
    stored_parts,
    topic_probabilities,
    train_topic_model,
)

DOCUMENTS = [
    ("duration", "how long does the ductogram take"),
    ("duration", "how many minutes is the test"),
    ("duration", "The test takes 30 to 60 minutes."),
    ("eating", "can i eat before the test"),
    ("eating", "do i need to fast before the ductogram"),
    ("eating", "You can eat and drink as usual."),
    ("cost", "how much does a ductogram cost"),
    ("cost", "will my insurance pay for the test"),
    ("cost", "Ask your insurer what they cover."),
]
TITLES = {
    "duration": "How long does a ductogram take?",
    "eating": "Can I eat first?",
    "cost": "What does it cost?",
}


@pytest.fixture(scope="module")
def index() -> TopicIndex:
    return TopicIndex(DOCUMENTS)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "My GP sent me. I'm terrified. How long does it take and can I have breakfast first?",
            ["How long does it take", "can I have breakfast first?"],
        ),
        (
            "what are the risks in plain english please",
            ["what are the risks in plain english please"],
        ),
        ("wat is galactorhea and wat causes it", ["wat is galactorhea", "wat causes it"]),
        (
            "I was wondering if I can drive home afterwards",
            ["I was wondering if I can drive home afterwards"],
        ),
        (
            "My nipple leaks. It is milky.",
            ["My nipple leaks. It is milky."],
        ),  # no question: read whole
        (  # "and have had", "and was told": an auxiliary that goes on a statement
            "I'm 31 and have had discharge for months and was told to wait. What causes it?",
            ["What causes it?"],
        ),
        # a question run on at the end, with no comma or mark before it
        (
            "my brest is a bit sore after the ductagram yesterday what can i take",
            ["what can i take"],
        ),
        ("booked in for friday do i need to stop eating", ["do i need to stop eating"]),
        # ... but not a statement: "the thing is that I", "it is a", "so do I"
        ("the thing is that i am scared of needles", ["the thing is that i am scared of needles"]),
        (
            "it leaks when i squeeze and it is a milky colour",
            ["it leaks when i squeeze and it is a milky colour"],
        ),
        ("my doctor said i should have one", ["my doctor said i should have one"]),
    ],
)
def test_questions_are_found_inside_context(text, expected):
    assert questions(text) == expected


def test_focus_keeps_the_questions_and_the_sentence_that_names_it():
    text = "My GP booked a test. Nobody said what a ductogram is. I felt silly. What is it, in plain words?"
    assert (
        focus(text) == "Nobody said what a ductogram is. I felt silly. What is it, in plain words?"
    )
    assert (
        focus("I'm on tamoxifen. Can I have a ductogram?")
        == "I'm on tamoxifen. Can I have a ductogram?"
    )


def test_focus_reaches_back_for_the_subject_a_question_points_to():
    text = (
        "First post. Leaking for months, no idea why. The consultant wants a galactogram and I "
        "nodded. I got home. I have no clue. Can someone explain what this test actually is?"
    )
    assert focus(text) == (
        "First post. Leaking for months, no idea why. The consultant wants a galactogram and I "
        "nodded. Can someone explain what this test actually is?"
    )
    # A question that names its subject needs nothing from before it.
    assert "galactogram" not in focus(
        "The consultant wants a galactogram. I got home. I sat down. Is prolactin a hormone?"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "what is prolactin and how do they check it",
            ["what is prolactin", "prolactin how do they check it"],
        ),
        (  # "the port" points back; the subject named before is carried
            "I have a port catheter. Can it leak, and how would they check the port?",
            ["port catheter Can it leak", "port catheter how would they check the port?"],
        ),
        (  # each question that names its own subject keeps it
            "what does prolactin do and is a galactogram painful",
            ["what does prolactin do", "is a galactogram painful"],
        ),
        ("how long does it take", ["how long does it take"]),  # nothing to carry
        (  # a question that does not point back keeps its own words
            "I had a galactogram today. How long will I be sore for, and what happens next?",
            ["How long will I be sore for", "what happens next?"],
        ),
    ],
)
def test_a_question_is_read_with_the_subject_it_points_back_to(text, expected):
    assert with_subjects(text, questions(text)) == expected


def test_ranking_puts_the_closest_topic_first_even_misspelled(index):
    assert index.rank("how long dose the ductagram tak")[0][0] == "duration"
    assert index.rank("can i have brekfast before the test")[0][0] == "eating"
    assert len(index.rank_leaving_out()) == len(DOCUMENTS)


def test_a_sure_classifier_answers_and_a_second_question_gets_its_own_answer(index):
    decision = decide(
        "how long does the ductogram take and can i eat before the test",
        FAQ,
        FAQ,
        "duration",
        index.rank,
        TITLES,
    )
    assert decision.answers == ["duration", "eating"][:MAX_ANSWERS]
    single = decide("how long does the ductogram take", FAQ, FAQ, "duration", index.rank, TITLES)
    assert single.answers == ["duration"] and single.how == "classifier"


def test_an_unsure_classifier_backed_by_retrieval_answers(index):
    decision = decide(
        "how many minutes will the ductogram take", FALLBACK, FAQ, "duration", index.rank, TITLES
    )
    assert decision.how == "retrieval" and decision.answers == ["duration"]
    assert dict(index.rank("how many minutes will the ductogram take"))["duration"] >= AGREE_SCORE


def test_when_both_are_unsure_the_closest_topics_are_offered(index):
    # Retrieval's best ("duration") is not the classifier's pick and not clearly ahead.
    decision = decide("tell me about the ductogram", FALLBACK, FAQ, "cost", index.rank, TITLES)
    assert decision.how == "suggest" and not decision.answers
    assert (
        decision.suggestions[0] == "cost"
        and "duration" in decision.suggestions
        and len(decision.suggestions) <= 3
    )


def test_nothing_close_means_the_plain_rephrase(index):
    decision = decide("zzzz qqqq", FALLBACK, FAQ, None, index.rank, TITLES)
    assert decision.how == "none" and not decision.suggestions and not decision.answers


def test_a_title_from_a_button_answers_its_topic(index):
    decision = decide("can i eat FIRST?", FALLBACK, "greet", None, index.rank, TITLES)
    assert decision.answers == ["eating"] and decision.how == "title"


def test_retrieval_never_overrides_another_reading(index):
    for top in ("out_of_scope", "greet", "check_symptoms"):
        assert (
            decide("how long does the ductogram take", FALLBACK, top, None, index.rank, TITLES).how
            == "none"
        )


def test_a_message_outside_the_documents_is_declined_even_when_the_classifier_is_sure(index):
    decision = decide(
        "how much does a biopsy cost", FAQ, FAQ, "cost", index.rank, TITLES, outside="other_tests"
    )
    assert decision.how == "off_topic" and not decision.answers


@pytest.mark.parametrize(
    "text, outside",
    [
        ("which pill stops my nipple leaking", "asking_for_a_cure"),
        ("my dog has a lump on her belly", "animals"),
        ("How much does a breast biopsy cost without insurance?", "other_tests"),
        ("how do i get duct tape off my car", "other_meanings"),
        ("Can I drink coffee while breastfeeding?", "breastfeeding_and_babies"),
        ("how long does a chemo session take", "other_treatments"),
        # anchors keep a message in scope; a negated outside word does not count
        ("I'm on tamoxifen, can I still have a ductogram?", None),
        ("why do my breasts leak milk when i'm not breastfeeding", None),
        ("how long does the test take", None),
        # a subject other tests share does not keep them in scope; a named one does
        ("do i have to fast before a CT scan with contrast?", "other_tests"),
        ("what should i wear to my chemo infusion", "other_treatments"),
        ("I got hives after CT contrast once. Is the ductogram dye a problem?", None),
        # ... and a reaction to the dye of any test is the ductogram's allergy question
        ("I came out in hives after the contrast for a CT scan. Will the dye be a problem?", None),
        ("I had a reaction to contrast at my MRI, is the dye safe for me", None),
        ("I had anaphylaxis to a CT scan, can I have this", None),
        # ... but not an animal's
        ("my dog had a reaction to the dye at the vet", "animals"),
        # a possessive names its owner
        ("my cat's nipples look swollen", "animals"),
        # infusions and ports are in the documents as a cause of leaking and in the port's check only
        ("how long does an ivig drip usually last", "infusions_and_ports"),
        ("can i swim with my port in", "infusions_and_ports"),
        ("since my immunoglobulin started my nipples leak", None),
        ("how do they check a port for a hole", None),
        # a test named by what it looks at is another test; "they test", "the x-ray" are ours
        ("do i have to fast for an iron blood test", "other_tests"),
        ("wrist x ray on monday, is it safe", "other_tests"),
        ("how long before the x-ray results come back", None),
        ("how do they test the duct", None),
        ("my pelvic scan was fine but why do my nipples leak", None),
        # other names of a subject are read as its word (data/synonyms.yml)
        ("is gammagard better than privigen", "infusions_and_ports"),
        ("my privigen drip makes my nipples leak", None),
        # a word ending like a test's or an operation's name is another test; the mammogram is ours
        ("is a hysteroscopy painful", "other_tests"),
        ("does a mammogram hurt more than this", None),
        # the mammogram is ours only as the test before, the machine and images to bring
        ("how much is a private mammogram in london", "mammograms"),
        ("my mammogram was normal, so why do they want more pictures", None),
        ("should i bring my old mammogram films", None),
        # an ultrasound of another part is another test; the breast's own is ours
        ("can i eat before my gallbladder ultrasound", "other_tests"),
        ("will there be a breast ultrasound too", None),
        ("do i need an ultrasound scan first", None),
        ("will they do an armpit ultrasound", None),
        ("I was called back after my mammogram", None),
    ],
)
def test_scope(text, outside):
    assert load_scope().outside_class(text) == outside


@pytest.fixture(scope="module")
def vocabulary():
    return load_scope().vocabulary([text for _, text in DOCUMENTS] + list(faq_texts()))


def faq_texts() -> list[str]:
    return [response["text"] for response in faq_responses().values()]


@pytest.mark.parametrize(
    "text, outside",
    [
        # none of the documents' subjects, and a word neither they nor common English use
        ("does getting an IUD put in hurt", "unfamiliar"),
        ("what are the risks of a barium swallow", "unfamiliar"),
        # a subject of ours, an anchor, or only known words: the classifier decides
        ("does the iud make my nipples leak", None),
        ("does getting the dye test hurt", None),
        ("how long does it take", None),
        ("can i bring somone with me", None),  # one letter from a known word
        ("is there much pian", None),
        # a message pointing back is about what was said before: the classifier decides
        ("I feel dizzy and nauseous after it", None),
        ("can risperidone cause this", None),
        # signs and symptoms of the red-flag rule book are never unfamiliar
        ("I'm itchy all over", None),
        # gibberish is unreadable, not off-topic: it is asked to rephrase
        ("asdkjh qwpoeiru zxmnv", None),
    ],
)
def test_a_message_naming_nothing_of_ours_and_an_unfamiliar_word_is_off_topic(
    vocabulary, text, outside
):
    assert load_scope().outside_class(text, vocabulary) == outside


def test_without_the_models_vocabulary_unfamiliar_words_are_not_judged():
    assert load_scope().outside_class("does getting an IUD put in hurt") is None


def test_no_word_of_an_answer_reads_as_another_test():
    """The answers' own procedures ("fluoroscopy", "galactogram") are never another test's name."""
    shapes = load_scope().test_shapes
    assert shapes is not None
    words = {w for r in faq_responses().values() for w in re.findall(r"[a-z]+", r["text"].lower())}
    assert [w for w in sorted(words) if shapes.another_test([w])] == []


def test_two_answers_come_in_the_order_asked(index):
    decision = decide(
        "can i eat before the test, and how long does the ductogram take",
        FAQ,
        FAQ,
        "duration",
        index.rank,
        TITLES,
    )
    assert decision.answers == ["eating", "duration"]


def test_a_second_question_needs_less_when_the_classifier_ranks_its_topic_too(index):
    text = "how long does it take, and do they bill me"
    weak = dict(index.rank("do they bill me"))["cost"]
    assert SECOND_AGREE_SCORE <= weak < SECOND_SCORE  # retrieval alone is not sure of "cost"
    alone = decide(text, FAQ, FAQ, "duration", index.rank, TITLES)
    agreed = decide(
        text, FAQ, FAQ, "duration", index.rank, TITLES, also_ranked=["duration", "cost"]
    )
    assert alone.answers == ["duration"] and agreed.answers == ["duration", "cost"]


def test_every_scope_rule_has_a_reason_and_a_reference():
    import yaml

    from core.retrieval.scope import SCOPE_FILE

    raw = yaml.safe_load(SCOPE_FILE.read_text(encoding="utf-8"))
    rules = [*raw["outside"].values(), *raw["narrow_subjects"].values(), raw["test_shapes"]]
    assert all(rule["reason"].strip() and rule["reference"].strip() for rule in rules)


def _answered(confidences: list[tuple[str, float]], how: str = "classifier", answers=None) -> dict:
    return {
        READING_KEY: {"answers": answers or [confidences[0][0]], "suggestions": [], "how": how},
        "response_selector": {
            "faq": {
                "ranking": [
                    {"intent_response_key": f"faq/{topic}", "confidence": confidence}
                    for topic, confidence in confidences
                ]
            }
        },
    }


def test_a_less_sure_answer_offers_the_topic_ranked_next():
    ranking = [
        ("ductogram_steps", OTHER_CHOICE_BELOW - 0.2),
        ("ductogram_getting_ready_in_room", 0.3),
    ]
    assert other_choice(_answered(ranking)) == "ductogram_getting_ready_in_room"


@pytest.mark.parametrize(
    "ranking, how, answers",
    [
        # sure of its answer
        ([("ductogram_steps", OTHER_CHOICE_BELOW), ("ductogram_pain", 0.3)], "classifier", None),
        # the next topic is too unlikely to be worth a button
        (
            [("ductogram_steps", 0.4), ("ductogram_pain", OTHER_CHOICE_AT_LEAST - 0.01)],
            "classifier",
            None,
        ),
        # retrieval chose the answer: the classifier's ranking is not about it
        ([("ductogram_steps", 0.3), ("ductogram_pain", 0.3)], "retrieval", None),
        # a two-part question already gets two answers
        (
            [("ductogram_steps", 0.3), ("ductogram_pain", 0.3)],
            "classifier",
            ["ductogram_steps", "ductogram_cost"],
        ),
        # the answer given is not the classifier's first topic
        ([("ductogram_steps", 0.3), ("ductogram_pain", 0.3)], "classifier", ["ductogram_cost"]),
        # nothing ranked next
        ([("ductogram_steps", 0.3)], "classifier", None),
    ],
)
def test_no_other_choice_otherwise(ranking, how, answers):
    assert other_choice(_answered(ranking, how, answers)) is None


def _report(
    text: str, original_intent: str, suggestions=(), answer: str | None = None, worried=False
) -> dict:
    """A message the red-flag detector turned into a report (or an escalation)."""
    parse: dict = {
        "text": text,
        "red_flags": {"original_intent": original_intent, "worried": worried},
        READING_KEY: {"answers": [], "suggestions": list(suggestions), "how": "suggest"},
    }
    if answer:
        parse["response_selector"] = {"faq": {"response": {"utter_action": answer}}}
    return parse


@pytest.mark.parametrize(
    "parse, expected",
    [
        (
            _report("my nipple leaks, how do I prepare?", FAQ, answer="utter_faq/prep"),
            (ANSWER_IT, ["utter_faq/prep"]),
        ),
        (_report("which pill stops my nipple leaking?", "out_of_scope"), (DECLINE_IT, [])),
        (
            _report("my nipples leak on my drip - what is going on?", FALLBACK, ["a", "b"]),
            (OFFER_TOPICS, ["a", "b"]),
        ),
        # unclear, and no topic close to it: nothing to offer (the check asks its own questions)
        (_report("my nipple leaks, what is going on?", FALLBACK), None),
        # a report that asks nothing gets no answer it did not ask for
        (_report("my mum has discharge from her nipple", FAQ, answer="utter_faq/men"), None),
        (_report("my nipple leaks on my drip", FALLBACK, ["a"]), None),
    ],
)
def test_the_question_a_report_also_asks_is_answered_declined_or_offered_topics(parse, expected):
    assert question_also_asked(parse) == expected


UNCLEAR = _report("my nipples leak on my drip - what is going on?", FALLBACK, ["a", "b"])
ANSWERABLE = _report("my nipple bleeds, how do I prepare?", FAQ, answer="utter_faq/prep")


def test_after_an_escalation_the_question_is_answered_or_declined_never_offered_topics():
    assert question_also_asked(UNCLEAR) == (OFFER_TOPICS, ["a", "b"])
    assert question_also_asked(UNCLEAR, escalated=True) is None
    assert question_also_asked(ANSWERABLE, escalated=True) == (ANSWER_IT, ["utter_faq/prep"])


def test_a_worried_report_about_her_own_sign_is_left_to_the_check():
    worried = _report(
        "I have discharge, should I be worried?", FAQ, answer="utter_faq/x", worried=True
    )
    assert question_also_asked(worried) is None
    # after an escalation the worry is answered by the escalation; a question is still answered
    assert question_also_asked(worried, escalated=True) == (ANSWER_IT, ["utter_faq/x"])


def test_the_blend_weighs_both_readings_and_counts_a_missing_topic_as_nothing():
    selector = {"duration": 0.8, "eating": 0.2}
    model = {"duration": 0.1, "eating": 0.6, "cost": 0.3}
    blended = dict(blend(selector, model, weight=0.5))
    assert blended == pytest.approx({"duration": 0.45, "eating": 0.4, "cost": 0.15})
    assert [topic for topic, _ in blend(selector, model, weight=0.5)] == [
        "duration",
        "eating",
        "cost",
    ]
    # Weighted the other way, the second classifier's pick comes first.
    assert blend(selector, model, weight=0.9)[0][0] == "eating"
    assert blend(selector, model, weight=0.0)[0] == ("duration", pytest.approx(0.8))


@pytest.fixture(scope="module")
def topic_model():
    return train_topic_model([text for _, text in DOCUMENTS], [topic for topic, _ in DOCUMENTS])


def test_the_topic_model_reads_new_wordings_of_its_examples(topic_model):
    probabilities = topic_probabilities(topic_model, "how many minutes will the ductogram take")
    assert max(probabilities, key=probabilities.get) == "duration"
    assert sum(probabilities.values()) == pytest.approx(1.0)
    probabilities = topic_probabilities(topic_model, "does my insurance cover it")
    assert max(probabilities, key=probabilities.get) == "cost"


def test_a_stored_topic_model_reads_as_the_trained_one(topic_model):
    model = topic_model
    words, arrays = stored_parts(model)
    # What the component writes: JSON for the words, numpy arrays for the weights.
    words = json.loads(json.dumps(words))
    loaded = from_stored_parts(words, {name: np.array(array) for name, array in arrays.items()})
    for text in ("how long dose it tak", "can i have brekfast", "is it expensive"):
        assert topic_probabilities(loaded, text) == pytest.approx(topic_probabilities(model, text))
