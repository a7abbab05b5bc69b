"""Notifications: raw headers and body in, a verified, decrypted, typed event out.

The order is fixed: authenticate the raw bytes (time window, serial, signature — probes fail like any bad
signature), only then parse the JSON and decrypt the resource. Unknown algorithms, resource types and event
types are rejected loudly rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.clock import Clock

from . import aead
from ._fields import decode_object, obj, opt_str, req_str, req_time
from .errors import ResponseFormatError
from .native import Transaction
from .refunds import RefundNotice
from .verifying import TIMESTAMP_WINDOW, Verifier, validate

ENCRYPT_RESOURCE = "encrypt-resource"


@dataclass(frozen=True)
class Notification:
    """A verified and decrypted notification of any event type (the typed events build on it)."""

    id: str
    create_time: datetime
    event_type: str
    resource_type: str
    summary: str
    original_type: str | None
    plaintext: bytes
    serial: str


@dataclass(frozen=True)
class PaymentEvent:
    id: str
    create_time: datetime
    event_type: str
    summary: str
    transaction: Transaction


@dataclass(frozen=True)
class RefundEvent:
    id: str
    create_time: datetime
    event_type: str
    summary: str
    refund: RefundNotice


class NotificationParser:
    """Parses notifications for one merchant (``apiv3_key``) with one verifier and clock."""

    def __init__(self, verifier: Verifier, apiv3_key: bytes, clock: Clock, *, window: int = TIMESTAMP_WINDOW):
        self._verifier = verifier
        self._key = apiv3_key
        self._clock = clock
        self._window = window

    def __repr__(self) -> str:
        return f"NotificationParser(verifier={self._verifier!r})"

    def open(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify and decrypt any notification, without interpreting the resource."""
        signed = validate(headers, body, self._verifier, now=lambda: self._clock.now().timestamp(), window=self._window)
        data = decode_object(body, "notification")
        resource_type = req_str(data, "resource_type")
        if resource_type != ENCRYPT_RESOURCE:
            raise ResponseFormatError(f"unsupported notification resource_type {resource_type!r}")
        resource = obj(data, "resource")
        algorithm = req_str(resource, "algorithm")
        if algorithm != aead.ALGORITHM:
            raise ResponseFormatError(f"unsupported notification algorithm {algorithm!r}")
        plaintext = aead.decrypt(
            self._key,
            req_str(resource, "nonce"),
            opt_str(resource, "associated_data") or "",
            req_str(resource, "ciphertext"),
        )
        return Notification(
            id=req_str(data, "id"),
            create_time=req_time(data, "create_time"),
            event_type=req_str(data, "event_type"),
            resource_type=resource_type,
            summary=opt_str(data, "summary") or "",
            original_type=opt_str(resource, "original_type"),
            plaintext=plaintext,
            serial=signed.serial,
        )

    def parse(self, headers: Mapping[str, str], body: bytes) -> PaymentEvent | RefundEvent:
        """A payment (TRANSACTION.*) or refund (REFUND.*) event; anything else is an error."""
        note = self.open(headers, body)
        resource: dict[str, Any] = decode_object(note.plaintext, "notification resource")
        if note.event_type.startswith("TRANSACTION."):
            return PaymentEvent(
                note.id, note.create_time, note.event_type, note.summary, Transaction.from_json(resource)
            )
        if note.event_type.startswith("REFUND."):
            return RefundEvent(
                note.id, note.create_time, note.event_type, note.summary, RefundNotice.from_json(resource)
            )
        raise ResponseFormatError(f"unsupported notification event_type {note.event_type!r}")
