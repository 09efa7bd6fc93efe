"""A small reader of requirement sentences: who acts (the actor), what they do (read or write verbs), and
the nouns they act on. "Customers can pay for an order and see its payment status" gives the actor
`customer`, the verbs pay (write) and see (read), and the nouns order, payment, status.

Deliberately simple and predictable: briefs state requirements as "<actor> [can|may|must] <verb> …
[, <verb> … and <verb> …]". What it cannot read it leaves out (no actor, no verbs), and the rules skip a
requirement they cannot read rather than guess. The builtin model has its own NLP reader; the review
layer may not import it (layers), and a reviewer should not share the author's blind spots anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..spec.words import singular

__all__ = ["ANONYMOUS", "PEOPLE", "Reading", "read_requirement", "singular", "verb_kind"]

READ, WRITE = "read", "write"

# Base forms. "order" and "like" are nouns as often as verbs: "like" counts only in a verb position.
_READ_VERBS = {
    "see", "view", "list", "browse", "search", "find", "read", "scroll", "query", "track", "check", "get", "show",
    "display", "look", "filter", "watch", "download", "export", "lookup", "inspect", "review", "monitor", "access",
    "receive", "redirect", "visit", "open", "explore", "consult", "compare", "discover",
}
_WRITE_VERBS = {
    "create", "place", "book", "pay", "post", "add", "submit", "send", "upload", "follow", "unfollow", "like",
    "unlike", "comment", "invite", "assign", "cancel", "edit", "update", "delete", "remove", "manage", "shorten",
    "retire", "register", "sign", "log", "login", "logout", "reserve", "buy", "purchase", "rate", "approve",
    "reject", "write", "change", "set", "save", "share", "publish", "archive", "transfer", "refund", "return",
    "reply", "vote", "join", "leave", "subscribe", "unsubscribe", "rename", "move", "close", "reopen", "accept",
    "decline", "schedule", "record", "import", "fulfil", "fulfill", "ship", "modify", "maintain", "configure",
    "belong", "tag", "mark", "complete", "block", "report", "favorite", "favourite", "bookmark", "enroll",
    "apply", "request", "confirm", "invite", "message", "rent", "order", "star", "react", "keep", "mute",
    "borrow", "lend", "moderate", "connect", "disconnect", "sync", "override", "hide", "pin", "flag", "upvote",
    "downvote", "renew", "extend", "reschedule", "rsvp", "attend", "enrol", "claim", "redeem", "withdraw", "deposit",
    "donate", "bid", "sell", "paste", "attach", "answer", "ask", "grade", "sign", "pause", "resume", "assign",
}
_VERBS = _READ_VERBS | _WRITE_VERBS
_MODALS = {"can", "may", "must", "should", "shall", "will", "could", "need", "needs", "want", "wants", "able", "be",
           "to", "also", "only", "optionally", "then", "easily", "quickly", "always", "securely", "is", "are"}
# Words that name a person (or a person's client app) acting on the system.
PEOPLE = {
    "user", "customer", "visitor", "guest", "anyone", "everyone", "member", "admin", "administrator", "staff",
    "employee", "manager", "owner", "buyer", "seller", "vendor", "merchant", "author", "reader", "editor",
    "moderator", "operator", "agent", "doctor", "patient", "student", "teacher", "instructor", "driver", "rider",
    "host", "tenant", "client", "partner", "people", "person", "player", "subscriber", "follower", "developer",
    "reviewer", "approver", "requester", "applicant", "candidate", "recruiter", "support", "clerk", "cashier",
    "courier", "traveller", "traveler", "passenger", "viewer", "creator", "contributor", "participant",
    "attendee", "organizer", "organiser", "volunteer", "donor", "nurse", "physician", "lawyer", "accountant",
    "auditor", "analyst", "team", "company", "organization", "organisation", "app", "application", "shopper",
    "listener", "caller", "consumer", "public", "anybody", "somebody", "someone", "nobody", "librarian",
    "trainer", "coach", "mentor", "therapist", "technician", "dispatcher", "landlord", "agent", "dentist",
    "pharmacist", "receptionist", "worker", "landlady", "homeowner", "investor", "tutor", "parent", "guardian",
    "athlete", "artist", "musician", "photographer", "writer", "designer", "engineer", "manager", "planner",
    "coordinator", "supervisor", "lead", "director", "officer", "representative", "rep", "specialist",
    "restaurant", "shop", "store", "merchant", "provider", "supplier", "carrier", "hotel", "clinic", "school",
    "resident", "neighbour", "neighbor", "borrower", "lender",
}
ANONYMOUS = {"visitor", "guest", "anyone", "everyone", "public", "anybody", "somebody", "someone", "people"}
_STOP = {"a", "an", "the", "their", "his", "her", "its", "our", "your", "my", "of", "for", "with", "and", "or",
         "by", "in", "on", "to", "from", "at", "as", "per", "each", "every", "all", "other", "own", "them", "it",
         "they", "that", "which", "who", "when", "where", "what", "how", "into", "through", "across", "up", "down",
         "out", "over", "many", "multiple", "several", "some", "any", "more", "most", "new", "recent", "there",
         "this", "these", "those", "than", "only", "both", "via", "about", "after", "before", "while", "last"}


def _base(token: str) -> str | None:
    """The verb a token is a form of (adds → add, retires → retire, browses → browse), or None."""
    if token in _VERBS:
        return token
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("es", "e")):
        if token.endswith(suffix) and token[: -len(suffix)] + repl in _VERBS:
            return token[: -len(suffix)] + repl
    if token.endswith("ed"):  # "is redirected": a passive read or write
        for stem in (token[:-2], token[:-1], token[:-3]):
            if stem in _VERBS:
                return stem
    return None


def verb_kind(verb: str) -> str:
    return READ if verb in _READ_VERBS and verb not in _WRITE_VERBS else WRITE


@dataclass
class Reading:
    actor: str | None  # singular, lowercase: "customer", "office manager" gives "manager"
    actor_phrase: str = ""
    verbs: list[str] = field(default_factory=list)  # base forms, in order
    nouns: list[str] = field(default_factory=list)  # singular, lowercase
    own_nouns: list[str] = field(default_factory=list)  # after "their", "my", "own": the actor's own rows
    objects: dict[str, list[str]] = field(default_factory=dict)  # verb -> the nouns that follow it

    def nouns_of(self, kind: str) -> set[str]:
        """The nouns that follow a verb of this kind: what is read, or what is written."""
        return {n for verb, nouns in self.objects.items() if verb_kind(verb) == kind for n in nouns}

    @property
    def kinds(self) -> set[str]:
        return {verb_kind(v) for v in self.verbs}

    @property
    def person(self) -> bool:
        return self.actor is not None and self.actor in PEOPLE

    @property
    def anonymous(self) -> bool:
        return self.actor in ANONYMOUS


_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|,")
_PARTICIPLES = {"containing", "including", "following", "using", "showing", "having", "being", "according",
                "during", "pending", "existing", "matching", "belonging", "holding", "listing", "carrying"}
_NOUN_VERBS = {"order", "like", "post", "comment", "follow", "book", "report", "message", "tag", "star", "rate",
               "list", "return", "request", "share", "record", "check", "view", "search", "access", "set"}


def read_requirement(text: str, roles: set[str] | None = None) -> Reading:
    """Actor, verbs and nouns of one requirement sentence (the clause before the first ';')."""
    roles = {r.lower() for r in roles or ()}
    # An aside in brackets ("the librarian (one volunteer, part time) adds books") is not the sentence's subject
    clause = re.sub(r"\([^()]*\)", " ", text.split(";", 1)[0]).replace("(", " ").replace(")", " ")
    words = [w.lower().strip("'") for w in _WORD.findall(clause)]
    tokens = [w for w in words if w != ","]
    if not tokens:
        return Reading(None)
    # The subject: the words before the first modal or verb. "The office manager adds" gives manager.
    i = 0
    while i < len(words) and words[i] not in _MODALS and not (i and _base(words[i])):
        i += 1
    subject = [w for w in words[:i] if w not in _STOP and w != ","]
    actor = next((singular(w) for w in reversed(subject) if singular(w) in PEOPLE or w in roles
                  or singular(w) in roles), None)
    if actor is None and subject:
        actor = singular(subject[-1])
    while i < len(words) and words[i] in _MODALS:
        i += 1
    verbs: list[str] = []
    nouns: list[str] = []
    nouns += [singular(w) for w in subject if singular(w) != actor and w not in _PARTICIPLES and len(w) > 2]
    own: list[str] = []
    objects: dict[str, list[str]] = {}
    current = ""
    possessive = False
    previous = "and"  # the first word after the subject stands where a verb stands
    for j in range(i, len(words)):
        word = words[j]
        if word == ",":
            previous = ","
            continue
        base = _base(word)
        following = words[j + 1] if j + 1 < len(words) else ""
        # After "and", "or" or a comma a verb may stand ("adds, edits and retires"); a word that is as often a
        # noun ("orders", "posts") counts there only when a preposition follows it ("comment on").
        if base and previous in ("and", "or", ",") and (
                j == i or base not in _NOUN_VERBS or following in ("on", "for", "to", "up", "in", "out")):
            if base not in verbs:
                verbs.append(base)
            current = base
            objects.setdefault(base, [])
            possessive = False
        elif word not in _STOP and word not in _MODALS and word not in _PARTICIPLES and len(word) > 2:
            nouns.append(singular(word))
            if current:
                objects[current].append(singular(word))
            if possessive:
                own.append(singular(word))
        if word in ("their", "my", "his", "her", "own", "your", "its"):
            possessive = True
        elif word in ("and", "or", ",", "of", "to", "from", "with", "by", "the", "a", "an", "for", "in", "on"):
            possessive = False
        previous = word
    return Reading(actor, " ".join(subject), verbs, nouns, own, objects)
