"""FAQ answers over REST on the running assistant (issue 14): both answers to a two-part
question, a "Did you mean" button that answers its topic, misspelled key words, and the
honest decline for off-topic questions that share words with the topics."""

import uuid

import pytest

from core.content import faq_responses

# Its tests only talk to the servers, each in its own conversation: the servers are shared.
pytestmark = pytest.mark.shares_servers

ANSWERS = faq_responses()


def _sender() -> str:
    return f"faq-{uuid.uuid4().hex[:8]}"


def _answer(topic: str) -> str:
    return ANSWERS[f"utter_faq/{topic}"]["text"].strip()


def test_two_part_question_gets_two_answers_each_with_its_source(assistant):
    messages = assistant.send(_sender(), "how long does a ductogram take, and can i eat before it?")
    texts = [m["text"] for m in messages]
    assert len(texts) == 2, texts
    assert texts[0].startswith(_answer("ductogram_duration")) and "\nSource: " in texts[0]
    assert (
        texts[1].startswith("You also asked: ") and _answer("ductogram_eating_drinking") in texts[1]
    )
    assert "\nSource: " in texts[1]


def test_every_did_you_mean_button_answers_its_own_topic(assistant):
    """A button sends its answer's title; every title must bring back that answer (after the
    rule book's general note where the title names a sign, as "pregnant" does)."""
    sender = _sender()
    wrong = []
    for _name, response in sorted(ANSWERS.items()):
        title = response["metadata"]["title"]
        replies = assistant.send(sender, title)
        if not any(reply.get("text", "").startswith(response["text"].strip()) for reply in replies):
            wrong.append((title, [r.get("text", "")[:60] for r in replies]))
    assert not wrong, wrong


def test_both_key_words_misspelled(assistant):
    [message] = assistant.send(_sender(), "how long dose a ductagrm tak")
    assert message["text"].startswith(_answer("ductogram_duration"))


def test_off_topic_questions_that_share_words_get_the_honest_decline(assistant):
    for text in [
        "my dog has a lump on her tummy, what should i do",
        "how much does a breast biopsy cost without insurance",
        "how do i get duct tape off my car",
    ]:
        replies = assistant.send(_sender(), text)
        assert "I can only help" in replies[0]["text"], (text, replies)
        assert "Source:" not in " ".join(r.get("text", "") for r in replies), (text, replies)


def test_asking_for_a_cure_with_her_own_leak_is_declined_and_offers_the_check(assistant):
    replies = assistant.send(_sender(), "which pill stops my nipple leaking?")
    assert "I can only help" in replies[0]["text"], replies
    assert [b["title"] for b in replies[0].get("buttons", [])] == ["Check my symptoms"], replies
