"""Long lists on the nurses' pages, a page at a time, and searched by their words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")

PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[Item]):
    items: Sequence[Item]
    number: int  # 1-based
    pages: int  # at least 1
    total: int  # items on every page

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def page_slice(
    total: int | None, number: int = 1, per_page: int = PER_PAGE
) -> tuple[int, int, slice]:
    """(page number, pages, which items) for page `number` of `total` items; a number past
    either end gives the nearest page. The database reads the same slice (offset, limit).
    With `total` not known yet, the page asked for (the first, for a number below 1)."""
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    pages = max(1, -(-total // per_page) if total is not None else number)
    number = min(max(number, 1), pages)
    start = (number - 1) * per_page
    return number, pages, slice(start, start + per_page)


def paginate(items: Sequence[Item], number: int = 1, per_page: int = PER_PAGE) -> Page[Item]:
    """Page `number` of `items`; a number past either end gives the nearest page."""
    number, pages, shown = page_slice(len(items), number, per_page)
    return Page(items[shown], number, pages, len(items))


def matching(items: Sequence[Item], words: str, text_of: Callable[[Item], str]) -> list[Item]:
    """The items whose text holds every word searched for, in any case and order."""
    wanted = words.lower().split()
    return [item for item in items if all(word in text_of(item).lower() for word in wanted)]
