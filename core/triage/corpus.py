"""A generated measuring stick for the red-flag detector: red-flag messages and look-alikes.

Written without looking at the detector's term lists (data/red_flags.yml, triage/), so that
it measures what patients write rather than what the rule book already knows.

Every message is built from one *key wording* (the phrase that carries the sign, e.g.
"rust-coloured" or "pointing inwards") plus variations that do not carry the sign: who it is
about, side, time, filler words, typos, question tails, sentence order, lowercase.

Two halves, fixed by a hash of family and key wording (never by chance or by hand):

    half = int(sha256(f"{family}:{wording}").hexdigest(), 16) % 2   # 0 tuning, 1 sealed

- tuning: may be read, and its misses studied, when tuning the rule book.
- sealed: wordings the tuning half never shows. NEVER copy a sealed wording into the rule
  book (data/red_flags.yml) or its examples; look only at its counts. Once a sealed wording
  is taught to the detector, the sealed half stops measuring how it copes with new wordings.

    from core.triage.corpus import generate, tuning, sealed
    items = generate()  # [{"text", "level", "family", "wording", "subject", "half"}, ...]

Policy encoded (the clinic's): a message is an escalation when the writer, or the person
written about, has the sign now (ongoing, recurring, or only just stopped). Level
"emergency" for breathing trouble, swelling of throat/tongue/lips/face, fainting or collapse;
"urgent" for the breast signs; None for look-alikes (family history, someone's past, the
writer's own resolved past, negation, general questions, benign facts, procedure questions
that use words such as blood, red, lump or discharge in another sense).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

TUNING = "tuning"
SEALED = "sealed"
HALVES = (TUNING, SEALED)
EMERGENCY = "emergency"
URGENT = "urgent"
LEVELS = (EMERGENCY, URGENT, None)
SEED = 13


def half_of(family: str, wording: str) -> str:
    """The fixed half of a key wording; the same formula is recomputed in the tests."""
    return (
        SEALED
        if int(hashlib.sha256(f"{family}:{wording}".encode()).hexdigest(), 16) % 2
        else TUNING
    )


# --- who the message is about ---------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    nom: str  # first mention as subject: "I", "my husband"
    pro: str  # later mentions: "I", "he", "she"
    gen: str  # first-mention possessive: "my", "my husband's"
    poss: str  # later possessive: "my", "his", "her"
    obj: str  # later object: "me", "him", "her"
    sex: str  # "f", "m", or "" when the writer does not say

    @property
    def is_self(self) -> bool:
        return self.nom == "I"

    @property
    def subject(self) -> str:
        return "self" if self.is_self else "other"

    @property
    def top(self) -> str:
        return "shirt" if self.sex == "m" else "bra"


ME = Who("I", "I", "my", "my", "me", "")
ME_MALE = Who("I", "I", "my", "my", "me", "m")


def _other(noun: str, sex: str) -> Who:
    pro, poss, obj = ("he", "his", "him") if sex == "m" else ("she", "her", "her")
    return Who(f"my {noun}", pro, f"my {noun}'s", poss, obj, sex)


WOMEN = [
    _other(noun, "f")
    for noun in (
        "mum",
        "mother",
        "wife",
        "daughter",
        "sister",
        "62-year-old mother",
        "partner",
        "friend",
        "nan",
        "35-year-old daughter",
        "girlfriend",
        "aunt",
    )
]
MEN = [
    _other(noun, "m")
    for noun in (
        "husband",
        "dad",
        "son",
        "40-year-old son",
        "boyfriend",
        "brother",
        "father-in-law",
        "70-year-old dad",
    )
]

_TOKEN = re.compile(r"\{([^{}]+)\}")


def fill(template: str, who: Who) -> str:
    """Render {I} {my} {me} {top} and {a|b} tokens, left to right.

    The first of {I}/{my}/{me} names the person ("my husband", "my husband's"); later ones
    use the pronoun ("he", "his"), so one template serves the writer and any relative.
    {a|b} is the verb form for "I" | for a third person.
    """
    mentioned = False

    def token(match: re.Match) -> str:
        nonlocal mentioned
        name = match.group(1)
        if "|" in name:
            first_person, third_person = name.split("|")
            return first_person if who.is_self else third_person
        if name == "top":
            return who.top
        forms = {
            "I": (who.nom, who.pro),
            "my": (who.gen, who.poss),
            "me": ("me" if who.is_self else who.nom, who.obj),
        }
        first, later = forms[name]
        value = later if mentioned else first
        mentioned = True
        return value

    return _TOKEN.sub(token, template)


# --- shared pools: not key wordings, so both halves may use them ------------------------------

SIDE_FROM = [
    "from {my} left nipple",
    "from {my} right nipple",
    "from one of {my} nipples",
    "from {my} left breast",
    "from the nipple on {my} right side",
    "from just the one nipple",
]
SIDE_ADJ = ["left", "right"]
TIME = [
    "since last week",
    "for a few days",
    "this week",
    "for about ten days",
    "since Sunday",
    "over the weekend",
]
TESTS = ["ductogram", "galactogram", "dye test", "ductogram"]  # the usual name twice as often
TEST_WHEN = [
    "on Monday",
    "three days ago",
    "last week",
    "on Tuesday",
    "two days ago",
    "at the weekend",
]

FILLERS = [
    "Hi,",
    "Hello.",
    "Sorry to bother you,",
    "Um,",
    "So,",
    "Quick question.",
    "Hiya,",
    "Good morning.",
]
TAILS = [
    "Is that normal?",
    "Should I be worried?",
    "What should I do?",
    "Do I need to come in?",
    "Thanks.",
]
CONTEXT = [
    "I've been referred by my GP.",
    "I'm on the waiting list for a ductogram.",
    "I have two kids.",
]


@dataclass(frozen=True)
class Wording:
    key: str  # the key wording: hashed for the half, and never typo'd
    form: str = ""  # how it is written into the message when it differs from the key
    extra: str = (
        ""  # family-specific: a colour's attributive form, a sign's kind, a sex restriction
    )

    @property
    def text(self) -> str:
        return self.form or self.key


def W(key: str, form: str = "", extra: str = "") -> Wording:
    return Wording(key, form, extra)


Maker = Callable[[Wording, random.Random], tuple[str, Who]]


def _who(rng: random.Random, p_self: float = 0.6, sexes: str = "fm") -> Who:
    if rng.random() < p_self:
        return ME
    pool = (WOMEN if "f" in sexes else []) + (MEN if "m" in sexes else [])
    return rng.choice(pool)


# --- red-flag families ---------------------------------------------------------------------------

# Shades and suffixes of red, pink and brown. Those that cannot stand before "discharge" are
# only used after it ("It's dark like old blood").
ATTRIBUTIVE_COLOURS = (
    "reddish",
    "pinky",
    "pinkish",
    "rust-coloured",
    "rusty",
    "blood-tinged",
    "brownish",
    "blood-streaked",
    "coffee-coloured",
    "chocolate-brown",
    "brick-red",
    "rose-coloured",
    "salmon-pink",
    "maroon",
    "bright red",
    "pink-tinged",
    "dark red",
)
PREDICATIVE_COLOURS = (
    "dark like old blood",
    "streaked with blood",
    "tinged with pink",
    "the colour of weak tea",
    "a bit like rust",
)
COLOUR = [W(c, c, c) for c in ATTRIBUTIVE_COLOURS] + [W(c, c) for c in PREDICATIVE_COLOURS]


def make_colour(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng)
    side, adj, time = rng.choice(SIDE_FROM), rng.choice(SIDE_ADJ), rng.choice(TIME)
    pred, attr = w.form, w.extra
    templates = [
        f"{{I}} {{have|has}} some discharge {side}. It's {pred}.",  # side in one sentence, colour in the next
        f"{{I}} noticed discharge {side} {time}. It looks {pred}.",
        f"Something {pred} is coming out {side}.",
        f"The discharge {side} is {pred}.",
        f"Discharge {side} {time}, {pred}.",
        f"It's {{my}} {adj} nipple. What comes out is {pred}.",
    ]
    if attr:
        templates += [
            f"{{I}} {{have|has}} {attr} discharge {side}.",
            f"There's {attr} fluid coming {side}.",
            f"{{my}} {adj} nipple has been leaking {attr} stuff {time}.",
            f"{{I}} {{keep|keeps}} finding {attr} marks on {{my}} {{top}}, from the {adj} nipple.",
        ]
    return fill(rng.choice(templates), who), who


# A current sign in someone else; "m" = only for male relatives (any discharge in a man).
RELATIVE = [
    W("says there's something in {my} armpit that wasn't there before"),
    W("has blood coming from {my} nipple"),
    W("says {my} nipple has started bleeding"),
    W("has a wet patch on {my} shirt from one nipple", extra="m"),
    W("is leaking fluid from {my} nipple", extra="m"),
    W("has some clear stuff coming out of {my} nipple", extra="m"),
    W("has a nipple that has started to sink"),
    W("has a puckered patch on {my} breast"),
    W("has a sore on {my} nipple that keeps bleeding and won't heal"),
    W("has bloodstains on {my} nightie from one nipple", extra="f"),
    W("found a lump in {my} armpit this week"),
    W("has something oozing from {my} nipple", extra="m"),
    W("has a discharge from {my} nipple", extra="m"),
    W("has a firm lump in {my} breast about the size of a pea"),
    W("has had blood in {my} bra from the right nipple since Sunday", extra="f"),
    W("gets a milky discharge when {I} {squeeze|squeezes} {my} nipple", extra="m"),
    W("noticed {my} nipple is weeping a yellow fluid", extra="m"),
]


def make_relative(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = rng.choice({"m": MEN, "f": WOMEN}.get(w.extra, WOMEN + MEN))
    sign = w.text
    templates = [
        f"{{I}} {sign}.",
        f"Asking for {{me}}. {{I}} {sign}.",
        f"Worried about {{me}}: {{I}} {sign}.",
        f"{{I}} {sign} and won't see the GP. What do I tell {{me}}?",
        f"It's {{me}} I'm writing about. {{I}} {sign}.",
        f"{{I}}, who is staying with us, {sign}.",
    ]
    return fill(rng.choice(templates), who), who


# After the ductogram/galactogram: key, clause.
AFTER_TEST = [
    W("hot and swollen", "{my} breast is hot and swollen"),
    W("the redness is spreading", "the redness is spreading across {my} breast"),
    W("a fever", "{I} {have|has} a fever"),
    W("chills", "{I} {have|has} chills and {am|is} shaking"),
    W("a high temperature", "{I} {have|has} a high temperature, 38.6"),
    W("pus", "there's pus coming out of the nipple"),
    W("the pain is getting worse", "the pain is getting worse every day"),
    W("hasn't settled", "the pain still hasn't settled"),
    W("hives", "{I} {have|has} come out in hives"),
    W("an itchy rash", "{I} {have|has} an itchy rash across {my} chest"),
    W("red and throbbing", "{my} breast is red and throbbing"),
    W("yellowish-green gunk", "yellowish-green gunk is oozing from the nipple"),
    W("burning up", "{I} {am|is} burning up"),
    W("sorer each day", "it's getting sorer each day, not better"),
    W("feverish and achy", "{I} {feel|feels} feverish and achy"),
    W("a red streak", "there's a red streak spreading out from the nipple"),
    W("a hard, hot patch", "there's a hard, hot patch that's getting bigger"),
]


def make_after_test(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.7, "f")
    test, when, clause = rng.choice(TESTS), rng.choice(TEST_WHEN), w.text
    templates = [
        f"{{I}} had {{my}} {test} {when}. Now {clause}.",
        f"Since {{my}} {test} {when}, {clause}.",
        # The time phrase far from the sign.
        f"{{I}} had {{my}} {test} {when} and the staff were lovely, it was quicker than expected. Now {clause}.",
        f"{{I}} had the {test} {when}. Everyone was kind and the parking was easy. But now {clause}.",
        f"{{I}} had the {test} {when} and {clause}.",
        f"It's been a few days since {{my}} {test} and {clause}.",
    ]
    if who.is_self:  # sign first, the test named after it
        templates.append(f"{clause}. I had my {test} {when}.")
    return fill(rng.choice(templates), who), who


# Nipple newly turned in ("shape") or a rash/crust that won't heal ("skin"): key, predicate, kind.
NIPPLE_CHANGE = [
    W("inverted", "has become inverted", "shape"),
    W("pointing inwards", "is pointing inwards", "shape"),
    W("gone flat", "has gone flat", "shape"),
    W("pulled in", "has pulled in", "shape"),
    W("retracted", "looks retracted", "shape"),
    W("sunk in", "has sunk in", "shape"),
    W("tucked itself in", "has tucked itself in", "shape"),
    W("drawn inward", "seems drawn inward", "shape"),
    W("changed direction", "has changed direction and points in", "shape"),
    W("scabby", "is scabby", "skin"),
    W("crusty", "has gone crusty", "skin"),
    W("scaly", "is red and scaly", "skin"),
    W("flaky", "is flaky and sore", "skin"),
    W("weeping and crusted", "is weeping and crusted", "skin"),
    W("eczema-like rash", "has an eczema-like rash", "skin"),
    W("keeps scabbing over", "keeps scabbing over", "skin"),
    W("bleeds, scabs", "bleeds, scabs, then bleeds again", "skin"),
]
NEW_SHAPE_TIME = [
    "over the last few weeks",
    "recently",
    "this month",
    "since the summer",
    "in the past fortnight",
    "lately",
]
WONT_HEAL_TIME = [
    "and won't heal",
    "for weeks now and it won't heal",
    "and cream hasn't helped in a month",
    "for over a month",
    "and it's not getting better after six weeks",
]


def make_nipple_change(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.7)
    time = rng.choice(NEW_SHAPE_TIME if w.extra == "shape" else WONT_HEAL_TIME)
    adj, pred = rng.choice(["left ", "right ", ""]), w.form
    templates = [
        f"{{my}} {adj}nipple {pred} {time}.",
        f"{{I}} {{have|has}} noticed that {{my}} {adj}nipple {pred} {time}.",
        f"Not sure if this matters but {{my}} {adj}nipple {pred} {time}.",
        f"It's {{my}} {adj}nipple. It {pred} {time}.",
        f"{{I}} looked in the mirror and {{my}} {adj}nipple {pred} {time}.",
    ]
    return fill(rng.choice(templates), who), who


# Signs that come and go or only just stopped: key, clause about "it".
INTERMITTENT = [
    W("comes and goes", "it comes and goes"),
    W("now and then", "it happens now and then"),
    W("every day a little", "every day there's a little"),
    W("just stopped this morning", "it just stopped this morning but it's been going all week"),
    W("on and off", "it's been on and off for a fortnight"),
    W("every few days", "it shows up every few days"),
    W("stops and starts", "it stops and starts"),
    W("from time to time", "it happens from time to time"),
    W("most mornings", "{I} {find|finds} it most mornings"),
    W("keeps coming back", "it keeps coming back"),
    W("off and on", "it's been off and on since March"),
    W("only stopped yesterday", "it only stopped yesterday"),
    W("some days but not others", "it's there some days but not others"),
    W("once or twice a week", "it happens once or twice a week"),
    W("dried up but came back", "it dried up last week but came back today"),
    W("not every day", "it's not every day but it's still happening"),
]


def _discharge_report(rng: random.Random) -> str:
    side, adj = rng.choice(SIDE_FROM), rng.choice(SIDE_ADJ)
    return rng.choice(
        [
            f"{{I}} {{get|gets}} bloody discharge {side}",
            f"there's brown fluid coming {side}",
            f"{{I}} {{see|sees}} pink discharge on {{my}} {{top}} from the {adj} nipple",
            f"{{I}} {{have|has}} clear watery discharge {side} that leaks out unprompted",
            f"{{I}} {{have|has}} had some bleeding from {{my}} {adj} nipple",
            f"there's red discharge coming {side}",
        ]
    )


def make_intermittent(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.7)
    report, clause, time = _discharge_report(rng), w.text, rng.choice(TIME)
    templates = [
        f"{report}, {clause}.",
        f"{report}. {clause}.",
        f"{report} {time}, and {clause}.",
        f"{clause}: {report}.",  # the intermittence before the sign
    ]
    return fill(rng.choice(templates), who), who


# A report, then a question that has nothing alarming in it: the key is the question.
# "ref" = the question points back at the report, so it cannot come first.
REPORT_QUESTION = [
    W("what does that mean?", extra="ref"),
    W("what should I wear to the test, by the way?"),
    W("can I still have my ductogram on Friday?"),
    W("is that to do with my hormones?", extra="ref"),
    W("how long do results usually take?"),
    W("could it be my new bra?", extra="ref"),
    W("can I still go swimming?"),
    W("do I need to fast before the test?"),
    W("what is a ductogram anyway?"),
    W("any idea why that happens?", extra="ref"),
    W("how do I book the test?"),
    W("is parking free at the clinic?"),
    W("can I take paracetamol?"),
    W("does that happen to lots of women?", extra="ref"),
    W("will the test hurt?"),
    W("what are your opening hours?"),
]
REPORTS = [
    "brown fluid is coming from {my} left nipple",
    "there's blood on {my} {top} from the right nipple",
    "{I} {have|has} a lump in {my} left armpit",
    "{I} {have|has} bloody discharge from one nipple",
    "{my} nipple has turned in over the last month",
    "{I} found a lump in {my} breast yesterday",
    "pink discharge keeps coming from {my} right nipple",
    "{I} {have|has} red discharge from {my} left nipple",
]


def make_report_then_question(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.75, "f")
    report, question = rng.choice(REPORTS), w.text
    templates = [
        f"{report}, {question}",
        f"{report}. {question}",
        f"{report} {rng.choice(TIME)}. {question}",
    ]
    if w.extra != "ref":  # the question first, the report after it
        templates += [f"{question} Also, {report}.", f"Quick one: {question} Also, {report}."]
    return fill(rng.choice(templates), who), who


# Discharge from one breast that comes by itself: "adv" phrases follow the discharge, "clause"
# phrases are a sentence of their own; "f" = not for men.
SPONTANEOUS = [
    W("without squeezing", extra="adv"),
    W("on its own", extra="adv"),
    W("by itself", extra="adv"),
    W("without {me} touching it", extra="adv"),
    W("of its own accord", extra="adv"),
    W("spontaneously", extra="adv"),
    W("without any pressing", extra="adv"),
    W("even when {I} {don't|doesn't} touch it", extra="adv"),
    W("without {me} doing anything", extra="adv"),
    W("{I} {keep|keeps} finding stains on {my} {top}", extra="clause"),
    W("there are wet patches on {my} top in the morning", extra="clause"),
    W("there are marks on the sheets when {I} {wake|wakes} up", extra="clause"),
    W("it leaks through {my} top", extra="clause"),
    W("it just drips out", extra="clause"),
    W("there's a damp spot on {my} nightie most days", extra="clause f"),
]
FLUID = ["clear", "watery", "yellowish", "sticky", "greenish", "thin clear", "creamy"]


def make_spontaneous(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.65, "f" if "f" in w.extra else "fm")
    side, adj, fluid, phrase = (
        rng.choice(SIDE_FROM[:-1]),
        rng.choice(SIDE_ADJ),
        rng.choice(FLUID),
        w.text,
    )
    if "adv" in w.extra:
        templates = [
            f"{{I}} {{have|has}} {fluid} discharge {side} {phrase}.",
            f"{fluid} fluid comes out {side} {phrase}.",
            f"It's only {{my}} {adj} breast. {fluid} discharge comes out {phrase}.",
            f"{{I}} {{get|gets}} {fluid} discharge, just {side}, and it comes {phrase}.",
        ]
    else:
        templates = [
            f"{{I}} {{have|has}} {fluid} discharge from just the {adj} nipple and {phrase}.",
            f"Only {{my}} {adj} nipple leaks, it's {fluid}, and {phrase}.",
        ]
        if who.is_self:
            templates.append(f"{phrase}. It's {fluid} and only from the {adj} side.")
    return fill(rng.choice(templates), who), who


LUMP = [
    W("a pea-sized lump"),
    W("a hard lump"),
    W("a knot"),
    W("a thickening"),
    W("a hard bit"),
    W("a bump"),
    W("a marble-like thing"),
    W("a swelling"),
    W("something hard"),
    W("a mass"),
    W("a small ball"),
    W("a grape-sized lump"),
    W("a firm area"),
    W("a rubbery lump"),
    W("a lumpy bit"),
    W("a nodule"),
    W("a solid patch"),
    W("a bean-shaped lump"),
]
LOCATION = [
    "in {my} left breast",
    "in {my} right breast",
    "under {my} left arm",
    "in {my} right armpit",
    "near {my} nipple",
    "at the top of {my} breast",
    "in {my} armpit",
    "just below {my} left nipple",
]


def make_lump(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.65)
    lump, loc = w.text, rng.choice(LOCATION)
    templates = [
        f"{{I}} {{have|has}} found {lump} {loc}.",
        f"{{I}} can feel {lump} {loc}.",
        f"There's {lump} {loc}.",
        f"Found {lump} {loc} this morning.",
        f"Something's not right with {{my}} left breast. {{I}} can feel {lump} near the nipple.",
        f"{{I}} noticed {lump} {loc} in the shower, it wasn't there last month.",
        f"{{I}} {{have|has}} had {lump} {loc} {rng.choice(TIME)}.",
    ]
    return fill(rng.choice(templates), who), who


SKIN = [
    W("dimpling"),
    W("puckering"),
    W("skin like orange peel"),
    W("skin pitted like an orange"),
    W("a dent in the skin"),
    W("skin pulling in"),
    W("a dip in the skin"),
    W("a tethered patch of skin"),
    W("a crease that wasn't there before"),
    W("little pits in the skin"),
    W("a thick, pitted patch"),
    W("a hollow in the skin"),
    W("peau d'orange"),
    W("a drawn-in area"),
    W("a groove in the skin"),
    W("a dimple that shows when {I} {lift|lifts} {my} arm"),
]


def make_skin(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.7, "f")
    skin, adj = w.text, rng.choice(["left ", "right ", ""])
    templates = [
        f"{{I}} {{have|has}} noticed {skin} on {{my}} {adj}breast.",
        f"There's {skin} on {{my}} {adj}breast.",
        f"{{my}} {adj}breast has {skin}.",
        f"Looking in the mirror, {{I}} saw {skin} on {{my}} {adj}breast.",
        f"It's {{my}} {adj}breast. There's {skin} near the bottom, it's new.",
        f"{{I}} {{have|has}} had {skin} on {{my}} {adj}breast {rng.choice(TIME)}.",
    ]
    return fill(rng.choice(templates), who), who


# The writer says he is a man: any discharge is urgent.
MALE = [
    W("I'm a man"),
    W("I'm male"),
    W("I'm a 45-year-old man"),
    W("bloke here"),
    W("I'm a dad of two"),
    W("male, 38"),
    W("I'm a gentleman of 70"),
    W("I'm a lad of 19"),
    W("man, 52"),
    W("I'm a retired man"),
    W("I'm a guy in my twenties"),
    W("I'm a bloke"),
    W("I'm a father of three"),
    W("I'm a 60 year old male"),
    W("fella here"),
    W("guy, 33"),
]
MALE_DISCHARGE = [
    "some clear discharge from my nipple",
    "a bit of milky fluid when I squeeze my nipple",
    "a little discharge from my left nipple",
    "fluid leaking from one nipple",
    "a sticky discharge from my right nipple",
    "a wet spot on my t-shirt from my nipple",
    "some discharge from both nipples",
]

# 50 or over with discharge from one side, even if only on squeezing.
OLDER = [
    W("I'm 52"),
    W("I'm 67"),
    W("I'm in my sixties"),
    W("I'm 58 years old"),
    W("I'm past 50"),
    W("I'm a 71-year-old woman"),
    W("I turned 55 last month"),
    W("aged 59"),
    W("I'm in my late fifties"),
    W("I hit 60 this year"),
    W("I'm 75"),
    W("64 years old here"),
    W("I'm a 53 year old woman"),
    W("I'm fifty-six"),
]
ONE_SIDE_DISCHARGE = [
    "a bit of discharge from my left nipple when I squeeze",
    "some milky fluid from one nipple",
    "a little discharge from my right nipple",
    "some fluid from just one nipple",
    "a small amount of discharge on one side",
    "cloudy discharge from my left nipple",
]


def _make_identity(
    pool: Sequence[str], who: Who
) -> Callable[[Wording, random.Random], tuple[str, Who]]:
    def make(w: Wording, rng: random.Random) -> tuple[str, Who]:
        ident, sign = w.text, rng.choice(pool)
        templates = [
            f"{ident}, and I have {sign}.",
            f"{ident}. I've noticed {sign}.",
            f"I've got {sign}. {ident}, if that matters.",
            f"Hi, {ident}. I have {sign} {rng.choice(TIME)}.",
            f"Not sure this is the right place ({ident}), but I have {sign}.",
        ]
        return rng.choice(templates), who

    return make


# Emergencies: breathing, swelling of throat/tongue/lips/face, fainting. Key = clause.
EMERGENCY_SIGNS = [
    W("{I} can't catch {my} breath"),
    W("{I} {am|is} having trouble breathing"),
    W("{I} {am|is} wheezing"),
    W("{I} {have|has} a tight chest"),
    W("{my} chest feels tight"),
    W("{my} throat is swelling"),
    W("{my} tongue has swollen up"),
    W("{my} lips are swelling"),
    W("{my} face is puffing up"),
    W("{I} just fainted"),
    W("{I} passed out a minute ago"),
    W("{I} {have|has} collapsed"),
    W("{I} {am|is} struggling to breathe"),
    W("{I} {am|is} gasping for air"),
    W("{my} throat feels like it's closing"),
    W("{I} blacked out just now"),
    W("{my} eyes and face are swollen"),
    W("{I} {keep|keeps} passing out"),
    W("{I} {am|is} really short of breath"),
]


def make_emergency(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.55)
    sign = w.text
    templates = [
        f"{sign} after the dye.",
        f"Help, {sign}.",
        f"{{I}} had the ductogram an hour ago and now {sign}.",
        f"{sign}, what do I do?",
        f"Since the contrast went in, {sign}.",
        f"{sign} and it's getting worse.",
        f"The test was fine but now {sign}.",
        f"{{I}} {{am|is}} here at the clinic and {sign}.",
    ]
    return fill(rng.choice(templates), who), who


# --- look-alike families -------------------------------------------------------------------------

FAMILY_HISTORY = [
    W("my mother had breast cancer"),
    W("my nan died of breast cancer"),
    W("breast cancer runs in my family"),
    W("my sister was diagnosed at 45"),
    W("my aunt had a mastectomy"),
    W("my dad's sister had it in her forties"),
    W("there's a strong family history on my mum's side"),
    W("my cousin carries the BRCA gene"),
    W("my grandmother had a lump that turned out to be cancer"),
    W("two of my aunts had breast cancer"),
    W("my mum had bloody discharge before her diagnosis"),
    W("my father had male breast cancer"),
    W("my twin sister had a lumpectomy last year"),
    W("my mum and her sister both had it"),
]
HISTORY_QUESTIONS = [
    "does that mean I'm at higher risk?",
    "should I mention it at my appointment?",
    "do I need genetic testing?",
    "will the doctor ask about it?",
    "is that relevant to my test?",
    "should I have screening earlier?",
]


def make_family_history(w: Wording, rng: random.Random) -> tuple[str, Who]:
    history, question = w.text, rng.choice(HISTORY_QUESTIONS)
    templates = [
        f"{history}. {question}",
        f"Just so you know, {history}.",
        f"I'm booked for a ductogram and {history}. {question}",
        f"{history}, {question}",
        f"Some background: {history}. {question}",
    ]
    return rng.choice(templates), _other("mother", "f")


# The writer's own past sign that is over, or someone else's: key = how it ended.
PAST_RESOLVED = [
    W("it was a cyst and went away"),
    W("it cleared up with antibiotics"),
    W("it was removed and was benign"),
    W("it stopped and never came back"),
    W("it turned out to be nothing"),
    W("it was drained and hasn't come back"),
    W("the doctor checked and it was fine"),
    W("it settled within a week back then"),
    W("it was a fibroadenoma and they took it out"),
    W("it healed completely"),
    W("I've been clear ever since"),
    W("the scan showed it was harmless"),
    W("it faded after a few weeks"),
    W("it was an infection and got better"),
]
PAST_SELF = [
    "I had a lump in 2010",
    "I had bloody discharge years ago",
    "I had some brown discharge back in 2015",
    "my left nipple turned in when I was breastfeeding in 2012",
    "I had a lump under my arm when I was 30",
    "I had pink discharge from one nipple about ten years ago",
    "I had a breast abscess after my first baby",
]
PAST_OTHER = [
    "my aunt had a lump removed years ago",
    "my mum had bloody discharge in the 90s",
    "my sister found a lump when she was pregnant",
    "my husband had a lump in his chest a few years back",
    "my daughter had a cyst when she was at university",
]
PAST_QUESTIONS = [
    "do I need to mention it?",
    "will that affect my test?",
    "is that relevant now?",
    "should I put it on the form?",
]


def make_past_resolved(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = ME if rng.random() < 0.7 else _other("aunt", "f")
    past, ended, question = (
        rng.choice(PAST_SELF if who.is_self else PAST_OTHER),
        w.text,
        rng.choice(PAST_QUESTIONS),
    )
    templates = [
        f"{past}, {ended}. {question}",
        f"Just for background: {past}, but {ended}.",
        f"{past} and {ended}. {question}",
        f"Not a current problem: {past}, {ended}.",
        f"{past}. {ended}, so nothing now.",
    ]
    return rng.choice(templates), who


# Negation: key = the negating frame around one or two signs.
NEGATED = [
    W("no {a}, no {b}"),
    W("{I} {have|has}n't noticed any {a} or {b}"),
    W("there is no {a} whatsoever"),
    W("{my} breasts feel normal, without any {a}"),
    W("{I} {don't|doesn't} have any {a}"),
    W("no sign of {a} or {b}"),
    W("{I} {have|has} not seen any {a}"),
    W("there isn't any {a}"),
    W("{I} {have|has} never had any {a}"),
    W("nothing like {a} or {b}"),
    W("{I} checked and there's no {a}"),
    W("definitely no {a}"),
    W("{a}? none of that"),
    W("not a trace of {a}"),
    W("neither {a} nor {b}"),
    W("zero {a}, zero {b}"),
]
NEGATED_SIGNS = [
    "lump",
    "lumps",
    "blood",
    "bleeding",
    "discharge",
    "nipple discharge",
    "swelling",
    "fever",
    "redness",
    "rash",
    "breathing problems",
    "lumps under {my} arm",
]
NEGATED_QUESTIONS = [
    "how long does the test take?",
    "what should I bring?",
    "can I drive home afterwards?",
    "is it okay to eat beforehand?",
    "just want to know what happens at the appointment.",
]


def make_negated(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.75, "f")
    a, b = rng.sample(NEGATED_SIGNS, 2)
    negation, question = w.text.replace("{a}", a).replace("{b}", b), rng.choice(NEGATED_QUESTIONS)
    if who.is_self:
        templates = [
            f"{negation}. {question}",
            f"{negation}, I just want to know what to bring.",
            f"My ductogram is on Friday. {negation}, I'm just nervous.",
        ]
    else:  # the first mention names the relative
        templates = [f"Asking for {{me}}: {negation}. {question}"]
    return fill(rng.choice(templates), who), who


GENERAL_QUESTION = [
    W("what does it mean to have {x}?"),
    W("what causes {x}?"),
    W("is {x} always serious?"),
    W("how common is {x}?"),
    W("can men get {x}?"),
    W("what are the usual reasons for {x}?"),
    W("why do some women get {x}?"),
    W("should women worry about {x}?"),
    W("I read online about {x}, what is it?"),
    W("is {x} a sign of cancer?"),
    W("when should someone see a doctor about {x}?"),
    W("does {x} ever clear up without treatment?"),
    W("how is {x} treated?"),
    W("in general, how worrying is {x}?"),
    W("what tests are done for {x}?"),
]
GENERAL_SIGNS = [
    "bloody discharge",
    "a breast lump",
    "nipple discharge",
    "brown discharge",
    "a nipple that turns in",
    "breathing problems after contrast dye",
    "infection after a ductogram",
    "pink discharge",
    "a lump in the armpit",
    "clear nipple discharge",
]
GENERAL_PREFIXES = [
    "",
    "Just curious, ",
    "General question: ",
    "For a leaflet I'm writing, ",
    "Out of interest, ",
]


def make_general_question(w: Wording, rng: random.Random) -> tuple[str, Who]:
    return rng.choice(GENERAL_PREFIXES) + w.text.replace("{x}", rng.choice(GENERAL_SIGNS)), ME


BENIGN = [
    W("there's a little milky fluid from both {my} nipples, only when {I} {squeeze|squeezes} them"),
    W("{I} {am|is} breastfeeding and some milk leaks between feeds"),
    W("{my} nipples have been turned in since {I} {was|was} a teenager"),
    W("{my} breasts feel sore before {my} period"),
    W("{my} nipples get a bit dry in winter and moisturiser sorts it"),
    W("{I} can express a tiny bit of milk from both sides, {my} baby is 8 months old"),
    W("{my} bra left a red mark where the underwire digs in"),
    W(
        "{I} {get|gets} a little white fluid from both nipples when {I} {press|presses}, a year after breastfeeding"
    ),
    W("{my} nipples go hard when {I} {am|is} cold"),
    W("one of {my} breasts has always been slightly bigger than the other"),
    W("{I} {have|has} a mole near {my} nipple that hasn't changed in years"),
    W("{my} breasts leak a bit of milk when the baby cries"),
    W("{my} breasts are tender while {I} {am|is} breastfeeding"),
    W("{I} {have|has} stretch marks on {my} breasts"),
]
BENIGN_QUESTIONS = [
    "is that normal?",
    "is that okay?",
    "does that matter for the test?",
    "anything to worry about?",
]


def make_benign(w: Wording, rng: random.Random) -> tuple[str, Who]:
    who = _who(rng, 0.75, "f")
    fact, question = w.text, rng.choice(BENIGN_QUESTIONS)
    templates = [
        f"{fact}. {question}",
        f"{fact}, is that normal?",
        f"Just so you know, {fact}.",
        f"Before the appointment: {fact}. {question}",
    ]
    return fill(rng.choice(templates), who), who


# Procedure questions that use sign words in another sense.
PROCEDURE_WORDS = [
    W("will I need a blood test?"),
    W("is the dye red?"),
    W("does the machine squeeze hard?"),
    W("what colour is the contrast?"),
    W("do I need to stop my blood thinners before the test?"),
    W("is there a lump sum to pay for parking?"),
    W("will my blood pressure be taken?"),
    W("should I wear a dark top in case the dye stains?"),
    W("can I bring my husband into the room?"),
    W("will the discharge letter go to my GP?"),
    W("how long until I'm discharged from the clinic?"),
    W("do they check for lumps during the ductogram?"),
    W("I'm scared I might faint because I hate needles, can I lie down?"),
    W("will the local anaesthetic make my lips numb?"),
    W("how much blood will they take?"),
    W("does the test hurt more than a mammogram?"),
    W("is the red light on the machine a laser?"),
]


def make_procedure_words(w: Wording, rng: random.Random) -> tuple[str, Who]:
    question = w.text
    templates = [
        f"{question}",
        f"Quick question: {question}",
        f"My ductogram is next week. {question}",
        f"{question} Thanks",
        f"Hi, {question}",
        f"{question} I'm a bit nervous.",
        f"Sorry if this is silly, {question}",
    ]
    return rng.choice(templates), ME


@dataclass(frozen=True)
class Family:
    name: str
    level: str | None
    wordings: Sequence[Wording]
    make: Maker
    per_wording: int
    context: bool = (
        True  # may get a neutral sentence around it (not after the test or in an emergency)
    )


FAMILIES: list[Family] = [
    Family("colour", URGENT, COLOUR, make_colour, 10),
    Family("relative", URGENT, RELATIVE, make_relative, 10),
    Family("after_test", URGENT, AFTER_TEST, make_after_test, 10, context=False),
    Family("nipple_change", URGENT, NIPPLE_CHANGE, make_nipple_change, 10),
    Family("intermittent", URGENT, INTERMITTENT, make_intermittent, 10),
    Family("report_then_question", URGENT, REPORT_QUESTION, make_report_then_question, 10),
    Family("spontaneous_one_side", URGENT, SPONTANEOUS, make_spontaneous, 10),
    Family("lump", URGENT, LUMP, make_lump, 10),
    Family("skin", URGENT, SKIN, make_skin, 10),
    Family("male", URGENT, MALE, _make_identity(MALE_DISCHARGE, ME_MALE), 10),
    Family("older_one_side", URGENT, OLDER, _make_identity(ONE_SIDE_DISCHARGE, ME), 10),
    Family("emergency", EMERGENCY, EMERGENCY_SIGNS, make_emergency, 10, context=False),
    Family("family_history", None, FAMILY_HISTORY, make_family_history, 9),
    Family("past_resolved", None, PAST_RESOLVED, make_past_resolved, 9),
    Family("negated", None, NEGATED, make_negated, 9),
    Family("general_question", None, GENERAL_QUESTION, make_general_question, 9),
    Family("benign", None, BENIGN, make_benign, 9),
    Family("procedure_words", None, PROCEDURE_WORDS, make_procedure_words, 9),
]
RED_FLAG_FAMILIES = [f.name for f in FAMILIES if f.level]
LOOK_ALIKE_FAMILIES = [f.name for f in FAMILIES if not f.level]


# --- surface variation ----------------------------------------------------------------------------


def _capitalise(text: str) -> str:
    return re.sub(r"(^|[.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text)


def _typo(text: str, protected: set, rng: random.Random) -> str:
    """One seeded character swap or drop in a word outside the key wording."""
    words = text.split(" ")
    candidates = [
        i
        for i, word in enumerate(words)
        if len(word) >= 5 and word.isalpha() and word.lower() not in protected
    ]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word, j = words[i], rng.randrange(1, len(words[i]) - 2)
    words[i] = (
        word[:j] + word[j + 1] + word[j] + word[j + 2 :]
        if rng.random() < 0.5
        else word[:j] + word[j + 1 :]
    )
    return " ".join(words)


def _style(text: str, key_text: str, family: Family, rng: random.Random) -> str:
    text = _capitalise(text.strip())
    if (
        family.context and rng.random() < 0.15
    ):  # sentence order: the sign in the second sentence or the first
        sentence = rng.choice(CONTEXT)
        text = f"{sentence} {text}" if rng.random() < 0.5 else f"{text} {sentence}"
    if rng.random() < 0.15:
        filler = rng.choice(FILLERS)
        if filler.endswith(",") and not re.match(r"I\b|I'", text):
            text = text[0].lower() + text[1:]
        text = f"{filler} {text}"
    if family.level and rng.random() < 0.2 and not text.endswith("?"):
        text = f"{text} {rng.choice(TAILS)}"
    if rng.random() < 0.2:
        protected = {word.lower() for word in re.findall(r"[\w'-]+", key_text)}
        text = _typo(text, protected, rng)
    if rng.random() < 0.15:  # lowercase, no punctuation, as typed on a phone
        text = re.sub(r"[.,!?;:](?=\s|$)", "", text.lower()).replace(" — ", " ")
    return re.sub(r"\s+", " ", text).strip()


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def _items(family: Family, rng: random.Random, seen: set) -> Iterator[dict]:
    for wording in family.wordings:
        half, made = half_of(family.name, wording.key), 0
        for _ in range(family.per_wording * 40):
            if made == family.per_wording:
                break
            raw, who = family.make(wording, rng)
            key_text = re.sub(r"\{[^{}]*\}", " ", wording.text)
            text = _style(raw, key_text, family, rng)
            if _normal(text) in seen:
                continue
            seen.add(_normal(text))
            made += 1
            yield {
                "text": text,
                "level": family.level,
                "family": family.name,
                "wording": wording.key,
                "subject": who.subject,
                "half": half,
            }


def generate() -> list[dict]:
    """Every message, in a fixed order; the same list on every call."""
    rng, seen = random.Random(SEED), set[str]()
    return [item for family in FAMILIES for item in _items(family, rng, seen)]


def split(half: str) -> list[dict]:
    assert half in HALVES, half
    return [item for item in generate() if item["half"] == half]


def tuning() -> list[dict]:
    """The half that may be read when tuning the rule book."""
    return split(TUNING)


def sealed() -> list[dict]:
    """The half whose wordings must never reach the rule book: look at its counts only."""
    return split(SEALED)


if __name__ == "__main__":
    from collections import Counter

    counts = Counter((item["family"], item["half"]) for item in generate())
    for family in FAMILIES:
        print(
            f"{family.name:22} tuning {counts[family.name, TUNING]:4}  sealed {counts[family.name, SEALED]:4}"
        )
