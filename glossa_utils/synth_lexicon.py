"""Closed-class word lists for the gloss synthesizer (`synth.py`): pronouns, auxiliaries, time words, names.

Open-class words (verbs, nouns, adjectives) come from ``lemminflect``'s lexicon; only the small, closed
classes that decide the grammar of a gloss are listed here. All keys are lowercase English. Written for
this project from general knowledge of ASL gloss conventions, not taken from any annotated corpus.
"""

from __future__ import annotations

ARTICLES = frozenset({"a", "an", "the"})
BE_FORMS = frozenset({"am", "is", "are", "was", "were", "be", "been", "being"})
BE_PAST = frozenset({"was", "were"})
DO_FORMS = frozenset({"do", "does", "did"})
HAVE_FORMS = frozenset({"have", "has", "had", "having"})
FUTURE_MODALS = frozenset({"will", "shall"})
MODALS = {"can": "CAN", "could": "CAN", "would": "WOULD", "should": "SHOULD", "must": "MUST",
          "might": "MAYBE", "may": "MAYBE"}
NEGATIONS = {"not": "NOT", "never": "NEVER"}
# Pronouns that can only be subjects ("you" and "it" can be objects too).
SUBJECTS = frozenset({"i", "he", "she", "we", "they"})
# Words English needs and glosses leave out: infinitive/directional "to", "of", "at", and "and".
DROPPED = frozenset({"to", "of", "at", "and", "than", "um", "uh", "umm", "uhm", "er", "erm"})
CONJUNCTIONS = frozenset({"but", "because", "so", "if", "or", "when", "while", "then", "although", "though", "until",
                          "unless", "whether"})
PREPOSITIONS = frozenset({"in", "on", "with", "for", "from", "about", "into", "after", "before", "during",
                          "without", "near", "over", "under", "around", "through"})
DETERMINERS = frozenset({"this", "that", "these", "those", "some", "any", "every", "each", "many", "much",
                         "more", "most", "other", "another", "all", "both", "few", "no"})
NUMBER_WORDS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                          "twelve", "twenty", "thirty", "fifty", "hundred", "thousand", "million", "several"})
WH_WORDS = {"what": "WHAT", "where": "WHERE", "when": "WHEN", "who": "WHO", "whom": "WHO", "whose": "WHO",
            "why": "WHY", "how": "HOW", "which": "WHICH"}

# Personal pronouns: (plain gloss, annotated gloss, referent group). The group picks the locus of a
# third-person referent (first one named in a sentence -> :i, second -> :j, ...).
PRONOUNS = {
    "i": ("ME", "IX-1p", None), "me": ("ME", "IX-1p", None),
    "you": ("YOU", "IX-2p", None), "ya": ("YOU", "IX-2p", None),
    "we": ("WE", "WE", None), "us": ("WE", "WE", None),
    "he": ("IX-3", "IX-3p", "he"), "him": ("IX-3", "IX-3p", "he"),
    "she": ("IX-3", "IX-3p", "she"), "her": ("IX-3", "IX-3p", "she"),
    "they": ("IX-3", "IX-3p", "they"), "them": ("IX-3", "IX-3p", "they"),
    "it": ("IX-3", "IX-3p", "it"),
}
POSSESSIVES = {
    "my": ("MY", "POSS-1p", None), "mine": ("MY", "POSS-1p", None),
    "your": ("YOUR", "POSS-2p", None), "yours": ("YOUR", "POSS-2p", None),
    "our": ("OUR", "OUR", None), "ours": ("OUR", "OUR", None),
    "his": ("POSS-3", "POSS-3p", "he"), "her": ("POSS-3", "POSS-3p", "she"), "hers": ("POSS-3", "POSS-3p", "she"),
    "its": ("POSS-3", "POSS-3p", "it"), "their": ("POSS-3", "POSS-3p", "they"),
    "theirs": ("POSS-3", "POSS-3p", "they"),
}
REFLEXIVES = {
    "myself": ("SELF-1", "SELF-1p", None), "ourselves": ("SELF-1", "SELF-1p", None),
    "yourself": ("SELF-2", "SELF-2p", None), "yourselves": ("SELF-2", "SELF-2p", None),
    "himself": ("SELF-3", "SELF-3p", "he"), "herself": ("SELF-3", "SELF-3p", "she"),
    "itself": ("SELF-3", "SELF-3p", "it"), "themselves": ("SELF-3", "SELF-3p", "they"),
}
LOCI = ("i", "j", "k", "l")

