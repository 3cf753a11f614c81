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
# Verbs of state: their past is not a completed event, so it never takes FINISH (Valli & Lucas,
# Linguistics of American Sign Language, 5th ed., on FINISH as a completive aspect marker).
STATIVE_VERBS = frozenset({
    "be", "have", "want", "need", "like", "love", "hate", "know", "think", "believe", "feel", "seem", "hope",
    "wish", "mean", "understand", "remember", "prefer", "own", "enjoy", "care", "sound", "look", "matter",
    "depend", "belong", "cost", "deserve", "doubt", "imagine", "expect", "suppose", "guess", "plan", "intend",
    "live", "stay", "keep", "wonder", "agree", "seem", "appear", "contain", "include", "weigh", "fit", "miss",
})
# Agreeing (directional) verbs: their movement marks subject and object (1p-GIVE-2p); Padden (1988),
# Interaction of Morphology and Syntax in ASL; Neidle et al., The Syntax of ASL, ch. 3.
AGREEING_VERBS = frozenset({"give", "ask", "tell", "help", "inform", "show", "send", "pay", "teach", "bother",
                            "email", "text", "answer", "hit", "blame", "warn", "invite"})
# Words before a time phrase that travel with it to the front (SINCE MONDAY) or vanish with it ("" ).
TIME_PREPOSITIONS = {"since": "SINCE", "until": "UNTIL", "till": "UNTIL", "before": "BEFORE", "after": "AFTER",
                     "during": "DURING", "from": "FROM", "by": "", "for": "", "on": "", "in": "", "at": ""}
# Verbs after which "for" is part of the verb and left unsigned (LOOK-FOR is one sign; WAIT, PAY).
FOR_VERBS = frozenset({"look", "wait", "pay", "search", "thank", "apply", "ask", "care", "prepare", "vote", "hope",
                       "shop", "head", "leave", "go"})
# Adverbs in -ly with a sign of their own; other -ly adverbs are signed by their adjective (QUICKLY -> QUICK).
ADVERB_SIGNS = {"really": "TRUE", "actually": "TRUE", "truly": "TRUE", "probably": "MAYBE", "possibly": "MAYBE",
                "definitely": "SURE", "certainly": "SURE", "surely": "SURE", "usually": "USUALLY",
                "finally": "FINALLY", "only": "ONLY", "exactly": "EXACT", "early": "EARLY", "hopefully": "HOPE",
                "honestly": "HONEST", "seriously": "SERIOUS", "totally": "ALL", "completely": "ALL",
                "especially": "SPECIAL", "obviously": "OBVIOUS", "literally": "TRUE", "unfortunately": "UNFORTUNATE",
                "recently": "RECENT", "currently": "NOW", "immediately": "RIGHT-AWAY", "suddenly": "SUDDEN",
                "likely": "MAYBE", "family": "FAMILY", "lovely": "LOVELY", "friendly": "FRIENDLY", "ugly": "UGLY",
                "silly": "SILLY", "only": "ONLY", "daily": "EVERY-DAY", "weekly": "EVERY-WEEK",
                "monthly": "EVERY-MONTH", "yearly": "EVERY-YEAR", "lonely": "LONELY", "holy": "HOLY"}
MODALS = {"can": "CAN", "could": "CAN", "would": "WOULD", "should": "SHOULD", "must": "MUST",
          "might": "MAYBE", "may": "MAYBE"}
NEGATIONS = {"not": "NOT", "never": "NEVER"}
# Pronouns that can only be subjects ("you" and "it" can be objects too).
SUBJECTS = frozenset({"i", "he", "she", "we", "they"})
# Words English needs and glosses leave out: infinitive/directional "to", "of", "at", and "and".
# "as" and "just" too: no sign of their own in conversation (Valli & Lucas on English-only function words).
DROPPED = frozenset({"to", "of", "at", "and", "than", "as", "just", "um", "uh", "umm", "uhm", "er", "erm"})
# "in"/"on" are signed only for containment or a surface; else the place alone says where (LIVE fs-BOSTON).
CONTAINERS = frozenset({"box", "bag", "car", "room", "house", "water", "pool", "drawer", "pocket", "bottle",
                        "fridge", "oven", "cup", "building", "truck", "bus", "bed", "kitchen", "closet"})
SURFACES = frozenset({"table", "floor", "bed", "wall", "desk", "shelf", "roof", "ground", "couch", "chair",
                      "counter", "top", "stage", "plate"})
