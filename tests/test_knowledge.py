"""The knowledge base: the real knowledge/ folder, BM25 ranking and front-matter defaults."""

from __future__ import annotations

import pytest

from backend_architect.inputs.knowledge import KnowledgeBase, Section, load_knowledge, tokens

DOCS = {"api-design", "database-architecture", "microservices", "performance-scalability"}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rate limiting 429 token bucket", "api-design#rate-limiting"),
        ("shard key replicas", "database-architecture#replication-and-sharding"),
        ("saga compensation outbox", "microservices#distributed-transactions"),
        ("cache stampede TTL", "performance-scalability#caching"),
    ],
)
def test_search_ranks_relevant_section_first(kb, query, expected):
    results = kb.search(query)
    assert results, query
    assert results[0][0].ref == expected
    # Strictly better than the runner-up, not a tie broken by name.
    assert len(results) == 1 or results[0][1] > results[1][1]


def test_results_are_sorted_best_first(kb):
    scores = [score for _, score in kb.search("index query postgres replication", k=10)]
    assert scores == sorted(scores, reverse=True)
    assert all(score > 0 for score in scores)


def test_k_limits_count(kb):
    assert len(kb.search("database schema index", k=1)) == 1
    assert len(kb.search("database schema index", k=2)) == 2
    assert len(kb.search("database schema index", k=3)) == 3


def test_k_is_capped_at_ten(kb):
    assert len(kb.search("database api service cache", k=50)) == 10


def test_query_sharing_no_terms_returns_empty(kb):
    assert kb.search("zzyzx quuxblorf") == []


def test_query_of_only_stop_words_returns_empty(kb):
    assert kb.search("the and of with") == []


def test_defaults_from_front_matter(kb):
    assert kb.default("page_size_max", None) == 100
    assert kb.default("rate_limit_default_per_hour", None) == 1000
    assert kb.default("rate_limit_authenticated_per_hour", 0) == 5000
    assert kb.default("primary_key_type", None) == "uuid"
    assert kb.default("message_broker", None) == "kafka"
    assert kb.default("cache_ttl_seconds", None) == 300


def test_default_fallback_for_unknown_key(kb):
    sentinel = object()
    assert kb.default("no_such_default_key", sentinel) is sentinel


def test_every_document_contributes_sections(kb):
    by_doc: dict[str, int] = {}
    for section in kb.sections:
        by_doc[section.doc_id] = by_doc.get(section.doc_id, 0) + 1
    assert set(by_doc) == DOCS
    assert all(count >= 3 for count in by_doc.values()), by_doc


def test_sections_have_headings_text_and_metadata(kb):
    for section in kb.sections:
        assert section.heading and section.text.strip()
        assert not section.text.startswith("## ")
        assert section.doc_title
        assert section.tags
    refs = [s.ref for s in kb.sections]
    assert len(refs) == len(set(refs))


def test_hand_built_knowledge_base():
    kb = KnowledgeBase(
        sections=[
            Section("ops", "Operations", "Backups", "Nightly backups to object storage with restore drills."),
            Section("ops", "Operations", "Alerting", "Page on error budget burn; alert on saturation."),
            Section("dev", "Development", "Testing", "Unit tests, contract tests and fixtures."),
        ]
    )
    results = kb.search("restore backups")
    assert [s.heading for s, _ in results] == ["Backups"]
    assert kb.search("contract tests")[0][0].heading == "Testing"
    assert kb.search("kubernetes") == []
    assert kb.default("anything", 42) == 42


def test_heading_weighs_more_than_body():
    kb = KnowledgeBase(
        sections=[
            Section("d", "Doc", "Queues", "Workers consume messages."),
            Section("d", "Doc", "Workers", "Queues hold messages for workers."),
        ]
    )
    assert kb.search("queues", k=2)[0][0].heading == "Queues"


def test_empty_knowledge_base_returns_nothing():
    assert KnowledgeBase(sections=[]).search("anything") == []


def test_section_ref_is_slugged():
    section = Section("api-design", "API", "Pagination, filtering and sorting", "text")
    assert section.ref == "api-design#pagination-filtering-and-sorting"


def test_tokens_stem_and_drop_stop_words():
    assert tokens("The Replicas and Queries") == ["replica", "query"]
    assert tokens("of the to") == []


def test_plural_matches_singular_for_words_ending_in_e():
    assert tokens("services databases caches") == tokens("service database cache")


def test_load_knowledge_from_custom_folder(tmp_path):
    (tmp_path / "notes.md").write_text(
        "---\nid: notes\ntitle: Notes\ntags: [misc]\ndefaults:\n  answer: 42\n---\n"
        "Intro text is ignored.\n\n## Widgets\n\nWidgets spin quickly.\n\n## Empty\n\n## Gadgets\n\nGadgets beep.\n",
        encoding="utf-8",
    )
    kb = load_knowledge(tmp_path)
    assert [s.heading for s in kb.sections] == ["Widgets", "Gadgets"]
    assert kb.sections[0].doc_id == "notes" and kb.sections[0].tags == ("misc",)
    assert kb.default("answer", None) == 42
    assert kb.search("widgets spin")[0][0].ref == "notes#widgets"
