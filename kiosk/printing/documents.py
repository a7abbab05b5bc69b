"""Receipt documents: pure layout, no I/O.

A :class:`Document` is a sequence of blocks that says *what* to print. :func:`layout` turns it into
fixed-width lines for a given paper width; the ESC/POS renderer and the PNG preview both print those
lines, so the preview shows exactly what the printer gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from kiosk.clock import CHINA_TZ
from kiosk.money import format_yuan
from kiosk.printing.text import display_width, pad, sanitize, strip_controls, wrap

Align = Literal["left", "center", "right"]

TRAINING_MARK = "*** 培训模式 TRAINING ***"
REPRINT_MARK = "*** 重印 REPRINT ***"


# ---------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class StoreInfo:
    name: str
    address: str
    phone: str | None = None


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    quantity: int
    unit_price_fen: int
    total_fen: int


# ---------------------------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped to the paper width; ``width``/``height`` are character magnifications (1-8)."""

    text: str
    align: Align = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class Columns:
    """One table row. ``widths``: a fixed column width, or ``None`` for the one column that takes the rest
    (and wraps). Fixed cells never wrap; the flexible cell's continuation lines leave them blank and start
    ``indent`` columns in (so a long item name does not read as the next item)."""

    cells: tuple[str, ...]
    widths: tuple[int | None, ...]
    aligns: tuple[Align, ...]
    bold: bool = False
    indent: int = 0


@dataclass(frozen=True)
class Field:
    """``label ........ value`` on one line, or label then right-aligned value when too long."""

    label: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class QR:
    data: str


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


@dataclass(frozen=True)
class Drawer:
    """Kick the cash drawer (on the profile's pin; nothing if the profile has none)."""


@dataclass(frozen=True)
class Mark:
    """A training or reprint mark, so a copy can never pass for an original or a real receipt."""

    kind: Literal["training", "reprint"]


Block = Text | Columns | Field | Rule | QR | Feed | Cut | Drawer | Mark
_BLOCK_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Text, Columns, Field, Rule, QR, Feed, Cut, Drawer, Mark)
}


@dataclass(frozen=True)
class Document:
    """What to print. ``kind`` names the document type (``payment_slip``, ``z_report``, ...)."""

    kind: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    @property
    def qr_payloads(self) -> list[str]:
        return [block.data for block in self.blocks if isinstance(block, QR)]

    @property
    def is_reprint(self) -> bool:
        return any(isinstance(block, Mark) and block.kind == "reprint" for block in self.blocks)

    def marked_reprint(self) -> Document:
        """This document with a reprint mark at the top (unchanged if it already has one)."""
        if self.is_reprint:
            return self
        return replace(self, blocks=(Mark("reprint"), *self.blocks))

    def to_json(self) -> str:
        blocks = [{"type": type(block).__name__, **asdict(block)} for block in self.blocks]
        return json.dumps({"kind": self.kind, "blocks": blocks}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Document:
        data = json.loads(text)
        blocks: list[Block] = []
        for raw in data["blocks"]:
            block_type = _BLOCK_TYPES[raw.pop("type")]
            names = {f.name for f in fields(block_type)}
            values = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items() if k in names}
            blocks.append(block_type(**values))
        return cls(kind=data["kind"], blocks=tuple(blocks))


# ---------------------------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Line:
    """One printed line: ``text`` is sanitised and at most ``columns // width`` display columns wide."""

    text: str
    align: Align = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class QrLine:
    data: str


@dataclass(frozen=True)
class FeedLine:
    lines: int


@dataclass(frozen=True)
class CutLine:
    pass


@dataclass(frozen=True)
class DrawerLine:
    pass


Laid = Line | QrLine | FeedLine | CutLine | DrawerLine


