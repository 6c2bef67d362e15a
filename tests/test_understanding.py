"""The trained model answers held-out patient questions correctly (tests/nlu_holdout.yml)."""
from quality.holdout import predict, report

MIN_RIGHT_ANSWER_RATE = 0.95


def test_held_out_questions_get_the_right_answer(model_path):
    predictions = predict(model_path)
    rate = sum(p.answer_correct for p in predictions) / len(predictions)
    print(report(predictions))
    assert len(predictions) >= 150
    assert rate >= MIN_RIGHT_ANSWER_RATE, report(predictions)


def test_off_topic_and_gibberish_never_get_a_faq_answer(model_path):
    off_topic = ["what's the best pizza topping", "xkcd qwerty zzzz", "how do i change a tyre", "who painted the mona lisa"]
    predictions = predict(model_path, [(text, "out_of_scope") for text in off_topic])
    assert not [p for p in predictions if p.answer.startswith("faq/")], report(predictions)
