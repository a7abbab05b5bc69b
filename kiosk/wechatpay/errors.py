"""The one exception hierarchy of the WeChat Pay client.

    WeChatPayError
    ├── ConfigurationError        bad credentials or settings, raised at start-up
    ├── ValidationError           a request field is invalid; nothing was sent
    ├── TransportError            the request may not have reached WeChat Pay
    │   ├── ConnectError          no connection could be made (never reached the server)
    │   └── TimeoutError          no answer in time (it may have been processed)
    ├── APIError                  WeChat Pay answered with an error status and body
    ├── ResponseFormatError       a verified response or notification has an unexpected shape
    ├── BillFormatError           a bill file cannot be parsed; names the line
    └── VerificationError         a signature, timestamp, serial or hash check failed
        ├── SignatureError        the signature does not match (tampered, forged or a probe)
        ├── StaleTimestampError   the timestamp is more than 5 minutes off
        ├── UnknownSerialError    no key is known for the Wechatpay-Serial
        ├── DecryptionError       AEAD tag mismatch or malformed ciphertext
        ├── HashMismatchError     a downloaded bill does not match its announced hash
        └── ResponseMismatchError a genuine response that answers a different request (replay)

Every error says whether repeating the same request is safe (`retryable`).
"""

from __future__ import annotations

from typing import Any


class WeChatPayError(Exception):
    """Base of every error raised by :mod:`kiosk.wechatpay`."""

    retryable: bool = False


class ConfigurationError(WeChatPayError):
    """Credentials or settings are unusable; names the file or setting at fault."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


class ValidationError(WeChatPayError):
    """A request field breaks WeChat Pay's rules; the request was not sent."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class TransportError(WeChatPayError):
    """The request failed below HTTP (connection, timeout, protocol)."""

    retryable = True


class ConnectError(TransportError):
    """No connection could be established."""


class TimeoutError(TransportError):
    """The server did not answer in time; the request may or may not have been processed."""


# Codes for which the same request may be sent again (WeChat Pay documents these as transient).
_RETRYABLE_CODES = frozenset({"SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANK_ERROR", "STATEMENT_CREATING"})


class APIError(WeChatPayError):
    """WeChat Pay answered with a non-2xx status.

    Error responses are not signed, so an APIError is reported but never taken as an order state.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: Any = None,
        request_id: str | None = None,
    ) -> None:
        prefix = f"[{request_id}] " if request_id else ""
        super().__init__(f"{prefix}HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.request_id = request_id

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status >= 500 or self.status == 429 or self.code in _RETRYABLE_CODES


class ResponseFormatError(WeChatPayError):
    """A response or notification passed verification but its content is not what the API documents.

    Also raised for notifications with an unknown ``resource_type``, ``algorithm`` or ``event_type``.
    """


class BillFormatError(WeChatPayError):
    """A bill file is malformed; ``line`` is the 1-based line number (0 when the file as a whole is wrong)."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"bill line {line}: {problem}" if line else f"bill: {problem}")
        self.line = line
        self.problem = problem


class VerificationError(WeChatPayError):
    """A response or notification could not be authenticated; its content must not be used."""


class SignatureError(VerificationError):
    """The signature does not match the message."""


class StaleTimestampError(VerificationError):
    """The signed timestamp is outside the allowed window."""


class UnknownSerialError(VerificationError):
    """No verification key is known for the serial or public key id."""

    def __init__(self, serial: str) -> None:
        super().__init__(f"no WeChat Pay key known for serial {serial!r}")
        self.serial = serial


class DecryptionError(VerificationError):
    """AEAD decryption failed (wrong key, tampered ciphertext or associated data)."""


class HashMismatchError(VerificationError):
    """A downloaded file does not match the hash announced in the signed response."""


class ResponseMismatchError(VerificationError):
    """A correctly signed response that does not belong to the request (another order, another merchant).

    The signature covers only the body, so a response captured earlier could be replayed; the identity
    fields are checked against the request.
    """