@dataclass(frozen=True)
class Metrics:
    """How a printer measures text: ``double_byte`` means non-ASCII prints two columns wide (GBK rule)."""

    columns: int
    encoding: str = "gbk"
    double_byte: bool = True
    #: Lines the encoding cannot print go out as images: keep their characters, drop only controls.
    keep_unencodable: bool = False

    def clean(self, text: str) -> str:
        if self.keep_unencodable:
            return strip_controls(text)
        return sanitize(text, self.encoding, double_byte=self.double_byte)

    def width(self, text: str) -> int:
        return display_width(text, self.encoding) if self.double_byte else len(text)

    def wrap(self, text: str, columns: int, indent: int = 0) -> list[str]:
        return wrap(text, columns, self.encoding if self.double_byte else "latin-1", indent=indent)

    def pad(self, text: str, columns: int, align: Align) -> str:
        return pad(text, columns, align, self.encoding if self.double_byte else "latin-1")


def layout(document: Document | Iterable[Block], metrics: Metrics) -> list[Laid]:
    """Lay ``document`` out for a paper ``metrics.columns`` wide."""
    out: list[Laid] = []
    columns = metrics.columns
    for block in document:
        match block:
            case Text():
                scale = max(1, min(8, block.width))
                for text in metrics.wrap(metrics.clean(block.text), max(2, columns // scale)):
                    out.append(Line(text, block.align, block.bold, scale, max(1, min(8, block.height))))
            case Columns():
                out.extend(_layout_columns(block, metrics))
            case Field():
                out.extend(_layout_field(block, metrics))
            case Rule():
                char = metrics.clean(block.char)[:1] or "-"
                out.append(Line(char * (columns // metrics.width(char))))
            case QR():
                out.append(QrLine(block.data))
            case Feed():
                out.append(FeedLine(max(0, block.lines)))
            case Cut():
                out.append(CutLine())
            case Drawer():
                out.append(DrawerLine())
            case Mark():
                text = TRAINING_MARK if block.kind == "training" else REPRINT_MARK
                for part in metrics.wrap(metrics.clean(text), columns):
                    out.append(Line(part, "center", True))
    return out


def _layout_columns(block: Columns, metrics: Metrics) -> list[Line]:
    if not (len(block.cells) == len(block.widths) == len(block.aligns)):
        raise ValueError("cells, widths and aligns must have the same length")
    cells = [metrics.clean(cell).replace("\n", " ") for cell in block.cells]
    # A fixed cell wider than its column widens it (an amount is never cut); alignment suffers on that row only.
    widths = [None if w is None else max(w, metrics.width(c)) for w, c in zip(block.widths, cells, strict=True)]
    flexible = [i for i, w in enumerate(widths) if w is None]
    if len(flexible) > 1:
        raise ValueError("at most one flexible column")
    fixed_total = sum(w for w in widths if w is not None)
    if not flexible and fixed_total > metrics.columns:
        # Fixed columns that cannot share a line: print each cell on lines of its own.
        return [
            Line(text, align, block.bold)
            for cell, align in zip(cells, block.aligns, strict=True)
            for text in metrics.wrap(cell, metrics.columns)
        ]
    rest = metrics.columns - fixed_total
    if flexible and rest < 2:
        # Not even room for one character: the flexible cell goes on lines of its own.
        alone = [Line(t, bold=block.bold) for t in metrics.wrap(cells[flexible[0]], metrics.columns, block.indent)]
        others = Columns(
            tuple(c for i, c in enumerate(cells) if i != flexible[0]),
            tuple(w for i, w in enumerate(widths) if i != flexible[0]),
            tuple(a for i, a in enumerate(block.aligns) if i != flexible[0]),
            block.bold,
        )
        return alone + _layout_columns(replace(others, widths=(None, *others.widths[1:])), metrics)
    resolved = [rest if w is None else w for w in widths]
    wrapped = [
        metrics.wrap(cell, width, block.indent) if i in flexible else [cell]
        for i, (cell, width) in enumerate(zip(cells, resolved, strict=True))
    ]
    height = max(len(parts) for parts in wrapped)
    lines: list[Line] = []
    for row in range(height):
        parts = [
            metrics.pad(chunks[row] if row < len(chunks) else "", width, align)
            for chunks, width, align in zip(wrapped, resolved, block.aligns, strict=True)
        ]
        lines.append(Line("".join(parts).rstrip(), bold=block.bold))
    return lines


def _layout_field(block: Field, metrics: Metrics) -> list[Line]:
    label, value = metrics.clean(block.label), metrics.clean(block.value)
    gap = metrics.columns - metrics.width(label) - metrics.width(value)
    if gap >= 1:
        return [Line(label + " " * gap + value, bold=block.bold)]
    lines = [Line(t, bold=block.bold) for t in metrics.wrap(label, metrics.columns)]
    lines += [Line(t, "right", block.bold) for t in metrics.wrap(value, metrics.columns)]
    return lines


# ---------------------------------------------------------------------------------------------- builders

#: Item table: quantity and amount columns are fixed, so they line up on every paper width
#: (their right edges are the paper's last columns: 32 on 58 mm, 48 on 80 mm).
QTY_WIDTH = 5
AMOUNT_WIDTH = 11
#: Continuation lines of a long item name start this far in.
NAME_INDENT = 2


def _when(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: receipt times must be timezone-aware")
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _check_fen(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be int fen, got {value!r}")


def _header(store: StoreInfo, title: str, *, training: bool, reprint: bool) -> list[Block]:
    blocks: list[Block] = []
    if training:
        blocks.append(Mark("training"))
    if reprint:
        blocks.append(Mark("reprint"))
    blocks.append(Text(store.name, "center", bold=True, width=2, height=2))
    blocks.append(Text(store.address, "center"))
    if store.phone:
        blocks.append(Text(f"电话 Tel: {store.phone}", "center"))
    blocks.append(Rule("="))
    blocks.append(Text(title, "center", bold=True))
    return blocks


def _order(out_trade_no: str, short_no: str | None, kiosk: str | None, clerk: str | None) -> list[Block]:
    """The order's short number, large (what the clerk and customer call it), then the full number."""
    blocks: list[Block] = []
    if short_no:
        blocks.append(Text(f"单号 No. {short_no}", "center", bold=True, width=2, height=2))
    blocks.append(Field("订单号 Order", out_trade_no))
    if kiosk:
        blocks.append(Field("收银机 Kiosk", kiosk))
    if clerk:
        blocks.append(Field("收银员 Clerk", clerk))
    return blocks


def _items(items: Sequence[ReceiptItem], total_fen: int, total_label: str = "合计 Total") -> list[Block]:
    _check_fen("total_fen", total_fen)
    blocks: list[Block] = [
        Rule(),
        Columns(("商品 Item", "数量", "金额"), (None, QTY_WIDTH, AMOUNT_WIDTH), ("left", "right", "right")),
    ]
    for item in items:
        _check_fen("unit_price_fen", item.unit_price_fen)
        _check_fen("total_fen", item.total_fen)
        blocks.append(
            Columns(
                (item.name, str(item.quantity), format_yuan(item.total_fen)),
                (None, QTY_WIDTH, AMOUNT_WIDTH),
                ("left", "right", "right"),
                indent=NAME_INDENT,
            )
        )
        if item.quantity != 1:
            blocks.append(Text(f"{' ' * NAME_INDENT}@ {format_yuan(item.unit_price_fen)}"))
    blocks.append(Rule())
    blocks.append(Field("件数 Items", str(sum(item.quantity for item in items))))
    blocks.append(Field(total_label, format_yuan(total_fen), bold=True))
    return blocks


def _footer(training: bool) -> list[Block]:
    blocks: list[Block] = []
    if training:
        blocks.append(Mark("training"))
    blocks.append(Cut())
    return blocks


def payment_slip(
    store: StoreInfo,
    out_trade_no: str,
    items: Sequence[ReceiptItem],
    total_fen: int,
    code_url: str,
    expires_at: datetime,
    *,
    short_no: str | None = None,
    kiosk: str | None = None,
    training: bool = False,
    reprint: bool = False,
) -> Document:
    """The slip the customer scans: items, total, the QR of ``code_url`` and its expiry time."""
    if not code_url:
        raise ValueError("payment slip without a code_url")
    blocks = _header(store, "付款单 PAYMENT SLIP", training=training, reprint=reprint)
    blocks += _order(out_trade_no, short_no, kiosk, None)
    blocks += _items(items, total_fen)
    blocks += [
        Feed(1),
        Text("请使用微信扫一扫支付", "center", bold=True),
        Text("Scan with WeChat to pay", "center"),
        QR(code_url),
        Text(f"应付 {format_yuan(total_fen)}", "center", bold=True, height=2),
        Text(f"请在 {_when(expires_at)} 前支付", "center"),
        Text("Pay before the time above", "center"),
    ]
    blocks += _footer(training)
    return Document("payment_slip", tuple(blocks))


def paid_receipt(
    store: StoreInfo,
    out_trade_no: str,
    items: Sequence[ReceiptItem],
    total_fen: int,
    transaction_id: str,
    paid_at: datetime,
    payer_total_fen: int | None = None,
    *,
    short_no: str | None = None,
    kiosk: str | None = None,
    clerk: str | None = None,
    training: bool = False,
    reprint: bool = False,
    method: str = "微信支付 WeChat Pay",
) -> Document:
    """The receipt after WeChat Pay confirmed the payment; ``method`` says how the customer paid."""
    blocks = _header(store, "收据 RECEIPT", training=training, reprint=reprint)
    blocks += _order(out_trade_no, short_no, kiosk, clerk)
    blocks += _items(items, total_fen)
    if payer_total_fen is not None and payer_total_fen != total_fen:
        _check_fen("payer_total_fen", payer_total_fen)
        blocks.append(Field("实付 Paid", format_yuan(payer_total_fen), bold=True))
    blocks += [
        Field("支付方式 Method", method),
        Field("微信支付单号 Transaction", transaction_id),
        Field("支付时间 Paid at", _when(paid_at)),
        Feed(1),
        Text("谢谢惠顾 Thank you!", "center", bold=True),
    ]
    blocks += _footer(training)
    return Document("paid_receipt", tuple(blocks))


def refund_slip(
    store: StoreInfo,
    out_trade_no: str,
    out_refund_no: str,
    refund_fen: int,
    reason: str,
    refunded_at: datetime,
    *,
    order_total_fen: int | None = None,
    order_items: Sequence[ReceiptItem] = (),
    short_no: str | None = None,
    kiosk: str | None = None,
    clerk: str | None = None,
    training: bool = False,
    reprint: bool = False,
) -> Document:
    """Proof of a refund for the customer (the money goes back to their WeChat balance or card), with the
    original order's items and total when known, so the customer sees what the refund was taken from."""
    _check_fen("refund_fen", refund_fen)
    blocks = _header(store, "退款单 REFUND", training=training, reprint=reprint)
    blocks += _order(out_trade_no, short_no, kiosk, clerk)
    blocks.append(Field("退款单号 Refund", out_refund_no))
    if order_total_fen is not None:
        blocks.append(Text("原订单 Original order", bold=True))
        blocks += _items(order_items, order_total_fen, "原订单金额 Order total")
    blocks += [
        Rule(),
        Field("退款金额 Amount", format_yuan(refund_fen), bold=True),
        Field("原因 Reason", reason),
        Field("退款时间 Time", _when(refunded_at)),
        Text("款项将原路退回 Refunded to the original payment method"),
        Feed(1),
        Text("顾客签名 Signature:"),
        Feed(2),
        Rule(),
    ]
    blocks += _footer(training)
    return Document("refund_slip", tuple(blocks))