# Verb + particle signed as one sign (glossed with a hyphen, as annotators join the English words of one sign).
PHRASAL = {("wake", "up"): "WAKE-UP", ("get", "up"): "GET-UP", ("give", "up"): "GIVE-UP", ("pick", "up"): "PICK-UP",
           ("show", "up"): "SHOW-UP", ("grow", "up"): "GROW-UP", ("hang", "out"): "HANG-OUT",
           ("find", "out"): "FIND-OUT", ("figure", "out"): "FIGURE-OUT", ("work", "out"): "WORK-OUT",
           ("look", "up"): "LOOK-UP", ("sign", "up"): "SIGN-UP", ("catch", "up"): "CATCH-UP",
           ("clean", "up"): "CLEAN-UP", ("hurry", "up"): "HURRY", ("come", "back"): "COME-BACK",
           ("go", "back"): "GO-BACK", ("turn", "on"): "TURN-ON", ("turn", "off"): "TURN-OFF",
           ("break", "up"): "BREAK-UP", ("break", "down"): "BREAK-DOWN", ("go", "out"): "GO-OUT",
           ("come", "over"): "COME-OVER", ("come", "on"): "COME-ON", ("check", "out"): "CHECK",
           ("end", "up"): "END-UP", ("set", "up"): "SET-UP", ("move", "out"): "MOVE-OUT", ("move", "in"): "MOVE-IN",
           ("sit", "down"): "SIT", ("calm", "down"): "CALM-DOWN", ("look", "forward"): "LOOK-FORWARD"}
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
# third-person referent (first one named in a gloss -> :i, second -> :j, ...), kept across its sentences.
# Plural: plain THEY/THEIR (as the curated pairs write them), annotated IX-3p-pl:i (Neidle et al. 2000).
PRONOUNS = {
    "i": ("ME", "IX-1p", None), "me": ("ME", "IX-1p", None),
    "you": ("YOU", "IX-2p", None), "ya": ("YOU", "IX-2p", None),
    "we": ("WE", "IX-1p-pl", None), "us": ("WE", "IX-1p-pl", None),
    "he": ("IX-3", "IX-3p", "he"), "him": ("IX-3", "IX-3p", "he"),
    "she": ("IX-3", "IX-3p", "she"), "her": ("IX-3", "IX-3p", "she"),
    "they": ("THEY", "IX-3p-pl", "they"), "them": ("THEY", "IX-3p-pl", "they"),
    "it": ("IX-3", "IX-3p", "it"),
}
POSSESSIVES = {
    "my": ("MY", "POSS-1p", None), "mine": ("MY", "POSS-1p", None),
    "your": ("YOUR", "POSS-2p", None), "yours": ("YOUR", "POSS-2p", None),
    "our": ("OUR", "POSS-1p-pl", None), "ours": ("OUR", "POSS-1p-pl", None),
    "his": ("POSS-3", "POSS-3p", "he"), "her": ("POSS-3", "POSS-3p", "she"), "hers": ("POSS-3", "POSS-3p", "she"),
    "its": ("POSS-3", "POSS-3p", "it"), "their": ("THEIR", "POSS-3p-pl", "they"),
    "theirs": ("THEIR", "POSS-3p-pl", "they"),
}
REFLEXIVES = {
    "myself": ("SELF-1", "SELF-1p", None), "ourselves": ("SELF-1", "SELF-1p-pl", None),
    "yourself": ("SELF-2", "SELF-2p", None), "yourselves": ("SELF-2", "SELF-2p-pl", None),
    "himself": ("SELF-3", "SELF-3p", "he"), "herself": ("SELF-3", "SELF-3p", "she"),
    "itself": ("SELF-3", "SELF-3p", "it"), "themselves": ("SELF-3", "SELF-3p-pl", "they"),
}
# Indefinites: plain sign, annotated indefinite particle part:indef (ASLLRP conventions).
INDEFINITES = {"someone": "SOMEONE", "somebody": "SOMEONE", "something": "SOMETHING"}
# Titles before a surname: the surname is always fingerspelled (Mr. Smith -> fs-MR fs-SMITH); Dr. has a sign.
TITLES = {"mr": "fs-MR", "mrs": "fs-MRS", "ms": "fs-MS", "miss": "fs-MISS", "dr": "DOCTOR", "prof": "PROFESSOR"}
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
    ("at", "all"): "AT-ALL", ("would", "like"): "WANT", ("would", "love"): "WANT",
}

