"""The kiosk–relay contract: every message of the relay's kiosk API as a dataclass, with one strict codec.

Both sides use this module: the kiosk encodes its requests and decodes the relay's answers with it, the
relay decodes the requests and builds its answers from these dataclasses. :func:`decode` refuses a
missing required field, an unknown field and a value of the wrong type or outside the contract, naming the
field (:class:`WireError`); nothing is defaulted. :func:`encode` leaves out optional fields that are
``None``, so an answer carries exactly the keys docs/relay.md lists. The JSON field names and HTTP paths are
documented contracts: never rename one here without docs/relay.md.

The bill answer is columnar (``columns`` names the values of each row array) and stays so on both sides:
neither the codec nor the relay builds an object per row. Decoding checks the column names, the summary and
each row's width; :meth:`BillAnswer.column` checks (and converts) one column's values at a time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import types
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import itemgetter
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from kiosk.clock import parse_rfc3339, rfc3339
from kiosk.trade import CodePayFailure, RefundStatus, TradeState, TradeType
from kiosk.wechatpay.paycode import PaymentCodeKind, classify_payment_code, normalize_payment_code

M = TypeVar("M")

OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[0-9A-Za-z_\-|*@]{1,64}$")
_NOT_IN_NUMBERS = re.compile(r"[^0-9A-Za-z]")
#: Every order and refund number begins with its store's prefix (:func:`store_prefix`): at most this many
#: characters and a hyphen.
STORE_TAG_CHARS = 8
#: WeChat Pay's ``description`` is a string(127) that its servers measure in UTF-8 bytes (42 Chinese characters).
DESCRIPTION_BYTES = 127
ATTACH_BYTES = 128
REASON_BYTES = 80
#: WeChat Pay's amounts are 32-bit integers of fen: 1 to 21,474,836.47 yuan.
MAX_FEN = 2**31 - 1
#: The keys of an ``items`` line that state money (the kiosk journal's words): checked against ``amount_fen``.
ITEM_MONEY_KEYS = ("unit_price_fen", "total_fen")

#: The bill answer's columns: the trade bill's fields, in this order (the relay fills them from
#: ``kiosk.wechatpay.bills.BillRow``; a test keeps the two equal), each with the type of its values and whether
#: it may be null (a column the bill type lacks, such as a payment's refund columns). On the wire a time is RFC
#: 3339 text and the fee its exact decimal text; :meth:`BillAnswer.column` gives them back as ``datetime`` and
#: ``Decimal``, as the client library parsed them.
BILL_COLUMN_TYPES: Mapping[str, tuple[type[Any], bool]] = {
    "trade_time": (datetime, False),
    "appid": (str, False),
    "mchid": (str, False),
    "sub_mchid": (str, True),
    "device_id": (str, True),
    "transaction_id": (str, False),
    "out_trade_no": (str, False),
    "openid": (str, True),
    "trade_type": (str, False),
    "trade_state": (str, False),
    "bank_type": (str, True),
    "currency": (str, False),
    "settlement_total_fen": (int, False),
    "coupon_fen": (int, True),
    "refund_id": (str, True),
    "out_refund_no": (str, True),
    "refund_fen": (int, True),
    "recharge_coupon_refund_fen": (int, True),
    "refund_type": (str, True),
    "refund_status": (str, True),
    "goods_name": (str, True),
    "attach": (str, True),
    "fee": (Decimal, False),
    "fee_fen": (int, False),
    "rate": (str, True),
    "order_total_fen": (int, False),
    "refund_requested_fen": (int, True),
    "rate_note": (str, True),
    "refund_apply_time": (datetime, True),
    "refund_success_time": (datetime, True),
}
BILL_COLUMNS: tuple[str, ...] = tuple(BILL_COLUMN_TYPES)
#: The bill answer's ``summary``: the bill's summary row by name, amounts in fen, ``fee_total`` as decimal text.
BILL_SUMMARY_TYPES: Mapping[str, tuple[type[Any], bool]] = {
    "trade_count": (int, False),
    "settlement_total_fen": (int, False),
    "refund_total_fen": (int, True),
    "recharge_coupon_refund_total_fen": (int, True),
    "fee_total": (Decimal, False),
    "fee_total_fen": (int, False),
    "order_total_fen": (int, False),
    "refund_requested_total_fen": (int, True),
}
BILL_SUMMARY_KEYS: frozenset[str] = frozenset(BILL_SUMMARY_TYPES)


class WireError(ValueError):
    """A message does not follow the contract; ``field`` names the offending field when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ErrorCode(StrEnum):
    """The ``error.code`` of every error answer of the kiosk API (docs/relay.md, "Error format")."""

    INVALID_JSON = "invalid_json"
    INVALID_REQUEST = "invalid_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    NO_STATEMENT = "no_statement"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    HTTP_ERROR = "http_error"
    OUT_TRADE_NO_USED = "out_trade_no_used"
    OUT_REFUND_NO_USED = "out_refund_no_used"
    ORDER_NOT_PAID = "order_not_paid"
    REFUND_EXCEEDS_AMOUNT = "refund_exceeds_amount"
    REFUND_REJECTED = "refund_rejected"
    BILL_NOT_AVAILABLE = "bill_not_available"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    WECHATPAY_ERROR = "wechatpay_error"
    BILL_HASH_MISMATCH = "bill_hash_mismatch"
    WECHATPAY_UNAVAILABLE = "wechatpay_unavailable"
    NOT_READY = "not_ready"


