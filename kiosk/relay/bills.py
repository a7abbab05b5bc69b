"""Bill answers as the relay serves them: built once, off the event loop, and kept as encoded bytes.

A 100,000-row day is ~30 MB of JSON (~2 MB gzip-compressed), and building it (parsing the file, encoding every
row) takes a second or two of CPU. Built on the event loop, or decoded there again for every request, it held
up notifications past WeChat Pay's 5 s. So:

- the downloaded file is parsed and each store's answer encoded on a worker thread (:func:`build`), a slice of
  rows per call into the encoder (``kiosk.wire.encode_bill``), never with a list per row kept;
- the answers are gzip-compressed and kept in storage (shared by every relay on it, across restarts) and the
  latest ones in memory (:class:`Bodies`); requests for a day that is being built or loaded wait for that one
  build or load instead of starting their own;
- a request is answered with those bytes as they are (``Content-Encoding: gzip``, which every HTTP client
  takes), sent a slice at a time; a client that does not take gzip gets them decompressed on a worker thread.

In direct mode with several stores, the merchant's bill holds every store's rows: one download builds every
store's answer at once, each with only its own rows.
"""

from __future__ import annotations

import asyncio
import gzip
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.bulk import gc_paused
from kiosk.wire import BillAnswer, encode_bill

from .gateway import Bill

#: zlib's default: a 100,000-row day shrinks 16-fold in about 0.15 s (the GIL released meanwhile).
GZIP_LEVEL = 6
#: Encoded answers kept in memory, at most (the latest asked for stay).
MEMORY_BYTES = 64 * 1024 * 1024


def _compress(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def answer_bytes(
    bill: Bill,
    bill_date: date,
    store_id: str,
    *,
    cached: bool,
    values: list[list[Any]] | None = None,
    filtered_for_store: bool | None = None,
) -> bytes:
    """The JSON of the answer (``kiosk.wire.BillAnswer``) for ``store_id``'s ``bill`` of ``bill_date``;
    ``values``: the store's rows, column by column, when they are not all of the bill's."""
    head = BillAnswer(
        bill_date=bill_date,
        store_id=store_id,
        cached=cached,
        bill_type=bill.bill_type,
        columns=bill.columns,
        rows=[],
        summary=bill.summary,
        filtered_for_store=filtered_for_store,
    )
    return encode_bill(head, bill.values if values is None else values)


@dataclass(frozen=True)
class Built:
    #: The asking store's answer (``cached: false``), gzip-compressed.
    served: bytes
    #: Every store's answer from now on (``cached: true``), gzip-compressed, for storage.
    kept: dict[str, bytes]


def build(bill: Bill, bill_date: date, asking: str, owners: Mapping[str, str] | None, stores: Iterable[str]) -> Built:
    """Each store's answer (work for a worker thread). ``owners`` maps the bill's order numbers to their stores
    when the bill is the merchant's for several stores (direct mode): each store gets only its rows."""
    with gc_paused():
        return _build(bill, bill_date, asking, owners, stores)


def _build(bill: Bill, bill_date: date, asking: str, owners: Mapping[str, str] | None, stores: Iterable[str]) -> Built:
    if owners is None:
        served = _compress(answer_bytes(bill, bill_date, asking, cached=False))
        return Built(served, {asking: _compress(answer_bytes(bill, bill_date, asking, cached=True))})
    numbers = bill.values[bill.columns.index("out_trade_no")]
    picked: dict[str, list[int]] = {store: [] for store in stores}
    for index, number in enumerate(numbers):
        rows = picked.get(owners.get(number, ""))
        if rows is not None:
            rows.append(index)
    kept: dict[str, bytes] = {}
    served = b""
    for store, rows in picked.items():
        values = [[column[index] for index in rows] for column in bill.values]
        for cached in (True, False) if store == asking else (True,):
            body = answer_bytes(bill, bill_date, store, cached=cached, values=values, filtered_for_store=True)
            body = _compress(body)
            if cached:
                kept[store] = body
            else:
                served = body
    return Built(served, kept)


class Bodies:
    """Encoded answers in memory, up to ``capacity`` bytes (least recently asked for out first), and one
    production per key at a time: whoever asks while a body is built or loaded waits for that one."""

    def __init__(self, capacity: int = MEMORY_BYTES) -> None:
        self.capacity = capacity
        self._kept: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._producing: dict[Hashable, asyncio.Task[tuple[bytes, bytes]]] = {}

    async def get(self, key: Hashable, produce: Callable[[], Awaitable[tuple[bytes, bytes]]]) -> bytes:
        """The body under ``key``; ``produce()`` gives ``(served, kept)``: what the callers waiting for it get,
        and what later callers get."""
        body = self._kept.get(key)
        if body is not None:
            self._kept.move_to_end(key)
            return body
        task = self._producing.get(key)
        if task is None:
            task = asyncio.ensure_future(produce())
            self._producing[key] = task
            task.add_done_callback(lambda done: self._produced(key, done))
        served, _ = await asyncio.shield(task)  # one caller hanging up does not stop it for the others
        return served

    def _produced(self, key: Hashable, task: asyncio.Task[tuple[bytes, bytes]]) -> None:
        del self._producing[key]
        if task.cancelled() or task.exception() is not None:
            return  # not kept: the next caller tries again
        kept = task.result()[1]
        if len(kept) <= self.capacity:
            self._kept[key] = kept
            self._size += len(kept)
            while self._size > self.capacity:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped)
