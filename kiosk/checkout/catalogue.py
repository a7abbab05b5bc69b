"""The shop's catalogue: items with SKU, barcode, Chinese and English names, price in fen, category.

Loaded from a TOML file (``resources/catalogue.toml`` ships as the sample). Errors name the file, the
line and the field, because the person fixing them is a shop owner with a text editor.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.checkout.errors import CheckoutError
from kiosk.checkout.search import DEFAULT_LIMIT, SearchIndex
from kiosk.resources import resource_path

SAMPLE_CATALOGUE = "catalogue.toml"

_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")
_SKU = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,31}$")
_MAX_PRICE_FEN = 10_000_000  # 100,000 yuan: anything above is a typo, not a price


class CatalogueError(CheckoutError):
    """The catalogue file is malformed; the message names the file, line and field."""

    def __init__(self, message: str, *, path: Path | None = None, line: int | None = None, field: str | None = None):
        where = str(path) if path else "catalogue"
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str

    def name(self, language: str = "zh_CN") -> str:
        return self.name_en if language == "en" else self.name_zh


@dataclass(frozen=True)
class Item:
    sku: str
    barcode: str | None
    name_zh: str
    name_en: str
    price_fen: int
    category: str

    def name(self, language: str = "zh_CN") -> str:
        return self.name_en if language == "en" else self.name_zh


def ean_check_digit_ok(code: str) -> bool:
    """GS1 check digit for EAN-8, UPC-A (12) and EAN-13."""
    if not code.isdigit() or len(code) not in (8, 12, 13):
        return False
    body, check = code[:-1], int(code[-1])
    # Weights 3,1,3,… counted from the digit next to the check digit.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


class Catalogue:
    """An immutable set of items, looked up by SKU or by barcode (what a scanner types), and searched by
    name, pinyin or code (:mod:`kiosk.checkout.search`; the index is built here, once)."""

    def __init__(self, categories: list[Category], items: list[Item], *, source: Path | None = None):
        self.source = source
        self.categories: tuple[Category, ...] = tuple(categories)
        self.items: tuple[Item, ...] = tuple(items)
        self._by_sku = {item.sku: item for item in items}
        self._by_barcode = {item.barcode: item for item in items if item.barcode}
        self._by_sku_folded = {item.sku.casefold(): item for item in items}
        self._categories = {category.id: category for category in categories}
        self._index = SearchIndex(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def by_sku(self, sku: str) -> Item | None:
        return self._by_sku.get(sku)

    def lookup(self, code: str) -> Item | None:
        """Find an item by barcode or SKU as typed (scanner input; surrounding whitespace ignored)."""
        code = code.strip()
        if not code:
            return None
        return self._by_barcode.get(code) or self._by_sku.get(code) or self._by_sku_folded.get(code.casefold())

    def search(self, query: str, limit: int = DEFAULT_LIMIT) -> list[Item]:
        """Items whose name, pinyin (full or initials), SKU or barcode match ``query``; best first."""
        return self._index.search(query, limit)

    def category(self, category_id: str) -> Category:
        return self._categories[category_id]

    def items_in(self, category_id: str) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.category == category_id)


def sample_catalogue() -> Catalogue:
    """The sample catalogue shipped with Kiosk (training mode and a fresh install)."""
    return load_catalogue(resource_path(SAMPLE_CATALOGUE))


def load_catalogue(path: Path | str) -> Catalogue:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"not UTF-8 text ({exc.reason})", path=path) from exc
    except OSError as exc:
        raise CatalogueError(f"cannot read the file ({exc.strerror})", path=path) from exc
    return parse_catalogue(text, path=path)


def parse_catalogue(text: str, *, path: Path | None = None) -> Catalogue:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        raise CatalogueError(f"not valid TOML ({exc})", path=path, line=line) from exc
    lines = _locate_keys(text)
    categories = _parse_categories(data.get("categories", []), lines, path)
    items = _parse_items(data.get("items"), lines, path, {category.id for category in categories})
    return Catalogue(categories, items, source=path)


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _locate_keys(text: str) -> dict[tuple[str, int], tuple[int, dict[str, int]]]:
    """Map (array-of-tables name, index) to its header line and the line of each key (tomllib has no positions)."""
    located: dict[tuple[str, int], tuple[int, dict[str, int]]] = {}
    counters: dict[str, int] = {}
    current: dict[str, int] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("[["):
            name = line[2:].split("]]", 1)[0].strip()
            index = counters.get(name, 0)
            counters[name] = index + 1
            current = {}
            located[(name, index)] = (number, current)
        elif line.startswith("["):
            current = None
        elif current is not None:
            match = _KEY_LINE.match(line)
            if match:
                current.setdefault(match.group(1), number)
    return located


class _Entry:
    """One ``[[table]]`` entry with the line numbers needed for errors."""

    def __init__(
        self,
        table: str,
        index: int,
        raw: Any,
        lines: Mapping[tuple[str, int], tuple[int, dict[str, int]]],
        path: Path | None,
    ):
        located = lines.get((table, index))
        self.header_line: int | None = located[0] if located else None
        self.key_lines: dict[str, int] = located[1] if located else {}
        self.path = path
        if not isinstance(raw, dict):
            raise CatalogueError(f"{table} entry {index + 1} is not a table", path=path, line=self.header_line)
        self.raw: dict[str, Any] = raw

    def error(self, field: str, message: str) -> CatalogueError:
        return CatalogueError(message, path=self.path, line=self.key_lines.get(field, self.header_line), field=field)

    def text(self, field: str, *, required: bool = True) -> str | None:
        value = self.raw.get(field)
        if value is None:
            if required:
                raise self.error(field, "missing")
            return None
        if not isinstance(value, str):
            raise self.error(field, f"must be a string, not {type(value).__name__}")
        value = value.strip()
        if required and not value:
            raise self.error(field, "must not be empty")
        return value or None


def _parse_categories(
    raw: Any, lines: Mapping[tuple[str, int], tuple[int, dict[str, int]]], path: Path | None
) -> list[Category]:
    if not isinstance(raw, list):
        raise CatalogueError("'categories' must be an array of tables ([[categories]])", path=path)
    categories: list[Category] = []
    seen: set[str] = set()
    for index, entry_raw in enumerate(raw):
        entry = _Entry("categories", index, entry_raw, lines, path)
        category_id = entry.text("id") or ""
        if category_id in seen:
            raise entry.error("id", f"duplicate category {category_id!r}")
        seen.add(category_id)
        categories.append(Category(category_id, entry.text("name_zh") or "", entry.text("name_en") or ""))
    return categories


def _parse_items(
    raw: Any, lines: Mapping[tuple[str, int], tuple[int, dict[str, int]]], path: Path | None, category_ids: set[str]
) -> list[Item]:
    if raw is None:
        raise CatalogueError("no items (expected [[items]] tables)", path=path)
    if not isinstance(raw, list):
        raise CatalogueError("'items' must be an array of tables ([[items]])", path=path)
    items: list[Item] = []
    skus: dict[str, int] = {}
    barcodes: dict[str, str] = {}
    for index, entry_raw in enumerate(raw):
        entry = _Entry("items", index, entry_raw, lines, path)
        sku = entry.text("sku") or ""
        if not _SKU.match(sku):
            raise entry.error("sku", f"{sku!r} is not a SKU (1–32 letters, digits, '_', '.', '-')")
        if sku.casefold() in skus:
            raise entry.error("sku", f"duplicate SKU {sku!r}")
        skus[sku.casefold()] = index
        barcode = entry.text("barcode", required=False)
        if barcode is not None:
            if not ean_check_digit_ok(barcode):
                raise entry.error("barcode", f"{barcode!r} is not a valid EAN-8/UPC-A/EAN-13 code (check digit)")
            if barcode in barcodes:
                raise entry.error("barcode", f"duplicate barcode {barcode!r} (already used by {barcodes[barcode]})")
            barcodes[barcode] = sku
        price = entry.raw.get("price_fen")
        if price is None:
            raise entry.error("price_fen", "missing")
        if isinstance(price, bool) or not isinstance(price, int):
            raise entry.error("price_fen", f"must be an integer number of fen, not {price!r}")
        if price < 0:
            raise entry.error("price_fen", f"negative price {price}")
        if price == 0:
            raise entry.error("price_fen", "price is zero (WeChat Pay cannot charge 0 fen)")
        if price > _MAX_PRICE_FEN:
            raise entry.error("price_fen", f"price {price} fen is implausibly large")
        category = entry.text("category") or ""
        if category_ids and category not in category_ids:
            raise entry.error("category", f"unknown category {category!r}")
        items.append(Item(sku, barcode, entry.text("name_zh") or "", entry.text("name_en") or "", price, category))
    if not items:
        raise CatalogueError("no items (expected [[items]] tables)", path=path)
    return items
