"""The builtin model's vocabulary: common domain nouns with their context, fields and parents,
and the words that are never entities."""

from __future__ import annotations

import re

__all__ = ["ACTORS", "LEXICON", "SENSES", "lexicon_for", "NOT_ENTITIES", "ROLE_WORDS", "SHORTENER_ONLY", "SYNONYMS", "TENANTS", "VERBS"]

# singular -> (bounded context, fields in the brief's field mini-language, parents)
LEXICON: dict[str, tuple[str, list[str], list[str]]] = {
    "user": ("identity", ["email: email unique", "display_name", "password_hash: secret"], []),
    "customer": ("identity", ["email: email unique", "full_name", "phone: string?", "password_hash: secret"], []),
    "member": ("identity", ["email: email unique", "full_name", "password_hash: secret"], []),
    "employee": ("identity", ["email: email unique", "full_name", "role: enum(staff, manager, admin)"], []),
    "patient": ("identity", ["email: email unique", "full_name", "date_of_birth: date?"], []),
    "student": ("identity", ["email: email unique", "full_name"], []),
    "tenant": ("tenancy", ["name", "slug: string unique", "plan: enum(free, pro, enterprise)"], []),
    "organization": ("tenancy", ["name", "slug: string unique", "plan: enum(free, pro, enterprise)"], []),
    "workspace": ("tenancy", ["name", "slug: string unique"], []),
    "product": ("catalog", ["sku: string unique", "name", "description: text?", "price: money",
                            "stock_quantity: int"], []),
    "category": ("catalog", ["name", "slug: string unique"], []),
    "order": ("ordering", ["status: enum(pending, paid, shipped, delivered, cancelled)", "total_amount: money",
                           "currency: string"], ["@actor"]),
    "cart": ("ordering", [], ["@actor"]),
    "shipment": ("fulfilment", ["carrier", "tracking_number: string?", "status: enum(pending, shipped, delivered)",
                                "shipped_at: timestamp?"], ["order"]),
    "address": ("identity", ["line1", "line2: string?", "city", "postal_code", "country"], ["@actor"]),
    "payment": ("billing", ["amount: money", "currency", "status: enum(pending, succeeded, failed, refunded)",
                            "provider_reference: string? unique"], ["order"]),
    "invoice": ("billing", ["number: string unique", "amount_due: money", "status: enum(draft, open, paid, void)",
                            "due_at: timestamp"], []),
    "subscription": ("billing", ["plan", "status: enum(trialing, active, past_due, canceled)",
                                 "current_period_end: timestamp"], []),
    "review": ("reviews", ["rating: int", "body: text?"], ["product", "@actor"]),
    "link": ("links", ["original_url: url", "short_code: string unique", "expires_at: timestamp?"], ["@actor"]),
    "click": ("analytics", ["clicked_at: timestamp", "referrer: url?", "country: string?", "user_agent: text?"],
              ["link"]),
    "project": ("projects", ["name", "description: text?", "status: enum(active, archived)"], []),
    "task": ("projects", ["title", "description: text?", "status: enum(todo, in_progress, done)",
                          "due_date: date?"], ["project"]),
    "comment": ("discussion", ["body: text"], ["@actor"]),
    "post": ("content", ["title", "body: text", "published_at: timestamp?"], ["@actor"]),
    "message": ("messaging", ["body: text", "sent_at: timestamp"], ["@actor"]),
    "notification": ("notifications", ["kind", "payload: text", "read_at: timestamp?"], ["@actor"]),
    "appointment": ("scheduling", ["starts_at: timestamp", "ends_at: timestamp",
                                   "status: enum(booked, cancelled, completed)"], ["@actor"]),
    "booking": ("scheduling", ["starts_at: timestamp", "ends_at: timestamp",
                               "status: enum(pending, confirmed, cancelled)"], ["@actor"]),
    "ticket": ("support", ["subject", "body: text", "status: enum(open, pending, resolved, closed)",
                           "priority: enum(low, normal, high, urgent)"], ["@actor"]),
    "file": ("files", ["filename", "content_type", "size_bytes: int", "storage_key: string unique"], ["@actor"]),
    "document": ("files", ["title", "storage_key: string unique"], ["@actor"]),
    "api_key": ("identity", ["name", "key_hash: secret", "last_used_at: timestamp?"], ["@actor"]),
}
SYNONYMS = {"url": "link", "short_url": "link", "shortened_url": "link", "short_link": "link", "item": "product",
            "purchase": "order", "company": "organization", "team": "organization", "account": "user",
            "person": "user", "people": "user", "issue": "ticket",
            "attachment": "file", "upload": "file"}
