"""Finding an item the way a clerk in a Chinese shop types it: name, pinyin, initials, SKU or barcode.

``可口可乐 330ml`` is found by ``可乐``, ``kkkl``, ``kekoukele``, ``kkkle`` (any prefix of each syllable,
so initials, full pinyin and mixtures all work), ``kl``, ``330``, ``Coca`` or ``cc`` (its English name
``Coca-Cola``), its SKU and its barcode. The readings come from pypinyin, phrase-aware (``可乐`` is
*kele*, ``银行`` *yinhang*).

Built once, with the catalogue: every name becomes a line of text (``|ke|kou|ke|le|330ml|``) and a query
becomes one regular expression run over all lines at once, so a keystroke costs a few scans in C, not a
Python loop per item (``bench/search.py``: 5,000 items).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pypinyin import Style, lazy_pinyin

if TYPE_CHECKING:
    from kiosk.checkout.catalogue import Item  # the catalogue builds its index: no import cycle

#: A clerk scrolls through a screenful of tiles, not through the whole catalogue.
DEFAULT_LIMIT = 60

_TOKEN = re.compile(r"[0-9a-z]+|[^\W_]")
_SEPARATORS = re.compile(r"[\s\-_.·,，、/（）()|]+")

# How well an item matched; lower is better, ties keep catalogue order.
_EXACT_CODE = 0
_CODE_PREFIX = 1
_NAME_START = 2
_NAME_INSIDE = 3
_CODE_INSIDE = 4


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise(text: str) -> str:
    """Full-width to half-width, case folded, separators dropped: what the index and queries compare."""
    return _SEPARATORS.sub("", _fold(text))


def syllables(name: str) -> tuple[str, ...]:
    """The name as the positions a query walks through: the pinyin of each Han character (the phrase's
    reading) and each run of Latin letters or digits (``330ml``, ``coca``, ``cola``); any other letter
    stands for itself, punctuation and spaces are dropped."""
    positions: list[str] = []
    for piece in lazy_pinyin(name, style=Style.NORMAL):  # text that is not Han comes back as it was
        if piece.isascii() and piece.isalpha() and piece.islower():
            positions.append(piece)
        else:
            positions.extend(_TOKEN.findall(_fold(piece)))
    return tuple(positions)


def walk_pattern(query: str) -> re.Pattern[str]:
    """Matches a line ``|syllable|syllable|…|`` where ``query`` reads as a non-empty prefix of each of
    consecutive syllables: after each character, either the same syllable goes on or the next one starts."""
    glue = r"(?:[^|\n]*\|)?"
    return re.compile(r"\|" + glue.join(re.escape(char) for char in query))


class _Lines:
    """Lines of text, one or more per item, searched all at once; a match is mapped back to its item."""

    def __init__(self, lines: Iterable[tuple[int, str]]):
        owners: list[int] = []
        starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for owner, line in lines:
            owners.append(owner)
            starts.append(offset)
            parts.append(line)
            offset += len(line) + 1
        self._owners, self._starts, self.text = owners, starts, "\n".join(parts)

    def matches(self, pattern: re.Pattern[str]) -> Iterable[tuple[int, bool]]:
        """(item, matched at the start of its line) for every match of ``pattern``."""
        for match in pattern.finditer(self.text):
            line = bisect_right(self._starts, match.start()) - 1
            yield self._owners[line], match.start() == self._starts[line]


class SearchIndex:
    """Built once per catalogue; :meth:`search` returns the best matches first."""

    def __init__(self, items: Sequence[Item]):
        self._items = tuple(items)
        self._exact: dict[str, int] = {}
        codes: list[tuple[int, str]] = []
        names: list[tuple[int, str]] = []
        spoken: list[tuple[int, str]] = []
        for index, item in enumerate(self._items):
            for code in (item.sku, item.barcode):
                if code:
                    self._exact.setdefault(normalise(code), index)
                    codes.append((index, normalise(code)))
            for name in (item.name_zh, item.name_en):
                names.append((index, normalise(name)))
                spoken.append((index, "|" + "|".join(syllables(name)) + "|"))
        self._codes, self._names, self._spoken = _Lines(codes), _Lines(names), _Lines(spoken)

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Item]:
        wanted = normalise(query)
        if not wanted:
            return []
        best: dict[int, int] = {}

        def found(index: int, rank: int) -> None:
            if rank < best.get(index, rank + 1):
                best[index] = rank

        if wanted in self._exact:
            found(self._exact[wanted], _EXACT_CODE)
        literal = re.compile(re.escape(wanted))
        for index, at_start in self._codes.matches(literal):
            found(index, _CODE_PREFIX if at_start else _CODE_INSIDE)
        for index, at_start in self._names.matches(literal):
            found(index, _NAME_START if at_start else _NAME_INSIDE)
        for index, at_start in self._spoken.matches(walk_pattern(wanted)):
            found(index, _NAME_START if at_start else _NAME_INSIDE)
        ranked = sorted(best, key=lambda index: (best[index], index))
        return [self._items[index] for index in ranked[:limit]]
