"""The capability knowledge base: Markdown documents split into `## ` sections, ranked by BM25.

Lexical ranking is enough for a few hundred dense sections, and it keeps the tool free
of model weights and native dependencies.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .frontmatter import read_front_matter
from .resources import knowledge_dir

__all__ = ["KnowledgeBase", "Section", "load_knowledge"]

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an and are as at be by for from how in is it of on or that the this to use when with what which "
    "should do does not no".split()
)


def _stem(word: str) -> str:
    """Crude, but the same for singular, plural and -ing forms: service/services, cache/caching."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + keep
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP]


@dataclass(frozen=True)
class Section:
    doc_id: str
    doc_title: str
    heading: str
    text: str
    tags: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{self.doc_id}#{slug}"


@dataclass
class KnowledgeBase:
    sections: list[Section]
    defaults: dict[str, Any] = field(default_factory=dict)
    _index: list[Counter[str]] = field(default_factory=list, repr=False)
    _df: Counter[str] = field(default_factory=Counter, repr=False)
    _avg_len: float = 1.0

    def __post_init__(self) -> None:
        for section in self.sections:
            # The heading and tags say what a section is about: count them twice.
            terms = Counter(tokens(section.text))
            terms.update(tokens(f"{section.heading} {section.heading} {section.doc_title} {' '.join(section.tags)}"))
            self._index.append(terms)
            self._df.update(terms.keys())
        lengths = [sum(t.values()) for t in self._index]
        self._avg_len = (sum(lengths) / len(lengths)) if lengths else 1.0

    def search(self, query: str, k: int = 3) -> list[tuple[Section, float]]:
        """The k best sections for the query, best first; sections that share no term are left out."""
        q_terms = tokens(query)
        if not q_terms or not self.sections:
            return []
        n = len(self.sections)
        k1, b = 1.5, 0.75
        scored = []
        for section, terms in zip(self.sections, self._index):
            length = sum(terms.values())
            score = 0.0
            for term in q_terms:
                tf = terms.get(term, 0)
                if not tf:
                    continue
                idf = math.log(1 + (n - self._df[term] + 0.5) / (self._df[term] + 0.5))
                score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / self._avg_len))
            if score > 0:
                scored.append((section, score))
        scored.sort(key=lambda pair: (-pair[1], pair[0].ref))
        return scored[: max(1, min(k, 10))]

    def default(self, key: str, fallback: Any) -> Any:
        return self.defaults.get(key, fallback)


def load_knowledge(directory: Path | None = None) -> KnowledgeBase:
    return _load(str(directory or knowledge_dir()))


@lru_cache(maxsize=4)
def _load(directory: str) -> KnowledgeBase:
    sections: list[Section] = []
    defaults: dict[str, Any] = {}
    for path in sorted(Path(directory).glob("*.md")):
        meta, body = read_front_matter(path)
        doc_id = str(meta.get("id", path.stem))
        title = str(meta.get("title", doc_id))
        tags = tuple(str(t) for t in meta.get("tags") or ())
        if isinstance(meta.get("defaults"), dict):
            defaults.update(meta["defaults"])
        for heading, text in _split_sections(body):
            sections.append(Section(doc_id=doc_id, doc_title=title, heading=heading, text=text.strip(), tags=tags))
    return KnowledgeBase(sections=sections, defaults=defaults)


def _split_sections(body: str) -> list[tuple[str, str]]:
    parts: list[tuple[str, str]] = []
    heading, lines = "", []
    for line in body.splitlines():
        if line.startswith("## "):
            if heading and "".join(lines).strip():
                parts.append((heading, "\n".join(lines)))
            heading, lines = line[3:].strip(), []
        elif heading:
            lines.append(line)
    if heading and "".join(lines).strip():
        parts.append((heading, "\n".join(lines)))
    return parts
