"""The sandbox's business rules: Native orders, payments by the simulated customer, close, refunds.
(Payment-code orders live in ``codepay.py`` on top of these.)

Handlers in ``app.py`` authenticate and parse; this module decides, with WeChat Pay's error codes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from kiosk.clock import CHINA_TZ, parse_rfc3339, rfc3339
from kiosk.trade import PAID, PAYABLE, RefundStatus, TradeState, TradeType

from .clock import SandboxClock, to_datetime
from .errors import ApiError, invalid_request, order_not_exist, param_error, query_param_error
from .identity import Identity
from .settings import REFUND_OUTCOMES, Settings
from .store import Store
from .validation import (
    DIRECT_CLOSE,
    DIRECT_ORDER,
    DIRECT_REFUND,
    PARTNER_CLOSE,
    PARTNER_ORDER,
    PARTNER_REFUND,
    validate_fields,
)

CODE_URL_LIFETIME = 2 * 3600
DEFAULT_ORDER_LIFETIME = 7 * 24 * 3600
MAX_TIME_EXPIRE = 7 * 24 * 3600
MIN_TIME_EXPIRE = 60
#: Sandbox seconds a refund stays PROCESSING before SUCCESS (divided by --time-scale).
REFUND_PROCESSING_SECONDS = 5.0
REFUND_MIN_INTERVAL = 60
REFUND_WINDOW = 365 * 24 * 3600
MAX_REFUNDS_PER_ORDER = 50

STATE_DESC: dict[str, str] = {
    TradeState.NOTPAY: "订单未支付",
    TradeState.SUCCESS: "支付成功",
    TradeState.REFUND: "订单发生过退款，退款详情请查询退款单",
    TradeState.CLOSED: "订单已关闭",
    TradeState.USERPAYING: "用户支付中",
    TradeState.PAYERROR: "支付失败，请重新下单支付",
    TradeState.REVOKED: "已撤销",
}
CODE_URL = re.compile(r"weixin://wxpay/bizpayurl\?pr=([0-9A-Za-z]+)")
_ALNUM = string.ascii_letters + string.digits

MSG_MCHID_MISMATCH = "http header中的mchid与post payload中的mchid不匹配"
MSG_CLOSE_MICROPAY = "当前交易不允许进行普通关单（只能撤销）"


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


def canonical_json(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Scope:
    """Whose orders a request is about: a direct merchant, or an SP acting for its sub-merchant."""

    partner: bool
    mchid: str
    sub_mchid: str = ""

    @property
    def owner(self) -> str:
        return f"{self.mchid}:{self.sub_mchid}" if self.partner else self.mchid


Notify = Callable[..., object]


class Sandbox:
    def __init__(
        self,
        identity: Identity,
        store: Store,
        clock: SandboxClock,
        settings: Settings,
        time_scale: float,
        notify: Notify,
        wake: Callable[[], None],
    ) -> None:
        self.identity = identity
        self.store = store
        self.clock = clock
        self.settings = settings
        self.time_scale = time_scale
        self._notify = notify
        self._wake = wake

    # -- scopes ---------------------------------------------------------------------------------------

    def direct_scope(self, caller: str, mchid: Any, *, location: str = "body") -> Scope:
        if mchid != caller:
            if location == "query":
                raise query_param_error("http header中的mchid与query中的mchid不匹配", "mchid", mchid)
            raise param_error(MSG_MCHID_MISMATCH, "/mchid", mchid)
        if caller != self.identity.mchid:
            raise ApiError(403, "NO_AUTH", "商户号该产品权限未开通，请前往商户平台>产品中心检查后重试")
        return Scope(False, caller)

    def partner_scope(self, caller: str, sp_mchid: Any, sub_mchid: Any, *, location: str = "body") -> Scope:
        if sp_mchid != caller:
            if location == "query":
                raise query_param_error("http header中的mchid与query中的sp_mchid不匹配", "sp_mchid", sp_mchid)
            raise param_error(MSG_MCHID_MISMATCH, "/sp_mchid", sp_mchid)
        if caller != self.identity.sp_mchid:
            raise ApiError(403, "NO_AUTH", "商户号该产品权限未开通，请前往商户平台>产品中心检查后重试")
        if sub_mchid != self.identity.sub_mchid:
            raise invalid_request("sub_mchid与sp_mchid不存在受理关系")
        return Scope(True, caller, sub_mchid)

    # -- orders ---------------------------------------------------------------------------------------

    def effective_state(self, order: sqlite3.Row, now: float | None = None) -> str:
        now = self.clock.timestamp() if now is None else now
        state: str = order["trade_state"]
        expired = now >= order["expire_time"] and self.settings.expired_order_state == TradeState.CLOSED
        if state in PAYABLE and expired:
            return TradeState.CLOSED
        return state

    def order_scope(self, caller: str, partner: bool, body: dict[str, Any]) -> Scope:
        """The scope of a body that names the merchant and its appids (order creation, reverse)."""
        if partner:
            scope = self.partner_scope(caller, body["sp_mchid"], body["sub_mchid"])
            if body.get("sp_appid", self.identity.sp_appid) != self.identity.sp_appid:
                raise ApiError(400, "APPID_MCHID_NOT_MATCH", "sp_appid和sp_mchid不匹配")
            if body.get("sub_appid") is not None:
                # The sandbox's sub-merchant has no appid bound to it.
                raise ApiError(400, "APPID_MCHID_NOT_MATCH", "sub_appid和sub_mchid不匹配")
            return scope
        scope = self.direct_scope(caller, body["mchid"])
        if body["appid"] != self.identity.appid:
            raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mchid不匹配")
        return scope

    def create_native(self, caller: str, partner: bool, body: dict[str, Any]) -> dict[str, Any]:
        validate_fields(body, PARTNER_ORDER if partner else DIRECT_ORDER)
        scope = self.order_scope(caller, partner, body)
        now = self.clock.timestamp()
        canonical = canonical_json(body)
        with self.store.transaction() as db:
            order = db.execute(
                "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", (scope.owner, body["out_trade_no"])
            ).fetchone()
            if order is not None:
                state = self.effective_state(order, now)
                if state == TradeState.CLOSED:
                    raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
                if order["request"] != canonical:
                    raise ApiError(403, "OUT_TRADE_NO_USED", "商户订单号重复")
                if state in PAID:
                    raise ApiError(400, "ORDERPAID", "该订单已支付")
                if now >= order["expire_time"]:
                    raise ApiError(400, "ORDER_CLOSED", "订单已过期关闭")
                order_id = order["id"]
            else:
                expire = self._expire_time(body.get("time_expire"), now)
                order_id = insert_order(db, scope, body, canonical, now=now, expire=expire, state=TradeState.NOTPAY)
            pr = self._issue_code_url(db, order_id, now)
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={pr}"}

    def _expire_time(self, time_expire: str | None, now: float) -> float:
        if time_expire is None:
            return now + DEFAULT_ORDER_LIFETIME
        moment = parse_rfc3339(time_expire).timestamp()
        if moment > now + MAX_TIME_EXPIRE:
            raise param_error(
                "输入源“/body/time_expire”映射到值字段“交易结束时间”校验失败，不能晚于下单后7天",
                "/time_expire",
                time_expire,
            )
        # WeChat Pay moves a too-early deadline to about a minute after creation.
        return max(moment, now + MIN_TIME_EXPIRE)

    def _issue_code_url(self, db: sqlite3.Connection, order_id: int, now: float) -> str:
        while True:
            pr = "".join(secrets.choice(_ALNUM) for _ in range(9))
            try:
                db.execute("INSERT INTO code_urls (pr, order_id, issued_at) VALUES (?,?,?)", (pr, order_id, now))
                return pr
            except sqlite3.IntegrityError:
                continue

    def find_order(self, scope: Scope, *, out_trade_no: str | None = None, transaction_id: str | None = None) -> Any:
        if transaction_id is not None:
            order = self.store.one(
                "SELECT * FROM orders WHERE owner = ? AND transaction_id = ?", scope.owner, transaction_id
            )
        else:
            order = self.store.one(
                "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", scope.owner, out_trade_no
            )
        if order is None:
            raise order_not_exist()
        return order

    def order_view(self, order: sqlite3.Row) -> dict[str, Any]:
        """The query response (and, when paid, the decrypted notification resource)."""
        state = self.effective_state(order)
        view: dict[str, Any] = {}
        if order["mode"] == "partner":
            view |= {"sp_appid": order["sp_appid"], "sp_mchid": order["sp_mchid"]}
            if order["sub_appid"]:
                view["sub_appid"] = order["sub_appid"]
            view["sub_mchid"] = order["sub_mchid"]
        else:
            view |= {"appid": order["appid"], "mchid": order["mchid"]}
        view |= {"out_trade_no": order["out_trade_no"]}
        paid = order["transaction_id"] is not None
        if paid:
            view |= {"transaction_id": order["transaction_id"], "trade_type": order["trade_type"]}
        view |= {"trade_state": state, "trade_state_desc": STATE_DESC[state]}
        if paid:
            view |= {"bank_type": order["bank_type"]}
        view["attach"] = order["attach"]
        if paid:
            view["success_time"] = rfc3339(to_datetime(order["success_time"]))
            if order["mode"] == "partner":
                view["payer"] = {"sp_openid": order["openid"]}
            else:
                view["payer"] = {"openid": order["openid"]}
            view["amount"] = {
                "total": order["total"],
                "payer_total": order["payer_total"],
                "currency": "CNY",
                "payer_currency": "CNY",
            }
        else:
            view["amount"] = {"total": order["total"], "currency": "CNY", "payer_currency": "CNY"}
        view["scene_info"] = {"device_id": order["device_id"]}
        view["promotion_detail"] = []
        return view

    def close(self, caller: str, partner: bool, out_trade_no: str, body: dict[str, Any]) -> None:
        validate_fields(body, PARTNER_CLOSE if partner else DIRECT_CLOSE)
        if partner:
            scope = self.partner_scope(caller, body["sp_mchid"], body["sub_mchid"])
        else:
            scope = self.direct_scope(caller, body["mchid"])
        with self.store.transaction() as db:
            order = db.execute(
                "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", (scope.owner, out_trade_no)
            ).fetchone()
            if order is None:
                raise order_not_exist()
            if order["trade_type"] == TradeType.MICROPAY:
                raise invalid_request(MSG_CLOSE_MICROPAY)
            if order["trade_state"] in PAID:
                raise ApiError(400, "ORDERPAID", "订单已支付，不能发起关单")
            # Closing a closed order is idempotent (204 again).
            db.execute("UPDATE orders SET trade_state = ? WHERE id = ?", (TradeState.CLOSED, order["id"]))

    # -- the customer ---------------------------------------------------------------------------------

    def pay(self, code_url: str, result: str, *, openid: str | None = None, bank_type: str | None = None) -> Any:
        match = CODE_URL.fullmatch(code_url.strip())
        if match is None:
            raise ApiError(404, "CODE_URL_NOT_FOUND", "二维码无效")
        outcomes = (TradeState.SUCCESS, TradeState.USERPAYING, TradeState.PAYERROR)
        if result not in outcomes:
            raise ApiError(400, "PARAM_ERROR", f"result must be {', '.join(outcomes)}")
        now = self.clock.timestamp()
        with self.store.transaction() as db:
            row = db.execute(
                "SELECT o.*, c.issued_at FROM code_urls c JOIN orders o ON o.id = c.order_id WHERE c.pr = ?",
                (match.group(1),),
            ).fetchone()
            if row is None:
                raise ApiError(404, "CODE_URL_NOT_FOUND", "二维码无效")
            state = self.effective_state(row, now)
            if state == TradeState.CLOSED:
                raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
            if state in PAID:
                raise ApiError(400, "ORDERPAID", "订单已支付")
            if now >= row["expire_time"]:
                raise ApiError(400, "ORDER_EXPIRED", "订单已过期，无法支付")
            if now >= row["issued_at"] + CODE_URL_LIFETIME:
                raise ApiError(400, "CODE_URL_EXPIRED", "二维码已过期，请商户重新下单获取")
            if result == TradeState.SUCCESS:
                mark_paid(db, row["id"], now, openid=openid or new_openid(), bank_type=bank_type or "OTHERS")
            else:
                db.execute("UPDATE orders SET trade_state = ? WHERE id = ?", (result, row["id"]))
            order = db.execute("SELECT * FROM orders WHERE id = ?", (row["id"],)).fetchone()
        view = self.order_view(order)
        if result == TradeState.SUCCESS:
            self._notify(
                event_type="TRANSACTION.SUCCESS",
                summary="支付成功",
                resource_type="transaction",
                plaintext=view,
                url=order["notify_url"],
                out_trade_no=order["out_trade_no"],
            )
        return view

    # -- refunds --------------------------------------------------------------------------------------

    def refund_scope(self, caller: str, sub_mchid: Any, *, location: str) -> Scope:
        if caller == self.identity.sp_mchid:
            if sub_mchid != self.identity.sub_mchid:
                if sub_mchid is None and location == "query":
                    raise query_param_error("缺少参数sub_mchid", "sub_mchid")
                raise invalid_request("sub_mchid与sp_mchid不存在受理关系")
            return Scope(True, caller, sub_mchid)
        if sub_mchid is not None:
            if location == "query":
                raise query_param_error("直连商户不支持sub_mchid参数", "sub_mchid", sub_mchid)
            raise param_error("直连商户不支持sub_mchid参数", "/sub_mchid", sub_mchid)
        return Scope(False, caller)

    def create_refund(self, caller: str, body: dict[str, Any]) -> dict[str, Any]:
        partner = caller == self.identity.sp_mchid
        if not partner and "sub_mchid" in body:
            raise param_error("直连商户不支持sub_mchid参数", "/sub_mchid", body["sub_mchid"])
        validate_fields(body, PARTNER_REFUND if partner else DIRECT_REFUND)
        scope = self.refund_scope(caller, body.get("sub_mchid"), location="body")
        if body.get("transaction_id") is None and body.get("out_trade_no") is None:
            raise param_error("transaction_id和out_trade_no必须二选一进行传参", "/out_trade_no")
        self.settle_refunds()
        now = self.clock.timestamp()
        amount = body["amount"]
        with self.store.transaction() as db:
            if body.get("transaction_id") is not None:
                sql, key = "SELECT * FROM orders WHERE owner = ? AND transaction_id = ?", body["transaction_id"]
            else:
                sql, key = "SELECT * FROM orders WHERE owner = ? AND out_trade_no = ?", body["out_trade_no"]
            order = db.execute(sql, (scope.owner, key)).fetchone()
            if order is None:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
            refund = db.execute(
                "SELECT * FROM refunds WHERE owner = ? AND out_refund_no = ?", (scope.owner, body["out_refund_no"])
            ).fetchone()
            if refund is not None:
                if refund["order_id"] != order["id"] or refund["amount"] != amount["refund"]:
                    raise invalid_request("商户退款单号已被使用，且退款参数与原请求不一致")
                return self.refund_view(refund, order)  # the same out_refund_no refunds once
            if order["trade_state"] == TradeState.REVOKED:
                raise invalid_request("订单已撤销，不能发起退款")
            if order["trade_state"] not in PAID:
                raise invalid_request("订单未支付，不能发起退款")
            if amount["total"] != order["total"]:
                raise invalid_request("订单金额与原订单金额不一致")
            if order["refunded"] >= order["total"]:
                raise invalid_request("订单已全额退款")
            if amount["refund"] > order["total"] - order["refunded"]:
                raise invalid_request("申请退款金额超过订单可退金额")
            if now > order["success_time"] + REFUND_WINDOW:
                raise invalid_request("订单已超过可退款的最大期限")
            count = db.execute("SELECT COUNT(*) FROM refunds WHERE order_id = ?", (order["id"],)).fetchone()[0]
            if count >= MAX_REFUNDS_PER_ORDER:
                raise invalid_request("订单部分退款次数已达上限50次")
            if order["last_refund_time"] is not None and now - order["last_refund_time"] < REFUND_MIN_INTERVAL:
                raise ApiError(429, "FREQUENCY_LIMITED", "同一笔订单的退款请求需间隔1分钟")
            due = now + REFUND_PROCESSING_SECONDS / self.time_scale
            row_id = insert_refund(
                db,
                order,
                body["out_refund_no"],
                amount["refund"],
                now=now,
                due=due,
                reason=body.get("reason", ""),
                notify_url=body.get("notify_url", ""),
                funds_account=body.get("funds_account", "AVAILABLE"),
                outcome=self.settings.refund_outcome,
            )
            db.execute(
                """UPDATE orders SET refunded = refunded + ?, trade_state = ?, last_refund_time = ?
                   WHERE id = ?""",
                (amount["refund"], TradeState.REFUND, now, order["id"]),
            )
            refund = db.execute("SELECT * FROM refunds WHERE id = ?", (row_id,)).fetchone()
        self._wake()
        return self.refund_view(refund, order)

    def refund_view(self, refund: sqlite3.Row, order: sqlite3.Row) -> dict[str, Any]:
        view: dict[str, Any] = {
            "refund_id": refund["refund_id"],
            "out_refund_no": refund["out_refund_no"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": order["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
        }
        if refund["success_time"] is not None:
            view["success_time"] = rfc3339(to_datetime(refund["success_time"]))
        view |= {
            "create_time": rfc3339(to_datetime(refund["create_time"])),
            "status": refund["status"],
            "funds_account": refund["funds_account"],
            "amount": {
                "total": order["total"],
                "refund": refund["amount"],
                "from": [],
                "payer_total": order["payer_total"],
                "payer_refund": refund["amount"],
                "settlement_refund": refund["amount"],
                "settlement_total": order["total"],
                "discount_refund": 0,
                "currency": "CNY",
                "refund_fee": 0,
            },
            "promotion_detail": [],
        }
        return view

    def query_refund(self, caller: str, out_refund_no: str, sub_mchid: str | None) -> dict[str, Any]:
        scope = self.refund_scope(caller, sub_mchid, location="query")
        self.settle_refunds()
        refund = self.store.one(
            "SELECT * FROM refunds WHERE owner = ? AND out_refund_no = ?", scope.owner, out_refund_no
        )
        if refund is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        order = self.store.one("SELECT * FROM orders WHERE id = ?", refund["order_id"])
        assert order is not None
        return self.refund_view(refund, order)

    def handle_abnormal_refund(self, out_refund_no: Any) -> dict[str, Any]:
        """What handling an ABNORMAL refund in the merchant platform does: the money reaches the customer by
        another way and the refund shows SUCCESS. No notification is sent; queries show it."""
        if not isinstance(out_refund_no, str):
            raise ApiError(400, "PARAM_ERROR", "out_refund_no is required")
        now = float(int(self.clock.timestamp()))
        with self.store.transaction() as db:
            refund = db.execute("SELECT * FROM refunds WHERE out_refund_no = ?", (out_refund_no,)).fetchone()
            if refund is None:
                raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
            if refund["status"] != RefundStatus.ABNORMAL:
                raise ApiError(400, "INVALID_REQUEST", f"退款单状态为{refund['status']}，不是退款异常")
            db.execute(
                "UPDATE refunds SET status = ?, success_time = ? WHERE id = ?",
                (RefundStatus.SUCCESS, now, refund["id"]),
            )
            refund = db.execute("SELECT * FROM refunds WHERE id = ?", (refund["id"],)).fetchone()
            order = db.execute("SELECT * FROM orders WHERE id = ?", (refund["order_id"],)).fetchone()
        return self.refund_view(refund, order)

    def next_refund_due(self) -> float | None:
        row = self.store.one("SELECT MIN(due_time) AS due FROM refunds WHERE status = ?", RefundStatus.PROCESSING)
        return None if row is None or row["due"] is None else float(row["due"])

    def settle_refunds(self) -> None:
        """Finish refunds whose processing time has passed (each as ``Settings.refund_outcome`` said when it was
        created) and queue their notifications. A CLOSED refund gives its amount back to the order's refundable
        amount."""
        now = self.clock.timestamp()
        settled: list[tuple[sqlite3.Row, sqlite3.Row]] = []
        with self.store.transaction() as db:
            due = db.execute(
                "SELECT * FROM refunds WHERE status = ? AND due_time <= ?", (RefundStatus.PROCESSING, now)
            ).fetchall()
            for refund in due:
                outcome = refund["outcome"]
                ended = float(int(max(refund["due_time"], refund["create_time"])))
                success = ended if outcome == RefundStatus.SUCCESS else None
                db.execute(
                    "UPDATE refunds SET status = ?, success_time = ? WHERE id = ?", (outcome, success, refund["id"])
                )
                if outcome == RefundStatus.CLOSED:
                    db.execute(
                        """UPDATE orders SET refunded = refunded - ?,
                               trade_state = CASE WHEN refunded = ? THEN ? ELSE trade_state END
                           WHERE id = ?""",
                        (refund["amount"], refund["amount"], TradeState.SUCCESS, refund["order_id"]),
                    )
                updated = db.execute("SELECT * FROM refunds WHERE id = ?", (refund["id"],)).fetchone()
                order = db.execute("SELECT * FROM orders WHERE id = ?", (refund["order_id"],)).fetchone()
                settled.append((updated, order))
        for refund, order in settled:
            event_type, summary = REFUND_OUTCOMES[refund["status"]]
            if refund["notify_url"]:
                self._notify(
                    event_type=event_type,
                    summary=summary,
                    resource_type="refund",
                    plaintext=self.refund_notification(refund, order),
                    url=refund["notify_url"],
                    out_trade_no=order["out_trade_no"],
                    out_refund_no=refund["out_refund_no"],
                )

    def refund_notification(self, refund: sqlite3.Row, order: sqlite3.Row) -> dict[str, Any]:
        ids: dict[str, Any]
        if order["mode"] == "partner":
            ids = {"sp_mchid": order["sp_mchid"], "sub_mchid": order["sub_mchid"]}
        else:
            ids = {"mchid": order["mchid"]}
        return ids | {
            "out_trade_no": order["out_trade_no"],
            "transaction_id": order["transaction_id"],
            "out_refund_no": refund["out_refund_no"],
            "refund_id": refund["refund_id"],
            "refund_status": refund["status"],
            **({"success_time": rfc3339(to_datetime(refund["success_time"]))} if refund["success_time"] else {}),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": order["total"],
                "refund": refund["amount"],
                "payer_total": order["payer_total"],
                "payer_refund": refund["amount"],
            },
        }

    # -- demo / tests ---------------------------------------------------------------------------------

    def list_orders(self) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT * FROM orders ORDER BY id DESC LIMIT 500")
        result = []
        for row in rows:
            code = self.store.one(
                "SELECT pr, issued_at FROM code_urls WHERE order_id = ? ORDER BY issued_at DESC", row["id"]
            )
            view = self.order_view(row)
            view["description"] = row["description"]
            view["notify_url"] = row["notify_url"]
            view["create_time"] = rfc3339(to_datetime(row["create_time"]))
            view["time_expire"] = rfc3339(to_datetime(row["expire_time"]))
            if code is not None:
                view["code_url"] = f"weixin://wxpay/bizpayurl?pr={code['pr']}"
                view["code_url_expires"] = rfc3339(to_datetime(code["issued_at"] + CODE_URL_LIFETIME))
            view["refunded"] = row["refunded"]
            result.append(view)
        return result


def insert_refund(
    db: sqlite3.Connection,
    order: sqlite3.Row,
    out_refund_no: str,
    amount: int,
    *,
    now: float,
    due: float,
    reason: str = "",
    notify_url: str = "",
    funds_account: str = "AVAILABLE",
    outcome: str = RefundStatus.SUCCESS,
    status: str = RefundStatus.PROCESSING,
) -> int:
    """Record a refund of ``order`` (a new refund_id); it stays ``status`` until ``due``, then ends ``outcome``."""
    refund_id = "50" + _digits(8) + to_datetime(now).strftime("%Y%m%d") + _digits(11)
    success_time = float(int(now)) if status == RefundStatus.SUCCESS else None
    row_id = db.execute(
        """INSERT INTO refunds (owner, order_id, out_refund_no, refund_id, amount, reason, notify_url,
           funds_account, status, create_time, due_time, success_time, outcome) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            order["owner"],
            order["id"],
            out_refund_no,
            refund_id,
            amount,
            reason,
            notify_url,
            funds_account,
            status,
            float(int(now)),
            due,
            success_time,
            outcome,
        ),
    ).lastrowid
    assert row_id is not None
    return row_id


