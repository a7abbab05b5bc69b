from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.checkout.catalogue import (
    CatalogueError,
    ean_check_digit_ok,
    load_catalogue,
    parse_catalogue,
    sample_catalogue,
)

GOOD = """
[[categories]]
id = "drinks"
name_zh = "饮料"
name_en = "Drinks"

[[items]]
sku = "A1"
barcode = "6921168509256"
name_zh = "农夫山泉"
name_en = "Water"
price_fen = 200
category = "drinks"

[[items]]
sku = "A2"
name_zh = "拿铁"
name_en = "Latte"
price_fen = 1800
category = "drinks"
"""


def test_sample_catalogue_is_a_realistic_shop() -> None:
    catalogue = sample_catalogue()
    assert 30 <= len(catalogue) <= 40
    assert 4 <= len(catalogue.categories) <= 6
    assert all(catalogue.items_in(category.id) for category in catalogue.categories)
    assert all(item.barcode and len(item.barcode) == 13 and ean_check_digit_ok(item.barcode) for item in catalogue)
    assert all(item.price_fen > 0 and isinstance(item.price_fen, int) for item in catalogue)
    assert len({item.sku for item in catalogue}) == len(catalogue)


def test_lookup_by_barcode_and_sku_as_scanned() -> None:
    catalogue = parse_catalogue(GOOD)
    assert catalogue.lookup("6921168509256\n").sku == "A1"  # type: ignore[union-attr]
    assert catalogue.lookup(" a2 ").sku == "A2"  # type: ignore[union-attr]
    assert catalogue.lookup("0000000000000") is None
    assert catalogue.lookup("") is None


@pytest.mark.parametrize(
    "code, ok",
    [
        ("6921168509256", True),
        ("6921168509257", False),
        ("96385074", True),
        ("036000291452", True),
        ("12345", False),
        ("69211685092a6", False),
    ],
)
def test_ean_check_digits(code: str, ok: bool) -> None:
    assert ean_check_digit_ok(code) is ok


def _broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(
    "text, line, field, words",
    [
        (_broken("price_fen = 1800", "price_fen = -5"), 19, "price_fen", "negative"),
        (_broken("price_fen = 1800", 'price_fen = "18.00"'), 19, "price_fen", "integer"),
        (_broken("price_fen = 1800", "price_fen = 18.5"), 19, "price_fen", "integer"),
        (_broken('sku = "A2"', 'sku = "A1"'), 16, "sku", "duplicate SKU"),
        (_broken('sku = "A2"', 'sku = "A2"\nbarcode = "6921168509256"'), 17, "barcode", "duplicate barcode"),
        (_broken('barcode = "6921168509256"', 'barcode = "6921168509257"'), 9, "barcode", "check digit"),
        (_broken('name_en = "Latte"\n', ""), 15, "name_en", "missing"),
        (_broken('category = "drinks"\n\n[[items]]', 'category = "food"\n\n[[items]]'), 13, "category", "unknown"),
    ],
)
def test_errors_name_line_and_field(text: str, line: int, field: str, words: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(text, path=Path("shop.toml"))
    error = caught.value
    assert (error.line, error.field) == (line, field)
    assert words in str(error)
    assert f"shop.toml, line {line}, field {field!r}" in str(error)


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(GOOD.replace('sku = "A2"', 'sku = "A2'), path=Path("shop.toml"))
    assert caught.value.line == 16
    assert "not valid TOML" in str(caught.value)


def test_empty_catalogue_is_refused() -> None:
    with pytest.raises(CatalogueError, match="no items"):
        parse_catalogue("[[categories]]\nid='x'\nname_zh='x'\nname_en='x'\n")


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.toml")
    bad = tmp_path / "gbk.toml"
    bad.write_bytes("name = '饮料'".encode("gbk"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(bad)
