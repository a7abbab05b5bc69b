"""Payment-code payment (付款码支付): the clerk scans the customer's code; charge, query and reverse, in direct
and partner mode.

A charge has no notification: its answer, then queries, tell how it ended. Every answer and every failure of a
charge or a query becomes one of four outcomes (:class:`kiosk.trade.CodePayOutcome`, the word the relay's flow
uses too), so the caller's flow is::

    charge → PAID | FAILED (final) | PAYING or UNKNOWN → query every 5 s → … → reverse if still not PAID

The payment code (``auth_code``) is a secret for the minute it lives: it is sent once, never retried
automatically, never shown in a ``repr`` (all but its last four digits are masked) and kept by nothing here
beyond the request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from kiosk.trade import CodePayOutcome

from . import validation as v
from ._fields import req_str
from .core import (
    Operation,
    Response,
    check_equal,
    check_identity,
    encode_json,
    merchant_body,
    path_segment,
)
from .credentials import Merchant, PartnerMerchant
from .errors import (
    APIError,
    ConnectError,
    ResponseFormatError,
    ResponseMismatchError,
    ValidationError,
    WeChatPayError,
)
from .native import Transaction, query_order
from .paycode import PaymentCodeKind, classify_payment_code, mask_payment_code, normalize_payment_code

#: The charge may take seconds while the bank debits (longer when a first card fails): wait at least this long.
CHARGE_TIMEOUT = 15.0


@dataclass(frozen=True, repr=False)
class CodePayOrder:
    """A payment-code charge; amounts in fen.

    ``auth_code`` is the normalized code (:func:`normalize_payment_code`). ``device_ip`` is the till's address
    (the protocol notes leave open whether it is required, so it always is here). The store where the customer
    pays is required: ``store_out_id`` (the merchant's own store code) or ``store_id`` (WeChat Pay's venue id,
    digits), or both.
    """

    out_trade_no: str
    description: str
    amount_fen: int
    auth_code: str
    device_ip: str
    store_out_id: str | None = None
    store_id: str | None = None
    device_id: str | None = None
    attach: str | None = None
    goods_tag: str | None = None

    def __repr__(self) -> str:
        shown = (
            f"{f.name}={mask_payment_code(self.auth_code)!r}"
            if f.name == "auth_code"
            else f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"CodePayOrder({', '.join(shown)})"

    def validate(self) -> None:
        """Raise ValidationError for the first field that breaks WeChat Pay's rules (never quoting the code)."""
        v.out_trade_no(self.out_trade_no)
        v.text(self.description, "description", max_chars=127)
        v.max_bytes(self.description, "description", 127)
        v.amount(self.amount_fen, "amount_fen")
        if not isinstance(self.auth_code, str) or classify_payment_code(self.auth_code) is not PaymentCodeKind.WECHAT:
            raise ValidationError("auth_code", "is not a WeChat Pay payment code (18 digits starting 10–15)")
        if normalize_payment_code(self.auth_code) != self.auth_code:
            raise ValidationError("auth_code", "must be normalized (no whitespace)")
        v.ip_address(self.device_ip, "device_ip")
        if self.store_out_id is None and self.store_id is None:
            raise ValidationError("store_out_id", "give store_out_id or store_id: WeChat Pay requires the store")
        if self.store_out_id is not None:
            v.text(self.store_out_id, "store_out_id", max_chars=256)
        v.optional_text(self.store_id, "store_id", max_chars=32)
        if self.store_id is not None and not (self.store_id.isascii() and self.store_id.isdigit()):
            raise ValidationError("store_id", "must be WeChat Pay's venue id (digits)")
        v.optional_text(self.device_id, "device_id", max_chars=32)
        if self.attach is not None:
            v.max_bytes(self.attach, "attach", 128)
        v.optional_text(self.goods_tag, "goods_tag", max_chars=32)

    def to_json(self, merchant: Merchant) -> dict[str, Any]:
        """The request body: no notify_url and no time_expire (the API defines neither and refuses extras)."""
        self.validate()
        body: dict[str, Any] = merchant_body(merchant, with_appid=True)
        body["description"] = self.description
        body["out_trade_no"] = self.out_trade_no
        if self.attach is not None:
            body["attach"] = self.attach
        if self.goods_tag is not None:
            body["goods_tag"] = self.goods_tag
        body["payer"] = {"auth_code": self.auth_code}
        body["amount"] = {"total": self.amount_fen, "currency": "CNY"}
        store: dict[str, str] = {}
        if self.store_id is not None:
            store["id"] = self.store_id
        if self.store_out_id is not None:
            store["out_id"] = self.store_out_id
        scene: dict[str, Any] = {}
        if self.device_id is not None:
            scene["device_id"] = self.device_id
        scene["device_ip"] = self.device_ip
        scene["store_info"] = store
        body["scene_info"] = scene
        return body


