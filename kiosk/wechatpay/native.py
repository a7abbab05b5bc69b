"""Native (scan-to-pay) orders: create, query, close — in direct and partner mode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.clock import rfc3339

from . import validation as v
from ._fields import obj, opt_int, opt_str, opt_time, req_int, req_str
from .core import (
    Operation,
    Response,
    check_equal,
    check_identity,
    encode_json,
    merchant_body,
    merchant_query,
    path_segment,
)
from .credentials import Merchant, PartnerMerchant
from .errors import ResponseFormatError, ValidationError


@dataclass(frozen=True)
class GoodsDetail:
    merchant_goods_id: str
    quantity: int
    unit_price_fen: int
    goods_name: str | None = None
    wechatpay_goods_id: str | None = None

    def to_json(self, index: int) -> dict[str, Any]:
        where = f"goods_detail[{index}]"
        v.text(self.merchant_goods_id, f"{where}.merchant_goods_id", max_chars=32)
        v.amount(self.quantity, f"{where}.quantity")
        v.amount(self.unit_price_fen, f"{where}.unit_price_fen", minimum=0)
        item: dict[str, Any] = {"merchant_goods_id": self.merchant_goods_id}
        if self.wechatpay_goods_id is not None:
            item["wechatpay_goods_id"] = v.text(self.wechatpay_goods_id, f"{where}.wechatpay_goods_id", max_chars=32)
        if self.goods_name is not None:
            item["goods_name"] = v.text(self.goods_name, f"{where}.goods_name", max_chars=256)
        item["quantity"] = self.quantity
        item["unit_price"] = self.unit_price_fen
        return item


@dataclass(frozen=True)
class NativeOrder:
    """A Native order request; amounts in fen, ``time_expire`` an aware datetime."""

    out_trade_no: str
    description: str
    amount_fen: int
    notify_url: str
    time_expire: datetime | None = None
    attach: str | None = None
    goods_tag: str | None = None
    goods_detail: Sequence[GoodsDetail] = ()
    payer_client_ip: str | None = None
    device_id: str | None = None
    store_id: str | None = None

    def validate(self, now: datetime) -> None:
        """Raise ValidationError for the first field that breaks WeChat Pay's rules."""
        v.out_trade_no(self.out_trade_no)
        v.text(self.description, "description", max_chars=127)
        # The reference leaves the unit open (characters or bytes); bytes is the reading that cannot fail.
        v.max_bytes(self.description, "description", 127)
        v.amount(self.amount_fen, "amount_fen")
        v.notify_url(self.notify_url)
        if self.time_expire is not None:
            v.future_time(self.time_expire, "time_expire", now)
        if self.attach is not None:
            v.max_bytes(self.attach, "attach", 128)
        v.optional_text(self.goods_tag, "goods_tag", max_chars=32)
        if self.payer_client_ip is not None:
            v.ip_address(self.payer_client_ip, "payer_client_ip")
        v.optional_text(self.device_id, "device_id", max_chars=32)
        v.optional_text(self.store_id, "store_id", max_chars=32)
        if (self.device_id is not None or self.store_id is not None) and self.payer_client_ip is None:
            # scene_info requires payer_client_ip whenever it is sent.
            raise ValidationError("payer_client_ip", "required when device_id or store_id is given")

    def to_json(self, merchant: Merchant, now: datetime) -> dict[str, Any]:
        self.validate(now)
        body: dict[str, Any] = merchant_body(merchant, with_appid=True)
        body["description"] = self.description
        body["out_trade_no"] = self.out_trade_no
        if self.time_expire is not None:
            body["time_expire"] = rfc3339(self.time_expire)
        if self.attach is not None:
            body["attach"] = self.attach
        body["notify_url"] = self.notify_url
        if self.goods_tag is not None:
            body["goods_tag"] = self.goods_tag
        body["amount"] = {"total": self.amount_fen, "currency": "CNY"}
        if self.goods_detail:
            body["detail"] = {"goods_detail": [item.to_json(i) for i, item in enumerate(self.goods_detail)]}
        if self.payer_client_ip is not None:
            scene: dict[str, Any] = {"payer_client_ip": self.payer_client_ip}
            if self.device_id is not None:
                scene["device_id"] = self.device_id
            if self.store_id is not None:
                scene["store_info"] = {"id": self.store_id}
            body["scene_info"] = scene
        return body