def number_tag(name: str, length: int) -> str:
    """``name`` in an order number: its ASCII letters and digits when there are 1 to ``length`` of them, else the
    first ``length`` hex digits of its SHA-256 (so that a long or symbol-only name still fits, and differs)."""
    letters = _NOT_IN_NUMBERS.sub("", name)
    if 1 <= len(letters) <= length:
        return letters
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:length]


def store_prefix(store_id: str) -> str:
    """How every order and refund number of the store ``store_id`` begins (``store-1``: ``store1-``).

    Each store's numbers are its own: the relay refuses a new order or refund whose number lacks the caller's
    store's prefix before looking anything up, so another store's number is refused exactly like any number that
    is not the caller's, and says nothing of whether it exists. The hyphen ends the tag (tags are letters and
    digits only), so no store's prefix begins another's."""
    return number_tag(store_id, STORE_TAG_CHARS) + "-"


# ---- field rules ----------------------------------------------------------------------------------------

Check = Callable[[Any], bool]


def _rule(check: Check, expected: str) -> dict[str, Any]:
    """Field metadata: ``check(value)`` must hold, else "<field> <expected>"."""
    return {"check": check, "expected": expected}


def _matches(pattern: re.Pattern[str]) -> Check:
    return lambda value: pattern.fullmatch(value) is not None


def _max_bytes(limit: int) -> Check:
    return lambda value: len(value.encode("utf-8")) <= limit


_POSITIVE_FEN = _rule(lambda value: 1 <= value <= MAX_FEN, f"must be an integer of fen from 1 to {MAX_FEN}")
_FEN = _rule(lambda value: 0 <= value <= MAX_FEN, f"must be an integer of fen from 0 to {MAX_FEN}")


def _description_check(value: str) -> bool:
    return bool(value) and len(value.encode("utf-8")) <= DESCRIPTION_BYTES


def _items_problem(items: list[Any] | dict[str, Any], amount_fen: int) -> str | None:
    """Why ``items`` disagree with ``amount_fen`` (None when they agree, or state no money at all).

    Lines are the objects of an array. Lines that state money (:data:`ITEM_MONEY_KEYS`) must all do, each its
    ``total_fen`` or its ``quantity`` and ``unit_price_fen`` (equal to their product when all three are given),
    and together they must come to ``amount_fen``. Lines without money (``{"sku", "quantity"}``) and an object
    are the kiosk's own notes, stored as they are."""
    if not isinstance(items, list):
        return None
    priced = [isinstance(line, dict) and any(key in line for key in ITEM_MONEY_KEYS) for line in items]
    if not any(priced):
        return None
    if not all(priced):
        return f"line {priced.index(False) + 1} states no amount while others do"
    total = 0
    for number, line in enumerate(items, start=1):
        quantity, unit, line_total = (line.get(key) for key in ("quantity", "unit_price_fen", "total_fen"))
        for key, value, low in (("quantity", quantity, 1), ("unit_price_fen", unit, 0), ("total_fen", line_total, 0)):
            if value is not None and (type(value) is not int or not low <= value <= MAX_FEN):
                return f"line {number}: {key} must be an integer from {low} to {MAX_FEN}"
        product = quantity * unit if quantity is not None and unit is not None else None
        if line_total is None and product is None:
            return f"line {number} states neither total_fen nor quantity and unit_price_fen"
        if line_total is not None and product is not None and line_total != product:
            return f"line {number}: total_fen {line_total} is not quantity x unit_price_fen ({product})"
        total += line_total if line_total is not None else product or 0
    if total != amount_fen:
        return f"the lines come to {total} fen, not amount_fen {amount_fen}"
    return None