# trade_state → outcome. NOTPAY and ACCEPT are not final for code pay: keep polling, then reverse.
_STATE_OUTCOMES = {
    "SUCCESS": CodePayOutcome.PAID,
    "REFUND": CodePayOutcome.PAID,  # it was paid; a refund came later
    "USERPAYING": CodePayOutcome.PAYING,
    "NOTPAY": CodePayOutcome.PAYING,
    "ACCEPT": CodePayOutcome.PAYING,
    "PAYERROR": CodePayOutcome.FAILED,
    "REVOKED": CodePayOutcome.FAILED,
    "CLOSED": CodePayOutcome.FAILED,
}
# 4xx codes that leave the charge's fate open: the order number exists already (query the old order).
_OPEN_CODES = frozenset({"OUT_TRADE_NO_USED", "ORDERPAID"})
# Configuration or programming errors: final for this charge, never retried, worth an operator's attention.
_FIX_CODES = frozenset(
    {"PARAM_ERROR", "INVALID_REQUEST", "APPID_MCHID_NOT_MATCH", "MCH_NOT_EXISTS", "NO_AUTH", "SIGN_ERROR"}
)


def state_outcome(trade_state: str) -> CodePayOutcome:
    """The outcome of a reported trade_state; an unknown state is UNKNOWN (query again)."""
    return _STATE_OUTCOMES.get(trade_state, CodePayOutcome.UNKNOWN)


def charge_error_outcome(error: WeChatPayError) -> CodePayOutcome:
    """The outcome of a charge that did not get a usable 2xx answer.

    Server errors, 429, a 404, a timeout, a broken or unverifiable answer: UNKNOWN (the charge may have
    happened). A refused connection: FAILED (nothing was sent). A 4xx business or request error: FAILED,
    except when the order number is already taken (UNKNOWN: query the order that holds it).
    """
    if isinstance(error, ConnectError):
        return CodePayOutcome.FAILED
    if isinstance(error, APIError) and 400 <= error.status < 500:
        still_open = error.status in (404, 429) or error.code in _OPEN_CODES
        return CodePayOutcome.UNKNOWN if still_open else CodePayOutcome.FAILED
    return CodePayOutcome.UNKNOWN


def needs_fix(error: WeChatPayError | None) -> bool:
    """A configuration or programming error (signature, ids, parameters, product not enabled)."""
    return isinstance(error, APIError) and (error.status == 401 or error.code in _FIX_CODES)


@dataclass(frozen=True)
class CodePayResult:
    """What a charge or a query established about one order.

    ``trade_state`` is WeChat Pay's word when it gave one; ``transaction`` the verified order when a charge
    answered 200 or a query answered; ``error`` what made the outcome FAILED or UNKNOWN.
    """

    out_trade_no: str
    outcome: CodePayOutcome
    trade_state: str | None = None
    transaction: Transaction | None = None
    error: WeChatPayError | None = field(default=None, compare=False)

    @property
    def code(self) -> str | None:
        """WeChat Pay's error code (``NOT_ENOUGH``, ``TRADE_ERROR``, …), if it answered with one."""
        return self.error.code if isinstance(self.error, APIError) else None

    @property
    def message(self) -> str | None:
        """WeChat Pay's message for the customer or clerk (Chinese), if it answered with one."""
        return self.error.message if isinstance(self.error, APIError) else None

    @property
    def needs_fix(self) -> bool:
        return needs_fix(self.error)

    @property
    def order_not_found(self) -> bool:
        """A query found no order: the charge has not been recorded (yet). Still UNKNOWN: a lost charge may
        land late, so the order is reversed before it is given up."""
        return isinstance(self.error, APIError) and self.error.status == 404