def new_openid() -> str:
    return "o" + "".join(secrets.choice(_ALNUM + "_-") for _ in range(27))


def insert_order(
    db: sqlite3.Connection,
    scope: Scope,
    body: dict[str, Any],
    canonical: str,
    *,
    now: float,
    expire: float,
    state: str,
    trade_type: TradeType = TradeType.NATIVE,
) -> int:
    """Record a new order from its (validated) create request; returns its row id."""
    scene = body.get("scene_info") or {}
    order_id = db.execute(
        """INSERT INTO orders (owner, mode, mchid, appid, sp_mchid, sp_appid, sub_mchid, sub_appid,
           out_trade_no, request, description, attach, notify_url, device_id, total, create_time,
           expire_time, trade_state, trade_type) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
        (
            scope.owner,
            "partner" if scope.partner else "direct",
            body.get("mchid"),
            body.get("appid"),
            body.get("sp_mchid"),
            body.get("sp_appid"),
            body.get("sub_mchid"),
            body.get("sub_appid"),
            body["out_trade_no"],
            canonical,
            body["description"],
            body.get("attach", ""),
            body.get("notify_url", ""),
            scene.get("device_id", ""),
            body["amount"]["total"],
            now,
            expire,
            state,
            trade_type,
        ),
    ).lastrowid
    assert order_id is not None
    return order_id


def mark_paid(db: sqlite3.Connection, order_id: int, when: float, *, openid: str, bank_type: str) -> None:
    """The customer paid at ``when``: a new transaction_id, the payer and the amount paid."""
    transaction_id = "420000" + _digits(4) + to_datetime(when).strftime("%Y%m%d") + _digits(10)
    db.execute(
        """UPDATE orders SET trade_state = ?, transaction_id = ?, openid = ?, bank_type = ?,
           success_time = ?, payer_total = total WHERE id = ?""",
        (TradeState.SUCCESS, transaction_id, openid, bank_type, float(int(when)), order_id),
    )


def day_bounds(day: str) -> tuple[float, float]:
    """Epoch seconds of a Beijing-time calendar day [start, end)."""
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), CHINA_TZ)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()
