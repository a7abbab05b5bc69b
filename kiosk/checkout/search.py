"""Finding an item the way a clerk in a Chinese shop types it: name, pinyin, initials, SKU or barcode.

``可口可乐 330ml`` is found by ``可乐``, ``kkkl``, ``kekoukele``, ``kkkle`` (any prefix of each syllable,
so initials, full pinyin and mixtures all work), ``kl``, ``330``, ``Coca`` or ``cc`` (its English name
``Coca-Cola``), its SKU and its barcode. The readings come from pypinyin, phrase-aware (``可乐`` is
*kele*, ``银行`` *yinhang*), with a character's other readings accepted too. The index is built once,
with the catalogue; a search is a scan of small precomputed tuples, fast enough for every keystroke.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypinyin import Style, pinyin

if TYPE_CHECKING:
    from kiosk.checkout.catalogue import Item  # the catalogue builds its index: no import cycle

#: A clerk scrolls through a screenful of tiles, not through the whole catalogue.
DEFAULT_LIMIT = 60

_TOKEN = re.compile(r"[0-9a-z]+|[^\W_]")
_SEPARATORS = re.compile(r"[\s\-_.·,，、/（）()]+")

# How well an item matched; lower is better, ties keep catalogue order.
_EXACT_CODE = 0
_CODE_PREFIX = 1
_NAME_START = 2
_NAME_INSIDE = 3
_CODE_INSIDE = 4

Syllables = tuple[tuple[str, ...], ...]  # one tuple of accepted spellings per position


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise(text: str) -> str:
    """Full-width to half-width, case folded, separators dropped: what the index and queries compare."""
    return _SEPARATORS.sub("", _fold(text))


def syllables(name: str) -> Syllables:
    """The name as positions a query walks through: one per Han character (all its pinyin readings, the
    phrase's first) and one per run of Latin letters or digits (``330ml``, ``coca``, ``cola``); any other
    letter stands for itself, punctuation and spaces are dropped."""
    positions: list[tuple[str, ...]] = []
    for readings in pinyin(name, style=Style.NORMAL, heteronym=True):  # other text comes back as is
        first = readings[0]
        if first.isascii() and first.isalpha() and first.islower():
            positions.append(tuple(dict.fromkeys(readings)))
        else:  # text pypinyin left alone
            positions.extend((token,) for token in _TOKEN.findall(_fold(first)))
    return tuple(positions)


def walks(positions: Syllables, query: str) -> int | None:
    """Where ``query`` can be read as a non-empty prefix of each of consecutive positions: the first
    position it starts at, or None. ``kkkl``, ``kekoukele`` and ``kkkle`` all walk ``ke kou ke le``."""
    cache: dict[tuple[int, int], bool] = {}

    def from_here(position: int, offset: int) -> bool:
        if offset == len(query):
            return True
        if position == len(positions):
            return False
        key = (position, offset)
        if key not in cache:
            cache[key] = any(
                from_here(position + 1, offset + length)
                for spelling in positions[position]
                for length in range(min(len(spelling), len(query) - offset), 0, -1)
                if query.startswith(spelling[:length], offset)
            )
        return cache[key]

    return next((start for start in range(len(positions)) if from_here(start, 0)), None)


@dataclass(frozen=True)
class _Entry:
    item: Item
    codes: tuple[str, ...]  # normalised SKU and barcode
    names: tuple[str, ...]  # normalised Chinese and English names
    spoken: tuple[Syllables, ...]  # the Chinese name's pinyin, the English name's words

    def rank(self, query: str) -> int | None:
        if query in self.codes:
            return _EXACT_CODE
        if any(code.startswith(query) for code in self.codes):
            return _CODE_PREFIX
        starts = [found for positions in self.spoken if (found := walks(positions, query)) is not None]
        if any(name.startswith(query) for name in self.names) or 0 in starts:
            return _NAME_START
        if starts or any(query in name for name in self.names):
            return _NAME_INSIDE
        if any(query in code for code in self.codes):
            return _CODE_INSIDE
        return None


class SearchIndex:
    """Built once per catalogue; :meth:`search` returns the best matches first."""

    def __init__(self, items: Iterable[Item]):
        self._entries = tuple(
            _Entry(
                item,
                tuple(normalise(code) for code in (item.sku, item.barcode) if code),
                (normalise(item.name_zh), normalise(item.name_en)),
                (syllables(item.name_zh), syllables(item.name_en)),
            )
            for item in items
        )

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Item]:
        wanted = normalise(query)
        if not wanted:
            return []
        ranked = [
            (rank, index, entry.item)
            for index, entry in enumerate(self._entries)
            if (rank := entry.rank(wanted)) is not None
        ]
        ranked.sort(key=lambda found: (found[0], found[1]))
        return [item for _, _, item in ranked[:limit]]
