"""Layering rules from docs/architecture.md that every change must keep."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kiosk.trade import RefundStatus, TradeState, TradeType

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_qt_is_imported_only_in_kiosk_ui() -> None:
    offenders = [
        str(path.relative_to(KIOSK.parent))
        for path in KIOSK.rglob("*.py")
        if "ui" not in path.relative_to(KIOSK).parts[:1]
        and any(name.split(".")[0] in {"PySide6", "shiboken6"} for name in _imported_modules(path))
    ]
    assert offenders == []


def test_the_kiosk_side_never_talks_to_wechat_pay_directly() -> None:
    # Kiosks hold a token, never merchant keys. The bill file format (kiosk.wechatpay.bills) is data the
    # manager reconciles, and the scanned-code classifier (kiosk.wechatpay.paycode, pure) tells a customer's
    # payment code from a product's barcode: the two parts of the library the kiosk side may use.
    kiosk_side = ("checkout", "journal", "printing", "manager", "ui")
    allowed = {"kiosk.wechatpay.bills", "kiosk.wechatpay.paycode"}
    offenders = [
        str(path.relative_to(KIOSK.parent))
        for package in kiosk_side
        for path in (KIOSK / package).rglob("*.py")
        if any(
            (name == "kiosk.wechatpay" or name.startswith("kiosk.wechatpay.")) and name not in allowed
            for name in _imported_modules(path)
        )
    ]
    assert offenders == []


def test_trade_states_types_and_refund_statuses_are_spelled_only_in_kiosk_trade() -> None:
    # One home for the payment vocabulary: every other module uses kiosk.trade's names (also in SQL, as bound
    # parameters). The APIv3 client library (kiosk.wechatpay) mirrors WeChat Pay's own documents and stands alone.
    words = {str(name) for name in (*TradeState, *TradeType, *RefundStatus)}
    quoted = re.compile("'(" + "|".join(sorted(words)) + ")'")
    # Bill types (the download's ``bill_type``: ALL, SUCCESS, REFUND) share two words with trade states.
    bill_types = {("sandbox/bills.py", "SUCCESS"), ("sandbox/bills.py", "REFUND")}
    offenders = [
        f"{path.relative_to(KIOSK)}:{node.lineno}: {node.value[:60]!r}"
        for path in sorted(KIOSK.rglob("*.py"))
        if path != KIOSK / "trade.py" and path.relative_to(KIOSK).parts[0] != "wechatpay"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (node.value in words or quoted.search(node.value))
        and (path.relative_to(KIOSK).as_posix(), node.value) not in bill_types
    ]
    assert offenders == []


def test_the_relay_keeps_its_sql_in_storage_and_http_in_its_asgi_layer() -> None:
    # The seam another storage engine plugs into: SQL only under kiosk/relay/storage; the core's rules know
    # neither SQL nor HTTP (app.py maps their refusals to status codes).
    relay = KIOSK / "relay"
    statement = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|BEGIN)\b")
    sql_outside_storage = [
        f"{path.relative_to(KIOSK)}:{node.lineno}"
        for path in sorted(relay.rglob("*.py"))
        if path.relative_to(relay).parts[0] != "storage"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and statement.search(node.value)
    ]
    sqlite_outside_storage = [
        str(path.relative_to(KIOSK))
        for path in relay.rglob("*.py")
        if path.relative_to(relay).parts[0] != "storage" and "sqlite3" in _imported_modules(path)
    ]
    web = {"starlette", "uvicorn", "httpx", "http", "sqlite3"}
    core_with_web_or_sql = [
        f"{name}: {sorted(found)}"
        for name in ("service.py", "reconciler.py", "gateway.py")
        if (found := {module.split(".")[0] for module in _imported_modules(relay / name)} & web)
    ]
    assert (sql_outside_storage, sqlite_outside_storage, core_with_web_or_sql) == ([], [], [])