def _wechat_payment_code(value: str) -> bool:
    return classify_payment_code(value) is PaymentCodeKind.WECHAT and normalize_payment_code(value) == value


# ---- requests -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """What every request that creates an order carries (:class:`OrderCreate`, :class:`CodePayCreate`), under
    the rules WeChat Pay would apply, so that what it would refuse is refused before anything is stored."""

    out_trade_no: str = dataclasses.field(metadata=_rule(_matches(OUT_TRADE_NO), "must be 6-32 of [0-9A-Za-z_-|*]"))
    description: str = dataclasses.field(
        metadata=_rule(_description_check, f"must be 1 to {DESCRIPTION_BYTES} bytes of UTF-8")
    )
    amount_fen: int = dataclasses.field(metadata=_POSITIVE_FEN)
    attach: str | None = dataclasses.field(
        default=None, metadata=_rule(_max_bytes(ATTACH_BYTES), f"is longer than {ATTACH_BYTES} bytes")
    )
    #: The cart's lines as the kiosk describes them: stored by the relay, never sent to WeChat Pay. Lines that
    #: state money must come to ``amount_fen`` (:func:`_items_problem`).
    items: list[Any] | dict[str, Any] | None = None

    def __post_init__(self) -> None:
        problem = _items_problem(self.items, self.amount_fen) if self.items is not None else None
        if problem is not None:
            raise WireError(f"items: {problem}", "items")


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderCreate(OrderRequest):
    """``POST /v1/orders``: a Native order (the kiosk shows its QR code)."""

    time_expire: datetime | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class CodePayCreate(OrderRequest):
    """``POST /v1/codepay``: a new order paid by the customer's payment code (付款码), which the relay charges.
    It has no ``time_expire``: WeChat Pay gives a payment-code order its own (it reverses it at 45 s).

    ``auth_code`` is a secret for the minute it lives: kept out of the ``repr``, never quoted in an error."""

    auth_code: str = dataclasses.field(
        repr=False,
        metadata=_rule(_wechat_payment_code, "must be a WeChat Pay payment code (18 digits starting 10-15)"),
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundCreate:
    """``POST /v1/orders/{out_trade_no}/refunds`` (manager credential)."""

    out_refund_no: str = dataclasses.field(metadata=_rule(_matches(OUT_REFUND_NO), "must be 1-64 of [0-9A-Za-z_-|*@]"))
    amount_fen: int = dataclasses.field(metadata=_POSITIVE_FEN)
    reason: str | None = dataclasses.field(
        default=None, metadata=_rule(_max_bytes(REASON_BYTES), f"is longer than {REASON_BYTES} bytes")
    )


# ---- answers --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class OrderView:
    """An order as the relay answers it (create, status and long-poll, close). ``version`` grows with every change."""

    out_trade_no: str
    store_id: str
    #: How the customer pays: NATIVE (the kiosk's QR) or MICROPAY (the customer's payment code).
    trade_type: TradeType
    state: TradeState
    version: int
    amount_fen: int = dataclasses.field(metadata=_POSITIVE_FEN)
    description: str
    expires_at: datetime
    refunded_fen: int = dataclasses.field(metadata=_FEN)
    created_at: datetime
    updated_at: datetime
    code_url: str | None = None
    trade_state_desc: str | None = None
    transaction_id: str | None = None
    success_time: datetime | None = None
    payer_total_fen: int | None = None
    attach: str | None = None
    items: list[Any] | dict[str, Any] | None = None
    #: Payment code only: why the charge ended without the customer's money (the kiosk tells the clerk what next).
    failure: CodePayFailure | None = None
    #: Payment code only: the relay cannot settle the order (its reverse keeps failing): the manager must look.
    unresolved: bool | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class RefundView:
    """A refund as the relay answers it (create, status)."""

    out_refund_no: str
    out_trade_no: str
    store_id: str
    amount_fen: int = dataclasses.field(metadata=_POSITIVE_FEN)
    total_fen: int = dataclasses.field(metadata=_POSITIVE_FEN)
    status: RefundStatus
    version: int
    created_at: datetime
    updated_at: datetime
    reason: str | None = None
    refund_id: str | None = None
    success_time: datetime | None = None
    error_code: str | None = None
    error_message: str | None = None


def _sent_as(kind: type[Any]) -> type[Any]:
    """The JSON type a bill value of ``kind`` travels as."""
    return str if kind in (datetime, Decimal) else kind


def _bill_columns(columns: list[str]) -> bool:
    return tuple(columns) == BILL_COLUMNS


def _bill_summary(summary: dict[str, Any]) -> bool:
    if summary.keys() != BILL_SUMMARY_KEYS:
        return False
    for name, (kind, nullable) in BILL_SUMMARY_TYPES.items():
        value = summary[name]
        if not (value is None and nullable) and type(value) is not _sent_as(kind):  # type(): True is no amount
            return False
    return _decimal(summary["fee_total"]) is not None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def _bill_time(text: str) -> datetime | None:
    try:
        return parse_rfc3339(text)
    except ValueError:
        return None


#: Text columns that carry other values, and what turns their text into the value (None: not one).
_BILL_CONVERTERS: Mapping[type[Any], Callable[[str], Any]] = {datetime: _bill_time, Decimal: _decimal}
_EXPECTED = {str: "text", int: "an integer", datetime: "an RFC 3339 time with an offset", Decimal: "a decimal"}
_BILL_AT: Mapping[str, int] = {name: at for at, name in enumerate(BILL_COLUMNS)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class BillAnswer:
    """``GET /v1/bills/{YYYY-MM-DD}``: the store's trade bill, each row an array of the values named by ``columns``
    (amounts in fen, ``fee`` as its decimal text, times in RFC 3339).

    Decoding checks the columns, each row's width and the summary; the values themselves are checked a column
    at a time as :meth:`column` reads them (a reader that uses 13 of the 30 columns checks those 13)."""

    bill_date: date
    store_id: str
    cached: bool
    bill_type: str
    columns: list[str] = dataclasses.field(metadata=_rule(_bill_columns, "must be the bill columns of this contract"))
    rows: list[list[Any]]
    summary: dict[str, Any] = dataclasses.field(
        metadata=_rule(_bill_summary, "must have the bill summary's keys, each value of its type")
    )
    #: Direct mode with several stores: only this store's rows are kept; ``summary`` stays the merchant's.
    filtered_for_store: bool | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        rows = self.rows
        if set(map(type, rows)) <= {list} and set(map(len, rows)) <= {width}:
            return  # one pass in C for the usual answer; the row-by-row search only to name a bad row
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, list) or len(row) != width:
                raise WireError(f"rows: row {number} is not an array of {width} values", "rows")

    def column(self, name: str) -> list[Any]:
        """The ``name`` value of every row, in row order, of the column's type (:data:`BILL_COLUMN_TYPES`): times
        as aware ``datetime``, the fee as ``Decimal``, ``None`` where the column allows it. A value of another
        type is a :class:`WireError` naming its row; a name outside the contract is a ``KeyError``."""
        kind, nullable = BILL_COLUMN_TYPES[name]
        values = list(map(itemgetter(_BILL_AT[name]), self.rows))
        allowed = {_sent_as(kind), type(None)} if nullable else {_sent_as(kind)}
        convert = _BILL_CONVERTERS.get(kind)
        if set(map(type, values)) <= allowed:  # type(), not isinstance: True is not an amount
            if convert is None:
                return values
            converted = [value if value is None else convert(value) for value in values]
            if converted.count(None) == values.count(None):  # each converter answers None for bad text
                return converted
        for number, value in enumerate(values, start=1):
            if value is None and nullable:
                continue
            if type(value) is not _sent_as(kind) or (convert is not None and convert(value) is None):
                raise WireError(f"rows: row {number}: {name} {value!r} is not {_EXPECTED[kind]}", "rows")
        raise AssertionError("unreachable: a column that failed its check has a bad value")  # pragma: no cover


@dataclasses.dataclass(frozen=True, kw_only=True)
class PingAnswer:
    """``GET /v1/ping``: the kiosks' heartbeat; answered only for a credential in force, naming its owner."""

    kiosk_id: str
    store_id: str