SHORTENER_ONLY = {"visit": "click", "redirect": "click"}
ACTORS = {"user", "customer", "member", "employee", "patient", "student"}
TENANTS = {"tenant", "organization", "workspace"}
ROLE_WORDS = {"admin", "admins", "administrator", "administrators", "staff", "operator", "operators", "visitor",
              "visitors", "anyone", "owner", "owners", "manager", "managers",
              "developer", "developers", "we", "they", "system"}
NOT_ENTITIES = set("""
yes no ok okay system app application platform service api data information way time ability support page dashboard feature
features list lists detail details history report reports email emails password passwords name names price prices
status statuses date dates amount amounts number numbers total totals login logins signup access process
interface experience request requests response responses minute minutes second seconds hour hours day days
week weeks month months year years percent availability latency uptime scale load traffic peak user_interface
web mobile ios android browser endpoint endpoints rest graphql json database databases cache server servers
option options setting settings thing things part parts kind kinds type types lot lots team_members one two three
multiple many several each every other own new existing all any some their them it its real second minute
stock quantity quantities description descriptions title titles content code codes link_code count counts rating
ratings address_line sku id ids catalog catalogue minute level levels way ways hour second statistic statistics stat stats analytics metric metrics notification_preference
role roles permission permissions tier tiers plan_limit limit limits""".split())
VERBS = set("""
create creates add adds manage manages view views list lists browse browses search searches edit edits update
updates delete deletes remove removes track tracks book books schedule schedules upload uploads assign assigns
comment comments rate rates follow follows publish publishes submit submits approve approves cancel cancels place
places register registers invite invites share shares shorten shortens record records store stores send sends
receive receives pay pays purchase purchases buy buys reserve reserves see sees get gets open opens close closes
post posts write writes read reads archive archives export exports import imports download downloads review
reviews order orders own owns belong belongs contain contains include includes have has hold holds attach attaches
log logs sign signs check checks mark marks""".split())

# Fields of the records a transaction leaves (read_domain's nominalised entities), not in LEXICON so that a
# passing mention does not make them entities.
TRANSACTION_FIELDS: dict[str, list[str]] = {
    "loan": ["borrowed_at: timestamp", "due_at: timestamp", "returned_at: timestamp?"],
    "reservation": ["status: enum(active, fulfilled, cancelled)", "expires_at: timestamp?"],
    "submission": ["submitted_at: timestamp", "storage_key: string?", "grade: string?", "feedback: text?"],
    "enrollment": ["enrolled_at: timestamp"],
    "rental": ["starts_at: timestamp", "ends_at: timestamp", "status: enum(booked, active, returned, cancelled)"],
    "reply": ["body: text"],
    "payout": ["amount: money", "currency", "period_start: date", "period_end: date",
               "status: enum(pending, paid, failed)"],
    "bid": ["amount: money"],
    "application": ["status: enum(submitted, accepted, rejected, withdrawn)", "notes: text?"],
    "vote": ["value: int"],
    # a notice the system sends about another record (a late loan), when it is due and when it went out
    "reminder": ["kind: enum(due_soon, overdue)", "scheduled_for: timestamp", "sent_at: timestamp?"],
}


# Words with more than one meaning in a brief, each sense with the words that show it: a sense is taken only when
# the brief's other words support it ("tickets" at a venue are not helpdesk tickets), and none when nothing does.
SENSES: dict[str, list[tuple[frozenset[str], tuple[str, list[str], list[str]]]]] = {
    "ticket": [
        (frozenset("support helpdesk agent agents issue issues bug bugs incident incidents escalate escalated sla "
                   "resolve resolved priority priorities triage".split()), LEXICON["ticket"]),
        (frozenset("event events venue venues concert concerts festival festivals gig gigs seat seats attendee "
                   "attendees organiser organisers organizer organizers admission qr door performance".split()),
         ("ticketing", ["code: string unique", "status: enum(valid, scanned, refunded, cancelled)",
                        "scanned_at: timestamp?"], ["event"])),
    ],
}


def lexicon_for(corpus: str) -> dict[str, tuple[str, list[str], list[str]]]:
    """LEXICON as this brief means it: each homonym in the sense its other words support most, or left out."""
    words = set(re.findall(r"[a-z]+", corpus.lower()))
    lexicon = dict(LEXICON)
    for word, senses in SENSES.items():
        support, entry = max(((len(cues & words), entry) for cues, entry in senses), key=lambda s: s[0])
        if support:
            lexicon[word] = entry
        else:
            lexicon.pop(word, None)
    return lexicon
