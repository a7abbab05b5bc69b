"""Search by name, pinyin (full, initials, mixed), English name, SKU and barcode; best matches first."""

from __future__ import annotations

import pytest

from kiosk.checkout.catalogue import Catalogue, Category, Item, sample_catalogue
from kiosk.checkout.search import SearchIndex, normalise, syllables, walk_pattern

COLA = Item("DRK-001", "6901939621257", "可口可乐 330ml", "Coca-Cola 330ml", 350, "drinks")
PEPSI = Item("DRK-009", "6901939691236", "百事可乐 330ml", "Pepsi 330ml", 350, "drinks")
BANK = Item("GEN-001", None, "银行卡套", "Card sleeve", 500, "general")
KALE = Item("VEG-001", "2000001000991", "羽衣甘蓝", "Kale", 900, "general")
LATTE = Item("CAF-002", "2000001000021", "拿铁（中杯）", "Latte (medium)", 1800, "cafe")
BATTERY = Item("GEN-002", None, "南孚5号电池", "Nanfu AA battery", 1290, "general")
ITEMS = [COLA, PEPSI, BANK, KALE, LATTE, BATTERY]


def names(found: list[Item]) -> list[str]:
    return [item.sku for item in found]


@pytest.mark.parametrize(
    "query",
    [
        *("可口可乐", "可乐", "kkkl", "KKKL", "kekoukele", "kkkle", "kekouk", "ke kou ke le", "ｋｋｋｌ"),
        *("330", "coca", "cc", "DRK-001", "6901939621257"),
    ],
)
def test_cola_is_found_every_way_a_clerk_types_it(query: str) -> None:
    assert "DRK-001" in names(SearchIndex(ITEMS).search(query))


def test_initials_and_full_pinyin_with_phrase_readings() -> None:
    index = SearchIndex(ITEMS)
    assert names(index.search("bskl")) == ["DRK-009"]
    assert names(index.search("kl")) == ["DRK-001", "DRK-009"]  # 可乐 in both, catalogue order
    assert names(index.search("yhk")) == ["GEN-001"]  # 银行 is yin-hang (phrase), not yin-xing
    assert names(index.search("yinhang")) == ["GEN-001"]
    assert names(index.search("natie")) == ["CAF-002"]
    assert index.search("kekl") == []  # ke-k-l skips a syllable: no match
    assert index.search("zzzz") == [] and index.search("  ") == []


def test_codes_exact_first_then_prefixes_then_names() -> None:
    index = SearchIndex(ITEMS)
    assert names(index.search("6901939691236")) == ["DRK-009"]
    assert names(index.search("drk-009")) == ["DRK-009"]
    assert names(index.search("DRK009")) == ["DRK-009"]  # separators do not matter
    assert names(index.search("690193")) == ["DRK-001", "DRK-009"]  # barcode prefix
    # "kale" is KALE's whole English name but also walks ke-le in 可乐: the name that starts with it first.
    assert names(index.search("kale"))[0] == "VEG-001"
    # A name that holds the query comes before codes that merely contain it.
    assert names(index.search("5")) == ["GEN-002", "DRK-001"]  # 5号电池; ...6212[5]7


def test_limit_and_catalogue_order() -> None:
    many = [Item(f"S{n}", None, f"矿泉水 {n}", f"Water {n}", 100, "d") for n in range(100)]
    index = SearchIndex(many)
    found = index.search("kqs", limit=10)
    assert names(found) == [f"S{n}" for n in range(10)]
    assert len(index.search("water")) == 60  # the default: a screenful, not the whole catalogue


def test_pieces() -> None:
    assert normalise("ＤＲＫ－００１ ") == "drk001"
    assert syllables("可口可乐 330ml") == ("ke", "kou", "ke", "le", "330ml")
    assert syllables("Coca-Cola 330ml") == ("coca", "cola", "330ml")
    assert syllables("拿铁（中杯）") == ("na", "tie", "zhong", "bei")
    line = "|bai|shi|ke|le|"
    assert walk_pattern("kl").search(line).start() == 8  # type: ignore[union-attr]  # the | before ke
    assert walk_pattern("bsk").search(line).start() == 0  # type: ignore[union-attr]
    assert walk_pattern("baishik").search(line) is not None
    assert walk_pattern("bk").search(line) is None  # skips shi
    assert walk_pattern("x").search(line) is None


def test_the_catalogue_builds_its_index_once_and_searches_it() -> None:
    catalogue = Catalogue([Category("drinks", "饮料", "Drinks")], [COLA, PEPSI], source=None)
    assert names(catalogue.search("bskl")) == ["DRK-009"]
    sample = sample_catalogue()
    for item in sample:  # every sample item is found by its own name, SKU and barcode
        assert item in sample.search(item.name_zh)
        assert sample.search(item.sku)[0] == item
        if item.barcode:
            assert sample.search(item.barcode)[0] == item