class Health(StrEnum):
    """``GET /healthz``: the relay's status and each check's."""

    OK = "ok"
    DEGRADED = "degraded"  # it stores and answers, but something needs the operator (answered 200)
    UNHEALTHY = "unhealthy"  # it cannot store (answered 503): restart it, or free the disk


@dataclasses.dataclass(frozen=True, kw_only=True)
class HealthCheck:
    status: Health
    #: What was found, for the operator: never a secret, a token or anything of one store.
    detail: str
    #: The WeChat Pay base URL the check concerns (``wechatpay``).
    url: str | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class HealthChecks:
    #: A probe write commits within its bound and the store has room to grow.
    storage: HealthCheck
    #: The configuration in force is the file on disk.
    configuration: HealthCheck
    #: The event loop answers without lag.
    event_loop: HealthCheck
    #: WeChat Pay answers at the configured base URL.
    wechatpay: HealthCheck


@dataclasses.dataclass(frozen=True, kw_only=True)
class NotificationCounts:
    accepted: int
    rejected: int
    failed: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class RelayInstance:
    """One of several relay instances on one PostgreSQL database."""

    #: Its name in the lease table: host, process id and a random part.
    name: str
    #: Whether it holds the work lease (it runs the active queries and the payment-code flows).
    work_lease: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class HealthAnswer:
    """``GET /healthz`` (no token): 200 with ``ok`` or ``degraded``, 503 with ``unhealthy``."""

    status: Health
    mode: str
    uptime_seconds: float
    long_polls: int
    notifications: NotificationCounts
    checks: HealthChecks
    #: This instance, when the relay is one of several (on PostgreSQL).
    instance: RelayInstance | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ErrorDetail:
    code: ErrorCode
    message: str
    #: The request field that is wrong (``invalid_request``).
    field: str | None = None
    #: Whether the same request may be sent again (5xx answers and ``wechatpay_error``).
    retryable: bool | None = None
    #: Seconds to wait before asking again (``rate_limited``, ``bill_not_available`` while generating).
    retry_after: float | None = None
    #: WeChat Pay's own error code, when WeChat Pay refused the call.
    wechatpay_code: str | None = None
    #: The refund as stored, when WeChat Pay refused it (``refund_rejected``).
    refund: RefundView | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ErrorAnswer:
    """Every error answer of the kiosk API: ``{"error": {"code", "message", ...}}``."""

    error: ErrorDetail


