"""Payment-code payment (付款码支付) in the sandbox: the simulated customers' codes, the charge, the password wait
and reverse, in direct and partner mode.

Every payment code is issued by the control API for one *scenario* (:data:`SCENARIOS`): what happens when a
merchant charges it. A code is single use and lives ``payment_code_lifetime`` seconds of sandbox time. Code-pay
orders are ordinary orders (``trade_type`` MICROPAY) for queries, refunds and bills; their code-pay side (a
pending password, a refusal to answer again) is in the ``codepay`` table. No notification is ever sent for
them. Waiting (the password, WeChat Pay's own reverse after 45 s) runs on the sandbox clock and is *not*
divided by ``--time-scale``: tests move the clock.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
from dataclasses import dataclass
from typing import Any

from kiosk.clock import rfc3339
from kiosk.trade import PAID, RefundStatus, TradeState, TradeType
from kiosk.wechatpay.paycode import PaymentCodeKind, classify_payment_code, normalize_payment_code

from .clock import to_datetime
from .errors import ApiError, invalid_request, order_not_exist, param_error
from .service import (
    Sandbox,
    Scope,
    canonical_json,
    insert_order,
    insert_refund,
    mark_paid,
    new_openid,
)
from .validation import (
    DIRECT_CODEPAY,
    DIRECT_REVERSE,
    PARTNER_CODEPAY,
    PARTNER_REVERSE,
    Field,
    reject_undeclared,
    validate_fields,
)

#: Default sandbox seconds the customer takes to enter the password (per code: ``password_seconds``).
PASSWORD_SECONDS = 8
#: WeChat Pay reverses a code-pay order still unpaid this long after it was created.
AUTO_REVERSE_SECONDS = 45
#: Reverse is for orders at most this old; older paid orders are refunded instead.
REVERSE_WINDOW = 7 * 24 * 3600
#: Above 1000 CNY the customer always confirms with the password, whatever the code's scenario.
PASSWORD_ABOVE_FEN = 100_000
MAX_PASSWORD_SECONDS = 3600
_MAINLAND_PREFIXES = ("10", "11", "12", "13", "14")


@dataclass(frozen=True)
class Scenario:
    name: str
    zh: str
    en: str


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("success", "立即支付成功", "Paid at once"),
        Scenario("password_then_success", "输入密码后支付成功", "Enters the password, then paid"),
        Scenario("password_then_failure", "输入密码后支付失败", "Enters the password, then the payment fails"),
        Scenario("password_never", "一直未输入密码", "Never enters the password"),
        Scenario("insufficient_funds", "余额不足", "Insufficient funds"),
        Scenario("invalid_code", "付款码无效", "Invalid code"),
        Scenario("expired_code", "付款码已过期", "Expired code"),
        Scenario("system_error_paid", "系统错误（已扣款）", "System error after the payment was taken"),
        Scenario("system_error_unrecorded", "系统错误（未受理）", "System error before anything was recorded"),
        Scenario("bank_error", "银行超时，随后成功", "Bank timeout, then paid"),
        Scenario("rate_limited", "请求过于频繁", "Rate limited once, then paid"),
    )
}

MSG_CODE_FORMAT = "付款码格式错误，请扫描微信支付付款码（以10、11、12、13、14、15开头的18位数字）"
MSG_CODE_INVALID = "付款码无效，请重新扫码"
MSG_CODE_EXPIRED = "付款码已过期，请刷新后重新扫码"
MSG_CODE_USED = "每个二维码仅限使用一次，请刷新再试"
MSG_PAYERROR = "支付失败，请撤销订单"


@dataclass(frozen=True)
class Refusal:
    """An error answer decided inside a transaction that must still commit (the order may be recorded)."""

    status: int
    code: str
    message: str

    def error(self) -> ApiError:
        return ApiError(self.status, self.code, self.message)


Answer = tuple[int, dict[str, Any]] | Refusal


class CodePay:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.store = sandbox.store
        self.clock = sandbox.clock
        self.settings = sandbox.settings

    # -- the customer's phone -------------------------------------------------------------------------

    def issue_code(self, data: dict[str, Any]) -> dict[str, Any]:
        """A fresh payment code that behaves as ``data["scenario"]`` when charged."""
        scenario = data.get("scenario", "success")
        if scenario not in SCENARIOS:
            raise ApiError(400, "PARAM_ERROR", f"scenario must be one of {', '.join(SCENARIOS)}")
        seconds = data.get("password_seconds", PASSWORD_SECONDS)
        if (
            not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or not 0 <= seconds <= MAX_PASSWORD_SECONDS
        ):
            raise ApiError(400, "PARAM_ERROR", f"password_seconds must be a number from 0 to {MAX_PASSWORD_SECONDS}")
        for name in ("openid", "bank_type"):
            value = data.get(name)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 128):
                raise ApiError(400, "PARAM_ERROR", f"{name} must be a string of at most 128 characters")
        now = self.clock.timestamp()
        while True:
            code = secrets.choice(_MAINLAND_PREFIXES) + "".join(secrets.choice(string.digits) for _ in range(16))
            try:
                self.store.execute(
                    """INSERT INTO payment_codes (auth_code, scenario, issued_at, password_seconds, openid, bank_type)
                       VALUES (?,?,?,?,?,?)""",
                    code,
                    scenario,
                    now,
                    float(seconds),
                    data.get("openid") or new_openid(),
                    data.get("bank_type") or "OTHERS",
                )
                break
            except sqlite3.IntegrityError:
                continue
        row = self.store.one("SELECT * FROM payment_codes WHERE auth_code = ?", code)
        assert row is not None
        return self.code_view(row)

    def code_view(self, row: sqlite3.Row) -> dict[str, Any]:
        expires = row["issued_at"] + self.settings.payment_code_lifetime
        if row["used_at"] is not None:
            state = "used"
        elif row["scenario"] == "expired_code" or self.clock.timestamp() >= expires:
            state = "expired"
        else:
            state = "unused"
        order = None
        if row["order_id"] is not None:
            order = self.store.one("SELECT out_trade_no FROM orders WHERE id = ?", row["order_id"])
        return {
            "auth_code": row["auth_code"],
            "scenario": row["scenario"],
            "password_seconds": row["password_seconds"],
            "issued_at": rfc3339(to_datetime(row["issued_at"])),
            "expires_at": rfc3339(to_datetime(expires)),
            "state": state,
            "out_trade_no": order["out_trade_no"] if order is not None else None,
        }

    def list_codes(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT * FROM payment_codes ORDER BY issued_at DESC, rowid DESC LIMIT ?", limit)
        return [self.code_view(row) for row in rows]

    # -- charge ---------------------------------------------------------------------------------------

    def _check_body(self, body: dict[str, Any], fields: dict[str, Field]) -> None:
        if self.settings.codepay_strict_fields:
            reject_undeclared(body, fields)
        validate_fields(body, fields)

    def charge(self, caller: str, partner: bool, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """``POST …/codepay``: (200, the paid order) or (202, USERPAYING); anything else is raised."""
        self._check_body(body, PARTNER_CODEPAY if partner else DIRECT_CODEPAY)
        store = body["scene_info"]["store_info"]
        if not store.get("id") and not store.get("out_id"):
            raise param_error("门店编号id与商户侧门店编码out_id不能同时为空", "/scene_info/store_info")
        scope = self.sandbox.order_scope(caller, partner, body)
        code = body["payer"]["auth_code"]
        if classify_payment_code(code) is not PaymentCodeKind.WECHAT or normalize_payment_code(code) != code:
            raise param_error(MSG_CODE_FORMAT, "/payer/auth_code", issue="invalid auth_code")
        now = self.clock.timestamp()
        with self.store.transaction() as db:
            answer = self._charge(db, scope, body, code, now)
        if isinstance(answer, Refusal):
            raise answer.error()
        return answer

    def _charge(self, db: sqlite3.Connection, scope: Scope, body: dict[str, Any], code: str, now: float) -> Answer:
        canonical = canonical_json(body)
        existing = db.execute(
            "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", (scope.owner, body["out_trade_no"])
        ).fetchone()
        if existing is not None:
            return self._again(db, existing, canonical)
        row = db.execute("SELECT * FROM payment_codes WHERE auth_code = ?", (code,)).fetchone()
        if row is None:
            return self._refuse(db, scope, body, canonical, now, self._code_error(MSG_CODE_INVALID), None)
        db.execute("UPDATE payment_codes SET charges = charges + 1 WHERE auth_code = ?", (code,))
        first, scenario = row["charges"] == 0, row["scenario"]
        if row["used_at"] is not None:
            return self._refuse(db, scope, body, canonical, now, self._code_error(MSG_CODE_USED), None)
        if scenario == "expired_code" or now >= row["issued_at"] + self.settings.payment_code_lifetime:
            return self._refuse(db, scope, body, canonical, now, self._code_error(MSG_CODE_EXPIRED), code)
        if scenario == "invalid_code":
            return self._refuse(db, scope, body, canonical, now, self._code_error(MSG_CODE_INVALID), code)
        if scenario == "insufficient_funds":
            return self._refuse(db, scope, body, canonical, now, Refusal(403, "NOT_ENOUGH", "余额不足"), code)
        # Refused before anything is recorded; the code stays usable, so a second charge goes through.
        if first and scenario == "rate_limited":
            return Refusal(429, "FREQUENCY_LIMITED", "频率超限，请降低请求频率")
        if first and scenario == "system_error_unrecorded":
            return Refusal(500, "SYSTEM_ERROR", "系统繁忙,请稍后重试")

        large = body["amount"]["total"] > PASSWORD_ABOVE_FEN
        pending: str | None = None
        due: float | None = None
        if scenario in ("password_then_success", "bank_error") or (scenario == "success" and large):
            pending, due = TradeState.SUCCESS, now + row["password_seconds"]
        elif scenario == "password_then_failure":
            pending, due = TradeState.PAYERROR, now + row["password_seconds"]
        elif scenario == "password_never":
            pending, due = self.settings.codepay_unpaid_outcome, now + AUTO_REVERSE_SECONDS
        state = TradeState.USERPAYING if pending is not None else TradeState.NOTPAY
        order_id = self._insert(db, scope, body, canonical, now, state)
        db.execute("UPDATE payment_codes SET used_at = ?, order_id = ? WHERE auth_code = ?", (now, order_id, code))
        db.execute("INSERT INTO codepay (order_id, pending, due_time) VALUES (?,?,?)", (order_id, pending, due))
        if pending is None:
            mark_paid(db, order_id, now, openid=row["openid"], bank_type=row["bank_type"])
        if scenario == "system_error_paid":
            return Refusal(500, "SYSTEM_ERROR", "系统繁忙,请稍后重试")
        if scenario == "bank_error":
            return Refusal(500, "BANK_ERROR", "银行系统异常，请稍后查询订单")
        if pending is not None:
            return 202, {"trade_state": TradeState.USERPAYING}
        order = db.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
        return 200, self.sandbox.order_view(order)

    def _code_error(self, message: str) -> Refusal:
        # No v3 code is published for a bad payment code: the status and code are settings.
        return Refusal(self.settings.codepay_code_error_status, self.settings.codepay_code_error_code, message)

    def _insert(
        self, db: sqlite3.Connection, scope: Scope, body: dict[str, Any], canonical: str, now: float, state: str
    ) -> int:
        expire = now + REVERSE_WINDOW
        micropay = TradeType.MICROPAY
        return insert_order(db, scope, body, canonical, now=now, expire=expire, state=state, trade_type=micropay)

    def _refuse(
        self,
        db: sqlite3.Connection,
        scope: Scope,
        body: dict[str, Any],
        canonical: str,
        now: float,
        refusal: Refusal,
        code: str | None,
    ) -> Refusal:
        """A final refusal: the code is used up; the order is recorded as PAYERROR if the setting says so."""
        if self.settings.codepay_failure_recorded:
            order_id = self._insert(db, scope, body, canonical, now, TradeState.PAYERROR)
            failure = json.dumps({"status": refusal.status, "code": refusal.code, "message": refusal.message})
            db.execute("INSERT INTO codepay (order_id, failure) VALUES (?,?)", (order_id, failure))
            if code is not None:
                db.execute("UPDATE payment_codes SET order_id = ? WHERE auth_code = ?", (order_id, code))
        if code is not None:
            db.execute("UPDATE payment_codes SET used_at = ? WHERE auth_code = ?", (now, code))
        return refusal

    def _again(self, db: sqlite3.Connection, order: sqlite3.Row, canonical: str) -> Answer:
        """The out_trade_no exists: a replay of the same request gets the order as it stands."""
        state = self.sandbox.effective_state(order)
        if order["trade_type"] != TradeType.MICROPAY or order["request"] != canonical:
            if state in (TradeState.REVOKED, TradeState.CLOSED):
                return Refusal(400, "ORDER_CLOSED", "订单已撤销或关闭")
            return Refusal(403, "OUT_TRADE_NO_USED", "商户订单号重复")
        if state in PAID:
            return 200, self.sandbox.order_view(order)
        if state == TradeState.USERPAYING:
            return 202, {"trade_state": TradeState.USERPAYING}
        if state == TradeState.PAYERROR:
            side = db.execute("SELECT failure FROM codepay WHERE order_id = ?", (order["id"],)).fetchone()
            if side is not None and side["failure"]:
                return Refusal(**json.loads(side["failure"]))
            return Refusal(403, "TRADE_ERROR", MSG_PAYERROR)
        return Refusal(400, "ORDER_CLOSED", "订单已撤销或关闭")

    # -- time -----------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Orders whose password wait is over become what their code said (paid at that moment, not now)."""
        now = self.clock.timestamp()
        if self.store.one("SELECT 1 FROM codepay WHERE due_time <= ? LIMIT 1", now) is None:
            return
        with self.store.transaction() as db:
            for row in db.execute("SELECT * FROM codepay WHERE due_time <= ?", (now,)).fetchall():
                order_id = row["order_id"]
                if row["pending"] == TradeState.SUCCESS:
                    payer = db.execute("SELECT * FROM payment_codes WHERE order_id = ?", (order_id,)).fetchone()
                    mark_paid(db, order_id, row["due_time"], openid=payer["openid"], bank_type=payer["bank_type"])
                else:
                    db.execute("UPDATE orders SET trade_state = ? WHERE id = ?", (row["pending"], order_id))
                db.execute("UPDATE codepay SET pending = NULL, due_time = NULL WHERE order_id = ?", (order_id,))

    # -- reverse --------------------------------------------------------------------------------------

    def reverse(self, caller: str, partner: bool, out_trade_no: str, body: dict[str, Any]) -> dict[str, Any]:
        """``POST …/out-trade-no/{no}/reverse``: an unpaid order is closed, a paid one refunded in full; both show
        REVOKED from then on. Re-entrant."""
        self._check_body(body, PARTNER_REVERSE if partner else DIRECT_REVERSE)
        scope = self.sandbox.order_scope(caller, partner, body)
        now = self.clock.timestamp()
        with self.store.transaction() as db:
            order = db.execute(
                "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", (scope.owner, out_trade_no)
            ).fetchone()
            if order is not None:
                self._reverse(db, order, now)
            elif not self.settings.codepay_reverse_unknown_ok:
                raise order_not_exist()
        ids = ("sp_appid", "sp_mchid", "sub_appid", "sub_mchid") if partner else ("appid", "mchid")
        return {**{k: body[k] for k in ids if k in body}, "out_trade_no": out_trade_no}

    def _reverse(self, db: sqlite3.Connection, order: sqlite3.Row, now: float) -> None:
        if order["trade_type"] != TradeType.MICROPAY:
            raise invalid_request("该订单不是付款码支付订单，不能撤销，请使用关单接口")
        state = order["trade_state"]
        if state in (TradeState.REVOKED, TradeState.CLOSED):
            return  # reversing again answers 200 again
        if now > order["create_time"] + REVERSE_WINDOW:
            raise invalid_request("订单已超过可撤销期限（7天），请使用退款接口")
        if state == TradeState.REFUND:
            raise invalid_request("订单已发生退款，不能撤销，请使用退款接口")
        if state == TradeState.SUCCESS:
            # The money goes back at once; the trade bill shows it as a refund of the whole order.
            insert_refund(
                db,
                order,
                order["out_trade_no"],
                order["total"],
                now=now,
                due=now,
                reason="撤销",
                status=RefundStatus.SUCCESS,
            )
            db.execute("UPDATE orders SET refunded = total WHERE id = ?", (order["id"],))
        db.execute("UPDATE orders SET trade_state = ? WHERE id = ?", (TradeState.REVOKED, order["id"]))
        # A password entered after the reverse pays nothing.
        db.execute("UPDATE codepay SET pending = NULL, due_time = NULL WHERE order_id = ?", (order["id"],))