# Time expressions, moved to the front of their sentence: words -> (gloss, tense they imply or None).
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TIME_UNITS = ("night", "week", "weekend", "month", "year", "summer", "winter", "spring", "fall", "semester")
TIME_PHRASES: dict[tuple[str, ...], tuple[str, str | None]] = {
    ("yesterday",): ("YESTERDAY", "past"), ("today",): ("TODAY", None), ("tomorrow",): ("TOMORROW", "future"),
    ("tonight",): ("TONIGHT", None), ("now",): ("NOW", None), ("right", "now"): ("NOW", None),
    ("later",): ("LATER", "future"), ("soon",): ("SOON", "future"), ("recently",): ("RECENT", "past"),
    ("lately",): ("RECENT", "past"), ("nowadays",): ("NOW", None), ("these", "days"): ("NOW", None),
    ("this", "morning"): ("TODAY MORNING", None), ("this", "afternoon"): ("TODAY AFTERNOON", None),
    ("this", "evening"): ("TONIGHT", None), ("every", "day"): ("EVERY-DAY", None),
    ("every", "morning"): ("EVERY-MORNING", None), ("every", "night"): ("EVERY-NIGHT", None),
    ("every", "week"): ("EVERY-WEEK", None), ("every", "year"): ("EVERY-YEAR", None),
    ("in", "the", "morning"): ("MORNING", None), ("in", "the", "afternoon"): ("AFTERNOON", None),
    ("in", "the", "evening"): ("EVENING", None), ("at", "night"): ("NIGHT", None),
    ("the", "other", "day"): ("RECENT", "past"), ("a", "while", "ago"): ("WHILE-AGO", "past"),
    ("long", "ago"): ("LONG-AGO", "past"), ("in", "the", "future"): ("FUTURE", "future"),
    ("on", "the", "weekend"): ("WEEKEND", None), ("on", "weekends"): ("EVERY-WEEKEND", None),
    **{("last", unit): (f"LAST-{unit.upper()}", "past") for unit in TIME_UNITS},
    **{("next", unit): (f"NEXT-{unit.upper()}", "future") for unit in TIME_UNITS},
    **{("this", unit): (f"THIS {unit.upper()}", None) for unit in TIME_UNITS if unit != "night"},
    **{(day,): (day.upper(), None) for day in DAYS},
    **{("on", day): (day.upper(), None) for day in DAYS},
    **{("last", day): (f"LAST-{day.upper()}", "past") for day in DAYS},
    **{("next", day): (f"NEXT-{day.upper()}", "future") for day in DAYS},
    **{(day + "s",): (f"EVERY-{day.upper()}", None) for day in DAYS},
    **{("on", day + "s"): (f"EVERY-{day.upper()}", None) for day in DAYS},
}
AGO_UNITS = {"minute": "MINUTE", "minutes": "MINUTE", "hour": "HOUR", "hours": "HOUR", "day": "DAY",
             "days": "DAY", "week": "WEEK", "weeks": "WEEK", "month": "MONTH", "months": "MONTH",
             "year": "YEAR", "years": "YEAR"}

# Fixed multi-word expressions with one sign (matched before anything else).
PHRASES: dict[tuple[str, ...], str] = {
    ("thank", "you"): "THANK-YOU", ("thanks",): "THANK-YOU", ("a", "lot"): "A-LOT", ("lots", "of"): "MANY",
    ("a", "lot", "of"): "MANY", ("a", "little"): "LITTLE-BIT", ("a", "bit"): "LITTLE-BIT",
    ("kind", "of"): "KIND-OF", ("sort", "of"): "KIND-OF", ("of", "course"): "OF-COURSE",
    ("as", "well"): "ALSO", ("each", "other"): "EACH-OTHER", ("how", "many"): "HOW-MANY",
    ("how", "much"): "HOW-MUCH", ("no", "one"): "NOBODY", ("in", "front", "of"): "FRONT",
    ("a", "few"): "FEW", ("what", "is", "up"): "WHAT'S-UP", ("can", "not"): "CAN'T", ("cannot",): "CAN'T",
    ("at", "all"): "AT-ALL",
}

# Interjections: word -> (plain gloss or None to drop, annotated gesture or sign).
INTERJECTIONS = {
    "wow": ("WOW", '5"wow"'), "oh": ("OH", '5"oh"'), "hmm": ("HMM", 'G"hmm"'), "hm": ("HMM", 'G"hmm"'),
    "ugh": ("UGH", '5"ugh"'), "yay": ("YAY", '5"yay"'), "well": ("WELL", 'G"well"'),
    "yes": ("YES", "YES"), "yeah": ("YES", "YES"), "yep": ("YES", "YES"), "yup": ("YES", "YES"),
    "no": ("NO", "#NO"), "nope": ("NO", "#NO"), "nah": ("NO", "#NO"),
    "hi": ("HELLO", "HELLO"), "hello": ("HELLO", "HELLO"), "hey": ("HEY", "HEY"),
    "bye": ("BYE", "BYE"), "please": ("PLEASE", "PLEASE"), "sorry": ("SORRY", "SORRY"),
    "okay": ("OK", "#OK"), "ok": ("OK", "#OK"),
}
# Interjections only at the start of a sentence ("well, ..."; not "I am well").
INITIAL_ONLY = frozenset({"well", "no", "oh"})

