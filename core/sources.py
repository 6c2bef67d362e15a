"""The source registry and citation lines. Pure Python, no Rasa imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.paths import data_file

SOURCES_FILE = data_file("SOURCES_FILE", "sources.yml")


@dataclass(frozen=True)
class SourceRef:
    document: str
    section: str


class UnknownSource(ValueError):
    """An answer names a document or section that data/sources.yml lacks."""


@cache
def load_registry(path: Path = SOURCES_FILE) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["documents"]


def source_refs(response: Mapping[str, Any]) -> list[SourceRef]:
    """The sources named in a response's metadata, in order."""
    metadata = response.get("metadata") or {}
    return [SourceRef(s["document"], s["section"]) for s in metadata.get("sources") or []]


def check_refs(refs: Iterable[SourceRef], registry: Mapping[str, Any]) -> None:
    for ref in refs:
        document = registry.get(ref.document)
        if document is None:
            raise UnknownSource(f"unknown document '{ref.document}'")
        if ref.section not in document["sections"]:
            raise UnknownSource(f"unknown section '{ref.section}' in document '{ref.document}'")


def citation_line(refs: Iterable[SourceRef], registry: Mapping[str, Any]) -> str:
    """'Source: <document> — <section>[, <section>]', documents in first-cited order."""
    refs = list(refs)
    check_refs(refs, registry)
    titles_by_document: dict[str, list[str]] = {}
    for ref in refs:
        titles = titles_by_document.setdefault(ref.document, [])
        title = registry[ref.document]["sections"][ref.section]["title"]
        if title not in titles:
            titles.append(title)
    parts = [
        f"{registry[document]['short_title']} — {', '.join(titles)}"
        for document, titles in titles_by_document.items()
    ]
    label = "Source" if len(parts) == 1 else "Sources"
    return f"{label}: {'; '.join(parts)}"


def with_citation(response: Mapping[str, Any], registry: Mapping[str, Any]) -> str:
    """The response text, then its citation line on a new line (if it names sources).

    A single newline: channels split messages at blank lines, and the citation
    belongs in the same bubble as its answer.
    """
    text = response["text"].strip()
    refs = source_refs(response)
    return f"{text}\n{citation_line(refs, registry)}" if refs else text