@dataclass(frozen=True)
class Transaction:
    """An order as WeChat Pay reports it (query response or payment notification)."""

    out_trade_no: str
    trade_state: str
    trade_state_desc: str | None
    transaction_id: str | None
    trade_type: str | None
    bank_type: str | None
    attach: str | None
    success_time: datetime | None
    payer_openid: str | None
    total_fen: int
    payer_total_fen: int | None
    currency: str
    appid: str | None = None
    mchid: str | None = None
    sp_appid: str | None = None
    sp_mchid: str | None = None
    sub_appid: str | None = None
    sub_mchid: str | None = None
    payer_sub_openid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def paid(self) -> bool:
        return self.trade_state == "SUCCESS"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transaction:
        amount = obj(data, "amount")
        payer = obj(data, "payer")
        trade_state = req_str(data, "trade_state")
        if trade_state == "SUCCESS" and not data.get("transaction_id"):
            raise ResponseFormatError("a paid transaction without transaction_id")
        return cls(
            out_trade_no=req_str(data, "out_trade_no"),
            trade_state=trade_state,
            trade_state_desc=opt_str(data, "trade_state_desc"),
            transaction_id=opt_str(data, "transaction_id") or None,
            trade_type=opt_str(data, "trade_type") or None,
            bank_type=opt_str(data, "bank_type"),
            attach=opt_str(data, "attach"),
            success_time=opt_time(data, "success_time"),
            payer_openid=opt_str(payer, "openid") or opt_str(payer, "sp_openid"),
            payer_sub_openid=opt_str(payer, "sub_openid"),
            total_fen=req_int(amount, "total"),
            payer_total_fen=opt_int(amount, "payer_total"),
            currency=opt_str(amount, "currency") or opt_str(amount, "payer_currency") or "CNY",
            appid=opt_str(data, "appid"),
            mchid=opt_str(data, "mchid"),
            sp_appid=opt_str(data, "sp_appid"),
            sp_mchid=opt_str(data, "sp_mchid"),
            sub_appid=opt_str(data, "sub_appid"),
            sub_mchid=opt_str(data, "sub_mchid"),
            raw=data,
        )


def _prefix(merchant: Merchant) -> str:
    return "/v3/pay/partner/transactions" if isinstance(merchant, PartnerMerchant) else "/v3/pay/transactions"


def create_order(merchant: Merchant, order: NativeOrder, now: datetime) -> Operation[str]:
    """``POST …/native`` → the code_url. Safe to repeat: same out_trade_no, same body bytes."""
    body = encode_json(order.to_json(merchant, now))

    def parse(response: Response) -> str:
        code_url = req_str(response.json(), "code_url")
        if not code_url.startswith("weixin://"):
            raise ResponseFormatError("code_url is not a weixin:// link")
        return code_url

    return Operation("create_native_order", "POST", _prefix(merchant) + "/native", parse, body=body)


def _parse_transaction(merchant: Merchant, key: str, expected: str) -> Callable[[Response], Transaction]:
    def parse(response: Response) -> Transaction:
        data = response.json()
        check_identity(data, merchant)
        check_equal(data, key, expected)
        return Transaction.from_json(data)

    return parse


def query_order(merchant: Merchant, out_trade_no: str) -> Operation[Transaction]:
    v.out_trade_no(out_trade_no)
    path = f"{_prefix(merchant)}/out-trade-no/{path_segment(out_trade_no)}"
    return Operation(
        "query_order",
        "GET",
        path,
        _parse_transaction(merchant, "out_trade_no", out_trade_no),
        query=merchant_query(merchant),
    )


def query_order_by_transaction_id(merchant: Merchant, transaction_id: str) -> Operation[Transaction]:
    v.transaction_id(transaction_id)
    path = f"{_prefix(merchant)}/id/{path_segment(transaction_id)}"
    return Operation(
        "query_order_by_transaction_id",
        "GET",
        path,
        _parse_transaction(merchant, "transaction_id", transaction_id),
        query=merchant_query(merchant),
    )


def _no_content(response: Response) -> None:
    if response.status != 204 and response.body.strip():
        raise ResponseFormatError(f"expected 204 No Content, got {response.status} with a body")


def close_order(merchant: Merchant, out_trade_no: str) -> Operation[None]:
    """``POST …/out-trade-no/{no}/close`` → 204 (signed and verified like any success)."""
    v.out_trade_no(out_trade_no)
    path = f"{_prefix(merchant)}/out-trade-no/{path_segment(out_trade_no)}/close"
    body = encode_json(merchant_body(merchant, with_appid=False))
    return Operation("close_order", "POST", path, _no_content, body=body)