# Lexicalised fingerspellings written with # in annotation tools.
LOAN_SIGNS = frozenset({"OK", "BACK", "JOB", "BANK", "GAS", "BUS", "ALL", "EARLY", "BUSY", "DOG", "NO", "WHAT"})
# Agent nouns: English noun -> verb sign that takes the +AGENT suffix.
AGENT_NOUNS = {
    "teacher": "TEACH", "driver": "DRIVE", "worker": "WORK", "writer": "WRITE", "player": "PLAY",
    "singer": "SING", "dancer": "DANCE", "runner": "RUN", "swimmer": "SWIM", "farmer": "FARM",
    "baker": "BAKE", "student": "LEARN", "learner": "LEARN", "lawyer": "LAW", "actor": "ACT",
    "actress": "ACT", "manager": "MANAGE", "reader": "READ", "leader": "LEAD", "painter": "PAINT",
    "builder": "BUILD", "designer": "DESIGN", "programmer": "PROGRAM", "owner": "OWN", "helper": "HELP",
}
# Classifiers: vehicle nouns + motion verbs -> a semantic classifier; size adjectives -> a descriptive one.
VEHICLES = frozenset({"car", "bus", "truck", "van", "taxi", "vehicle"})
VEHICLE_MOTION = {"drive": "vehicle moving", "go": "vehicle moving", "come": "vehicle moving",
                  "ride": "vehicle moving", "pass": "vehicle pass by", "park": "vehicle park",
                  "crash": "vehicles crash", "leave": "vehicle drive off", "arrive": "vehicle arrive"}
SIZE_CLASSIFIERS = {"big": "big", "huge": "huge", "large": "big", "small": "small", "tiny": "tiny",
                    "little": "small", "tall": "tall", "thin": "thin", "round": "round", "long": "long"}
# Signs that are usually two-handed and often dropped to one hand ((1h)), and usually one-handed signs
# doubled for emphasis ((2h)).
TWO_HANDED = frozenset({"FINISH", "WANT", "HOUSE", "CAR", "DRIVE", "BOOK", "SCHOOL", "WORK", "HELP", "PLAY",
                        "NAME", "HAPPY", "EXCITED", "FAMILY", "MOVIE", "STORE", "GAME", "CLASS"})
DOUBLED = frozenset({"WHAT", "WHERE", "HOW", "YES", "FINE", "NOT", "LOOK", "GO", "COME", "WOW", "GOOD"})
# Signs with a wiggle movement (-wg) and signs with a common lexical variant (_2).
WIGGLE = frozenset({"WAIT", "COLOR", "DIRTY", "FRIENDLY", "FINGERSPELL"})
VARIANTS = frozenset({"FINISH", "WHAT", "LIKE", "WANT", "FINE", "HAPPY", "LEARN", "SEE", "KNOW", "TIRED"})

# First names fingerspelled when seen in any case (none is also a common English word).
FIRST_NAMES = frozenset({
    "john", "mary", "sarah", "david", "michael", "emma", "james", "lisa", "mike", "anna", "kate", "tom",
    "chris", "jessica", "emily", "daniel", "matt", "ashley", "josh", "ryan", "jake", "sam", "alex", "ben",
    "nick", "amy", "laura", "rachel", "jenny", "steve", "bob", "joe", "maria", "carlos", "jose", "luke",
    "adam", "eric", "kevin", "brian", "jason", "megan", "hannah", "tyler", "andrew", "lauren", "natalie",
    "nathan", "ethan", "olivia", "sophia", "jacob", "noah", "liam", "abby", "kyle", "spencer",
})
# Nationality and language words: capitalised mid-sentence but signed, not fingerspelled.
NATIONALITIES = frozenset({"american", "english", "spanish", "french", "chinese", "japanese", "german", "italian",
                           "mexican", "canadian", "korean", "asian", "european", "african", "indian", "russian",
                           "british", "portuguese", "arabic", "hawaiian"})
# Place names: name signs (ns-) in annotated style, fingerspelled (fs-) otherwise. Multi-word ones as tuples.
PLACES = frozenset({
    ("boston",), ("chicago",), ("texas",), ("california",), ("utah",), ("provo",), ("seattle",), ("denver",),
    ("florida",), ("hawaii",), ("mexico",), ("canada",), ("japan",), ("china",), ("france",), ("spain",),
    ("italy",), ("germany",), ("england",), ("london",), ("paris",), ("europe",), ("america",), ("africa",),
    ("asia",), ("australia",), ("brazil",), ("peru",), ("korea",), ("india",), ("russia",), ("arizona",),
    ("oregon",), ("idaho",), ("nevada",), ("colorado",), ("ohio",), ("vegas",), ("atlanta",), ("dallas",),
    ("houston",), ("phoenix",), ("miami",), ("orlando",), ("virginia",), ("alaska",), ("montana",),
    ("new", "york"), ("los", "angeles"), ("san", "francisco"), ("las", "vegas"), ("salt", "lake"),
    ("salt", "lake", "city"), ("new", "zealand"), ("new", "jersey"), ("san", "diego"), ("north", "carolina"),
})