# Interjections: word -> (plain gloss or None to drop, annotated gesture or sign).
INTERJECTIONS = {
    "wow": ("WOW", '5"wow"'), "oh": ("OH", '5"oh I see"'), "hmm": ("HMM", 'g"hmm"'), "hm": ("HMM", 'g"hmm"'),
    "ugh": ("UGH", 'g"ugh"'), "yay": ("YAY", '5"yay"'), "well": ("WELL", '5"well"'),
    "whatever": ("WHATEVER", '5"whatever"'), "meh": ("SO-SO", '5"so-so"'),
    "yes": ("YES", "YES"), "yeah": ("YES", "YES"), "yep": ("YES", "YES"), "yup": ("YES", "YES"),
    "no": ("NO", "#NO"), "nope": ("NO", '(1h)5"wave no"'), "nah": ("NO", '(1h)5"wave no"'),
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
# Classifiers (Valli & Lucas, Linguistics of ASL, ch. on classifier predicates; family names as in the
# ASLLRP annotation conventions): (family, handshape, description). The description says what the hands
# show, in the annotator's words, not the English sentence's ("drove my truck" -> SCL:3"vehicle moves along").
# Triggered by a verb lemma (with a noun lemma from the set when one is given), placed after the verb's phrase.
CLASSIFIERS: list[tuple[frozenset[str], frozenset[str], str, str, str]] = [
    # semantic: the hand is the whole entity (3 = vehicle, 1 = upright person, V = two legs)
    (frozenset({"drive", "go", "come", "ride"}), frozenset({"car", "bus", "truck", "van", "taxi", "vehicle"}),
     "SCL", "3", "vehicle moves along"),
    (frozenset({"park"}), frozenset({"car", "truck", "van"}), "SCL", "3", "vehicle pulls in and stops"),
    (frozenset({"crash", "hit"}), frozenset({"car", "truck", "bus"}), "SCL", "3", "two vehicles collide"),
    (frozenset({"walk", "approach"}), frozenset(), "SCL", "1", "upright figure moves forward"),
    (frozenset({"stand"}), frozenset(), "SCL", "V", "figure upright on two legs"),
    # descriptive: size and shape
    (frozenset({"wear"}), frozenset({"shirt", "dress", "jacket", "coat", "sweater"}), "DCL", "B",
     "garment outline down the torso"),
    # locative: placing an object at a location
    (frozenset({"put", "place", "set"}), frozenset(), "LCL", "B", "flat object placed at a spot"),
    # handling (locative family in the ASLLRP conventions: the hand shows how the object is held)
    (frozenset({"hold", "grab", "carry", "pick", "drink"}), frozenset({"cup", "glass", "bottle", "coffee", "beer",
                                                                        "water", "tea", "can", "drink", "mug"}),
     "LCL", "C", "grip cylindrical container"),
    # body: the signer's body acts
    (frozenset({"brush"}), frozenset({"tooth", "teeth", "hair"}), "BCL", None, "scrub back and forth at mouth"),
    (frozenset({"hug"}), frozenset(), "BCL", None, "arms wrap around"),
    (frozenset({"shrug"}), frozenset(), "BCL", None, "shoulders up palms up"),
    (frozenset({"dance"}), frozenset(), "BCL", None, "body sways to rhythm"),
    # body part: a hand stands for a body part
    (frozenset({"cut"}), frozenset({"finger", "hand"}), "BPCL", "1", "blade slices across fingertip"),
    (frozenset({"fall", "trip", "slip"}), frozenset(), "BPCL", "V", "legs slide out from under"),
    (frozenset({"stare", "watch"}), frozenset(), "BPCL", "V", "eyes fixed ahead"),
    # instrument: the hand is the tool
    (frozenset({"text", "type"}), frozenset(), "ICL", None, "thumbs tap on handset"),
    (frozenset({"paint"}), frozenset(), "ICL", None, "brush strokes up and down"),
    (frozenset({"play"}), frozenset({"guitar"}), "ICL", None, "strum strings"),
    (frozenset({"call", "phone"}), frozenset(), "ICL", "Y", "handset held at ear"),
    (frozenset({"write"}), frozenset(), "ICL", None, "pen moves across paper"),
    # plural: many entities at once
    (frozenset({"wait", "line", "queue"}), frozenset({"line", "people"}), "PCL", "4",
     "row of upright figures one behind another"),
    (frozenset({"come", "gather", "show"}), frozenset({"people", "crowd", "everyone", "friend", "guest"}), "PCL", "5",
     "many figures converging"),
]
# Size adjectives -> a descriptive classifier that shows the size (DCL:5"...").
SIZE_CLASSIFIERS = {"big": ("5", "bulky mass"), "huge": ("5", "enormous bulk"), "large": ("5", "bulky mass"),
                    "small": ("C", "compact shape held close"), "tiny": ("F", "dot-sized shape"),
                    "little": ("C", "compact shape held close"), "tall": ("B", "height up to top level"),
                    "thin": ("G", "narrow width"), "round": ("C", "curved outline"),
                    "long": ("G", "stretches far out")}
# Compounds (annotated style, ^ joins the parts): Klima & Bellugi, The Signs of Language, ch. on compounds.
COMPOUNDS = {"parent": "MOTHER^FATHER", "agree": "THINK^SAME", "boyfriend": "BOY^FRIEND",
             "girlfriend": "GIRL^FRIEND", "husband": "MAN^MARRY", "wife": "WOMAN^MARRY", "sister": "GIRL^SAME",
             "brother": "BOY^SAME", "believe": "THINK^MARRY", "breakfast": "EAT^MORNING", "lunch": "EAT^NOON",
             "dinner": "EAT^NIGHT", "bedroom": "BED^ROOM", "homework": "HOME^WORK",
             "weekend": "WEEK^END"}
# Signs that are usually two-handed and often dropped to one hand ((1h)), and usually one-handed signs
# doubled for emphasis ((2h)).
TWO_HANDED = frozenset({"FINISH", "WANT", "HOUSE", "CAR", "DRIVE", "BOOK", "SCHOOL", "WORK", "HELP", "PLAY",
                        "NAME", "HAPPY", "EXCITED", "FAMILY", "MOVIE", "STORE", "GAME", "CLASS"})
DOUBLED = frozenset({"WHAT", "WHERE", "HOW", "YES", "FINE", "NOT", "LOOK", "GO", "COME", "WOW", "GOOD"})
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