# ---- the codec ------------------------------------------------------------------------------------------


def encode(message: Any) -> dict[str, Any]:
    """The JSON object for ``message`` (optional fields that are ``None`` left out)."""
    result: dict[str, Any] = {}
    for name in _names(type(message)):
        value = getattr(message, name)
        if value is not None:
            result[name] = value if type(value) in _PLAIN else _encode_value(value)
    return result


_PLAIN = (str, int, bool, float)
_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _names(kind: type[Any]) -> tuple[str, ...]:
    names = _NAMES.get(kind)
    if names is None:
        names = _NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))
    return names


def encode_bytes(message: Any) -> bytes:
    return json.dumps(encode(message), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


#: Rows per call to the JSON encoder in :func:`encode_bill`: one call holds the GIL for a few milliseconds only.
BILL_ROWS_PER_SLICE = 1000


def encode_bill(answer: BillAnswer, columns: list[list[Any]]) -> bytes:
    """The bytes :func:`encode_bytes` gives for ``answer`` with its rows given column by column instead
    (``columns[i]`` holds every row's value of ``answer.columns[i]``; ``answer.rows`` is empty).

    A 100,000-row day is encoded a slice of rows at a time, and no list per row is ever kept: the relay does
    this on a worker thread, and one long call into the encoder would stop its event loop as surely."""
    if answer.rows:
        raise ValueError("encode_bill takes the rows as columns; answer.rows must be empty")
    head = encode_bytes(answer)
    empty = b'"rows":[]'
    at = head.index(empty)  # the first key named "rows": the keys before it are fixed names
    count = len(columns[0]) if columns else 0
    parts = [head[:at], b'"rows":[']
    for start in range(0, count, BILL_ROWS_PER_SLICE):
        rows = list(map(list, zip(*(column[start : start + BILL_ROWS_PER_SLICE] for column in columns), strict=True)))
        if start:
            parts.append(b",")
        parts.append(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")[1:-1])
    parts += [b"]", head[at + len(empty) :]]
    return b"".join(parts)


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return encode(value)
    return value  # str (and StrEnum), int, float, bool and JSON values as they are


def decode(kind: type[M], data: Any) -> M:
    """``data`` (a decoded JSON value) as a ``kind`` message; :class:`WireError` if it breaks the contract."""
    if not isinstance(data, dict):
        raise WireError(f"a {kind.__name__} must be a JSON object")
    fields = _fields(kind)
    unknown = sorted(set(data) - fields.keys())
    if unknown:
        raise WireError(f"{unknown[0]} is not a field of {kind.__name__}", unknown[0])
    values: dict[str, Any] = {}
    for name, (convert, required, rule) in fields.items():
        value = data.get(name)
        if value is None:
            if required:
                raise WireError(f"{name} is required", name)
            continue
        converted = convert(name, value)
        if rule is not None and not rule["check"](converted):
            raise WireError(f"{name} {rule['expected']}", name)
        values[name] = converted
    return kind(**values)


def decode_bytes(kind: type[M], body: bytes) -> M:
    """Parse a JSON body and decode it (invalid JSON is a :class:`WireError` too)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise WireError("the body is not JSON") from None
    return decode(kind, data)


def error_detail(body: bytes) -> ErrorDetail | None:
    """The ``error`` of an error answer's body, or None when the body is not one (a proxy's page, say)."""
    try:
        return decode_bytes(ErrorAnswer, body).error
    except WireError:
        return None


Converter = Callable[[str, Any], Any]
FieldSpec = tuple[Converter, bool, Mapping[str, Any] | None]  # (converter, required, rule)
_SPECS: dict[type[Any], Mapping[str, FieldSpec]] = {}


def _fields(kind: type[Any]) -> Mapping[str, FieldSpec]:
    known = _SPECS.get(kind)
    if known is not None:
        return known
    hints = get_type_hints(kind)
    fields = {}
    for field in dataclasses.fields(kind):
        annotation = hints[field.name]
        options = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
        required = type(None) not in options
        concrete = tuple(option for option in options if option is not type(None))
        fields[field.name] = (_converter(concrete), required, field.metadata or None)
    _SPECS[kind] = fields
    return fields


def _converter(options: tuple[Any, ...]) -> Converter:
    if len(options) > 1:  # items: any JSON array or object
        return _json_container
    kind = options[0]
    origin = get_origin(kind)
    if origin is list:
        (item,) = get_args(kind)
        return _list_of(item)
    if origin is dict:
        return _typed(dict, "a JSON object")
    if kind is str:
        return _typed(str, "a string")
    if kind is bool:
        return _typed(bool, "true or false")
    if kind is int:
        return _integer
    if kind is float:
        return _number
    if kind is datetime:
        return _datetime
    if kind is date:
        return _date
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return _member_of(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        message: type[Any] = kind
        return lambda name, value: _nested(message, name, value)
    raise TypeError(f"no wire converter for {kind!r}")  # pragma: no cover - a new field type needs one


def _typed(kind: type[Any], expected: str) -> Converter:
    def convert(name: str, value: Any) -> Any:
        if not isinstance(value, kind):
            raise WireError(f"{name} must be {expected}", name)
        return value

    return convert


def _integer(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireError(f"{name} must be an integer", name)
    return value


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireError(f"{name} must be a number", name)
    return float(value)


def _datetime(name: str, value: Any) -> datetime:
    if isinstance(value, str):
        try:
            return parse_rfc3339(value)
        except ValueError:
            pass
    raise WireError(f"{name} must be RFC 3339 with an offset", name)


def _date(name: str, value: Any) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise WireError(f"{name} must be a date (YYYY-MM-DD)", name)


def _member_of(kind: type[StrEnum]) -> Converter:
    def convert(name: str, value: Any) -> StrEnum:
        try:
            return kind(value)
        except ValueError:
            raise WireError(f"{name} {value!r} is not a known {kind.__name__}", name) from None

    return convert


def _json_container(name: str, value: Any) -> Any:
    if not isinstance(value, list | dict):
        raise WireError(f"{name} must be a JSON array or object", name)
    return value


def _list_of(item: Any) -> Converter:
    # Only the outer shape is checked here: a bill's rows are checked by BillAnswer, column by column.
    expected = "an array of strings" if item is str else "an array"
    inner = str if item is str else None

    def convert(name: str, value: Any) -> list[Any]:
        if not isinstance(value, list) or (inner is not None and not all(isinstance(v, inner) for v in value)):
            raise WireError(f"{name} must be {expected}", name)
        return value

    return convert


def _nested(kind: type[Any], name: str, value: Any) -> Any:
    try:
        return decode(kind, value)
    except WireError as exc:
        raise WireError(f"{name}.{exc.message}", f"{name}.{exc.field}" if exc.field else name) from None
