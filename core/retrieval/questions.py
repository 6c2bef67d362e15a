"""The questions inside a patient's message.

Patients put context first ("My GP said...", "I'm terrified...") and often ask two things at
once ("how long does it take and can I have breakfast first?"). The message is cut into
sentences, and sentences into clauses where a new question starts after a comma, "and",
"also" or "but"; the parts that ask something are the questions. Context parts stay out of the
questions so they cannot drown them.
"""

from __future__ import annotations

import re

from core.retrieval.scope import load_scope

# Words that open a question in English, with or without the question mark patients skip.
QUESTION_WORDS = (
    "how|what|whats|what's|when|where|which|who|why|any|anything|is there|are there|"
    # texting spellings patients use
    "wat|wot|wats|wen|hw|r u|do u|can u"
)
AUXILIARIES = (
    "am|are|can|could|did|do|does|has|have|is|may|might|must|shall|should|was|were|will|would|"
    "shud|shld|cud|wud|cn"
)
# ... but an auxiliary followed by a participle or an adverb goes on a statement: "I'm 31 and
# have had discharge for months", "and was told to wait".
_STATEMENT_AFTER_AUXILIARY = (
    r"\s+(?:had|been|got|done|told|given|seen|sent|taken|shown|gone|not|never|just|already|also|still|always|"
    r"\w+ed)\b"
)
QUESTION_OPENERS = rf"(?:{QUESTION_WORDS})\b|(?:{AUXILIARIES})\b(?!{_STATEMENT_AFTER_AUXILIARY})"
# Phrases that ask without a question word: "I was wondering whether...", "tell me about...".
INDIRECT_QUESTION = re.compile(
    r"\b(wonder(ing)?|want(ed)? to know|like to know|need to know|tell me|explain|"
    r"not sure (if|whether|what|how|why)|no idea (if|whether|what|how|why)|curious|"
    r"please (say|tell|let me know)|let me know)\b"
)
_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+|(?<=\?)(?=\S)")
_NEW_QUESTION = re.compile(
    rf"(?:\s*[,;:]\s*|,?\s+(?:and|also|plus|but|or|so|then|&)\s+(?:also\s+|then\s+|what about\s+)?)"
    rf"(?=(?:{QUESTION_OPENERS}))",
    re.IGNORECASE,
)
# A question run on at the end of a sentence with no comma or mark before it, as patients type:
# "sore after the ductagram yesterday what can i take", "my boobs leak during ivig is that
# normal". Only a short tail that opens with a question word and an auxiliary, or an auxiliary
# and a pronoun, counts: "the thing is that I ..." and "so do I" go on a statement.
_RUN_ON_PRONOUNS = r"(?:i|it|that|this|they|them|you|u|we|she|he|there|my)"
# A word just before the tail that makes it part of a statement ("so do I", "it is a ...") or
# of a question already under way ("what can I ...", "how long will it ...").
_NOT_BEFORE_RUN_ON = (
    "so neither nor as than only then i it that this they you we she he there "
    "what how when where which who why long much many soon often far"
).split()
_RUN_ON_QUESTION = re.compile(
    "".join(rf"(?<!\b{word})" for word in _NOT_BEFORE_RUN_ON)
    + rf"\s+(?=(?:(?:how|what|whats|when|where|which|who|why|wat|wot)"
    rf"(?:\s+(?:long|much|many|soon|often|far|else))?\s+(?:{AUXILIARIES})|(?:{AUXILIARIES}))"
    rf"\s+{_RUN_ON_PRONOUNS}\b(?!\s+(?:i|it|she|he|they|we|you|my)\b)[^.?!,;:]{{0,40}}\W*$)",
    re.IGNORECASE,
)
_OPENS_QUESTION = re.compile(
    rf"^\W*(?:(?:and|also|so|but|ok|okay|oh|and also|plus)\W+)?(?:{QUESTION_OPENERS})",
    re.IGNORECASE,
)
# Words that point back to something named before ("how do they check it?").
_POINTS_BACK = re.compile(r"\b(?:it|its|it's|this|that|these|those)\b", re.IGNORECASE)
# A part shorter than this (in words) is a fragment ("and?", "thanks"), not a question of its own.
MIN_QUESTION_WORDS = 3


def parts(text: str) -> list[str]:
    """Sentences, and clauses within them where a new question starts."""
    found = []
    for sentence in _SENTENCE_END.split(text or ""):
        for clause in _NEW_QUESTION.split(sentence):
            found += [piece.strip() for piece in _RUN_ON_QUESTION.split(clause) if piece.strip()]
    return found


def asks(part: str) -> bool:
    lower = part.lower()
    return (
        "?" in part or bool(_OPENS_QUESTION.match(lower)) or bool(INDIRECT_QUESTION.search(lower))
    )


def questions(text: str) -> list[str]:
    """The parts of the message that ask something, in order; the whole message when none does."""
    asked = [part for part in parts(text) if asks(part) and len(part.split()) >= MIN_QUESTION_WORDS]
    return asked or [text.strip()]


def subjects(text: str) -> list[str]:
    """What the text names of the documents' subjects ("ductogram", "prolactin"): data/scope.yml."""
    return load_scope().subjects(text)


def focus(text: str) -> str:
    """What the classifier should read of a long message: its questions, the sentence just
    before the first one, which often says what "it" is ("Nobody explained the test. What is
    it?"), and, when none of those names a subject, the last sentence before them that does
    ("She wants a ductogram. I nodded. Got home, no clue. What is this test?").
    Messages of one or two parts are read whole."""
    pieces = parts(text)
    asking = [
        i for i, part in enumerate(pieces) if asks(part) and len(part.split()) >= MIN_QUESTION_WORDS
    ]
    if len(pieces) <= 2 or not asking:
        return text
    keep = set(asking) | {max(asking[0] - 1, 0)}
    if not any(subjects(pieces[i]) for i in keep):
        naming = [i for i in range(asking[-1]) if subjects(pieces[i])]
        keep |= set(naming[-1:])
    return " ".join(pieces[i] for i in sorted(keep))


def with_subjects(text: str, asked: list[str]) -> list[str]:
    """Each question as retrieval should read it: one that names no subject but points back to
    one ("and how do they check it?") is read with the last subject named before it in the
    message ("prolactin")."""
    read: list[str] = []
    named: list[str] = []
    position = 0
    for part in asked:
        start = text.find(part, position)
        if start > position:
            named = subjects(text[position:start]) or named
        own = subjects(part)
        points_back = _POINTS_BACK.search(part) or load_scope().points_back(part)
        carried = named and not own and points_back
        read.append(f"{named[-1]} {part}" if carried else part)
        named = own or named
        position = max(start, 0) + len(part)
    return read


def asking_spans(text: str) -> list[tuple[int, int]]:
    """Where in the text the parts that ask something are (start, end), in order."""
    spans: list[tuple[int, int]] = []
    position = 0
    for part in parts(text):
        start = text.find(part, position)
        if start < 0:
            continue
        position = start + len(part)
        if asks(part):
            spans.append((start, position))
    return spans


def asks_a_question(text: str | None) -> bool:
    """A question mark, a part that opens with a question word, or a request to explain.
    "My mum has some discharge from her nipple" asks nothing, though the model may read it as
    an FAQ question: it gets no unasked answer."""
    return any(asks(part) for part in parts(text or ""))