def _prefix(merchant: Merchant) -> str:
    return "/v3/pay/partner/transactions" if isinstance(merchant, PartnerMerchant) else "/v3/pay/transactions"


def _scrub(error: WeChatPayError, auth_code: str) -> WeChatPayError:
    """An API error that quotes the payment code gets it masked, so logging the error cannot leak it."""
    if not isinstance(error, APIError):
        return error
    text = json.dumps([error.message, error.detail], ensure_ascii=False)
    if auth_code not in text:
        return error
    message, detail = json.loads(text.replace(auth_code, mask_payment_code(auth_code)))
    return APIError(error.status, error.code, message, detail, error.request_id)


def charge(merchant: Merchant, order: CodePayOrder) -> Operation[CodePayResult]:
    """``POST …/codepay``. Never repeated automatically: a second charge could take the money twice.

    A 202 (USERPAYING) is accepted unsigned: it only leads to queries, which are verified.
    """
    body = encode_json(order.to_json(merchant))
    out_trade_no = order.out_trade_no
    expected_total = order.amount_fen

    def parse(response: Response) -> CodePayResult:
        data = response.json()
        trade_state = req_str(data, "trade_state")
        if response.status == 202 or trade_state != "SUCCESS":
            outcome = CodePayOutcome.PAYING if trade_state == "USERPAYING" else CodePayOutcome.UNKNOWN
            return CodePayResult(out_trade_no, outcome, trade_state)
        check_identity(data, merchant)
        check_equal(data, "out_trade_no", out_trade_no)
        transaction = Transaction.from_json(data)
        if transaction.total_fen != expected_total:
            raise ResponseMismatchError(f"paid {transaction.total_fen} fen, charged {expected_total}")
        return CodePayResult(out_trade_no, CodePayOutcome.PAID, trade_state, transaction)

    return Operation(
        "charge_codepay",
        "POST",
        _prefix(merchant) + "/codepay",
        parse,
        body=body,
        idempotent=False,
        signature_optional=frozenset({202}),
        min_timeout=CHARGE_TIMEOUT,
    )


def charge_failed(order: CodePayOrder, error: WeChatPayError) -> CodePayResult:
    """The result of a charge that raised ``error`` (after the request was built)."""
    return CodePayResult(order.out_trade_no, charge_error_outcome(error), error=_scrub(error, order.auth_code))


def query(merchant: Merchant, out_trade_no: str) -> Operation[CodePayResult]:
    """The ordinary order query, read as a code-pay outcome."""
    op = query_order(merchant, out_trade_no)
    read: Callable[[Response], Transaction] = op.parse

    def parse(response: Response) -> CodePayResult:
        transaction = read(response)
        state = transaction.trade_state
        return CodePayResult(out_trade_no, state_outcome(state), state, transaction)

    return Operation("query_codepay", op.method, op.path, parse, query=op.query)


def query_failed(out_trade_no: str, error: WeChatPayError) -> CodePayResult:
    """A query that got no usable answer says nothing about the order: UNKNOWN."""
    return CodePayResult(out_trade_no, CodePayOutcome.UNKNOWN, error=error)


def reverse(merchant: Merchant, out_trade_no: str) -> Operation[None]:
    """``POST …/out-trade-no/{no}/reverse`` (撤销): closes an unpaid order, refunds a paid one.

    Re-entrant, so it is retried like any idempotent call; the caller keeps retrying until it answers.
    """
    v.out_trade_no(out_trade_no)
    path = f"{_prefix(merchant)}/out-trade-no/{path_segment(out_trade_no)}/reverse"
    body = encode_json(merchant_body(merchant, with_appid=True))

    def parse(response: Response) -> None:
        if response.status == 204 and not response.body.strip():
            return
        data = response.json()
        check_identity(data, merchant)
        check_equal(data, "out_trade_no", out_trade_no)
        if response.status != 200:
            raise ResponseFormatError(f"reverse answered {response.status}")

    return Operation("reverse_order", "POST", path, parse, body=body)
