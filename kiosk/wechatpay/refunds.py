"""Domestic refunds: create and query (the same path in both modes; sub_mchid in partner mode)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import validation as v
from ._fields import obj, opt_int, opt_str, opt_time, req_int, req_str
from .core import Operation, Response, check_equal, encode_json, path_segment
from .credentials import Merchant, PartnerMerchant
from .errors import ResponseMismatchError, ValidationError

REFUNDS_PATH = "/v3/refund/domestic/refunds"


@dataclass(frozen=True)
class RefundRequest:
    """Refund ``amount_fen`` of an order of ``total_fen``; give out_trade_no or transaction_id."""

    out_refund_no: str
    amount_fen: int
    total_fen: int
    out_trade_no: str | None = None
    transaction_id: str | None = None
    reason: str | None = None
    notify_url: str | None = None

    def validate(self) -> None:
        v.out_refund_no(self.out_refund_no)
        if self.out_trade_no is None and self.transaction_id is None:
            raise ValidationError("out_trade_no", "give out_trade_no or transaction_id")
        if self.out_trade_no is not None:
            v.out_trade_no(self.out_trade_no)
        if self.transaction_id is not None:
            v.transaction_id(self.transaction_id)
        v.amount(self.amount_fen, "amount_fen")
        v.amount(self.total_fen, "total_fen")
        if self.amount_fen > self.total_fen:
            raise ValidationError("amount_fen", "cannot exceed the order total")
        v.optional_text(self.reason, "reason", max_chars=80)
        if self.notify_url is not None:
            v.notify_url(self.notify_url)

    def to_json(self, merchant: Merchant) -> dict[str, Any]:
        self.validate()
        body: dict[str, Any] = {}
        if isinstance(merchant, PartnerMerchant):
            body["sub_mchid"] = merchant.sub_mchid
        if self.transaction_id is not None:
            body["transaction_id"] = self.transaction_id
        if self.out_trade_no is not None:
            body["out_trade_no"] = self.out_trade_no
        body["out_refund_no"] = self.out_refund_no
        if self.reason is not None:
            body["reason"] = self.reason
        if self.notify_url is not None:
            body["notify_url"] = self.notify_url
        body["amount"] = {"refund": self.amount_fen, "total": self.total_fen, "currency": "CNY"}
        return body


@dataclass(frozen=True)
class Refund:
    """A refund as the create and query responses report it."""

    refund_id: str
    out_refund_no: str
    transaction_id: str | None
    out_trade_no: str | None
    status: str
    channel: str | None
    user_received_account: str | None
    success_time: datetime | None
    create_time: datetime | None
    refund_fen: int
    total_fen: int
    payer_refund_fen: int | None
    payer_total_fen: int | None = None
    funds_account: str | None = None
    currency: str = "CNY"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Refund:
        amount = obj(data, "amount")
        return cls(
            refund_id=req_str(data, "refund_id"),
            out_refund_no=req_str(data, "out_refund_no"),
            transaction_id=opt_str(data, "transaction_id"),
            out_trade_no=opt_str(data, "out_trade_no"),
            status=req_str(data, "status"),
            channel=opt_str(data, "channel"),
            user_received_account=opt_str(data, "user_received_account"),
            success_time=opt_time(data, "success_time"),
            create_time=opt_time(data, "create_time"),
            refund_fen=req_int(amount, "refund"),
            total_fen=req_int(amount, "total"),
            payer_refund_fen=opt_int(amount, "payer_refund"),
            payer_total_fen=opt_int(amount, "payer_total"),
            funds_account=opt_str(data, "funds_account"),
            currency=opt_str(amount, "currency") or "CNY",
            raw=data,
        )


@dataclass(frozen=True)
class RefundNotice:
    """The decrypted resource of a REFUND.* notification."""

    out_trade_no: str
    transaction_id: str | None
    refund_id: str
    out_refund_no: str
    refund_status: str
    success_time: datetime | None
    user_received_account: str | None
    refund_fen: int
    total_fen: int
    payer_refund_fen: int | None
    payer_total_fen: int | None
    mchid: str | None = None
    sp_mchid: str | None = None
    sub_mchid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RefundNotice:
        amount = obj(data, "amount")
        return cls(
            out_trade_no=req_str(data, "out_trade_no"),
            transaction_id=opt_str(data, "transaction_id"),
            refund_id=req_str(data, "refund_id"),
            out_refund_no=req_str(data, "out_refund_no"),
            refund_status=req_str(data, "refund_status"),
            success_time=opt_time(data, "success_time"),
            user_received_account=opt_str(data, "user_received_account"),
            refund_fen=req_int(amount, "refund"),
            total_fen=req_int(amount, "total"),
            payer_refund_fen=opt_int(amount, "payer_refund"),
            payer_total_fen=opt_int(amount, "payer_total"),
            mchid=opt_str(data, "mchid"),
            sp_mchid=opt_str(data, "sp_mchid"),
            sub_mchid=opt_str(data, "sub_mchid"),
            raw=data,
        )


def _parse_refund(merchant: Merchant, out_refund_no: str) -> Callable[[Response], Refund]:
    def parse(response: Response) -> Refund:
        data = response.json()
        check_equal(data, "out_refund_no", out_refund_no)
        if isinstance(merchant, PartnerMerchant) and data.get("sub_mchid") not in (None, merchant.sub_mchid):
            raise ResponseMismatchError(f"refund belongs to sub_mchid {data.get('sub_mchid')!r}")
        return Refund.from_json(data)

    return parse


def create_refund(merchant: Merchant, request: RefundRequest) -> Operation[Refund]:
    """Safe to repeat: WeChat Pay refunds one out_refund_no only once."""
    body = encode_json(request.to_json(merchant))
    return Operation("create_refund", "POST", REFUNDS_PATH, _parse_refund(merchant, request.out_refund_no), body=body)


def query_refund(merchant: Merchant, out_refund_no: str) -> Operation[Refund]:
    v.out_refund_no(out_refund_no)
    query = (("sub_mchid", merchant.sub_mchid),) if isinstance(merchant, PartnerMerchant) else ()
    return Operation(
        "query_refund",
        "GET",
        f"{REFUNDS_PATH}/{path_segment(out_refund_no)}",
        _parse_refund(merchant, out_refund_no),
        query=query,
    )
