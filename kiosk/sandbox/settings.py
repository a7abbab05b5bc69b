"""Switches that make the sandbox behave like different kinds of merchant accounts."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from kiosk.trade import RefundStatus, TradeState

from .store import Store

#: The final refund statuses a refund in PROCESSING can reach, with the notification each one sends.
REFUND_OUTCOMES = {
    RefundStatus.SUCCESS: ("REFUND.SUCCESS", "退款成功"),
    RefundStatus.ABNORMAL: ("REFUND.ABNORMAL", "退款异常"),
    RefundStatus.CLOSED: ("REFUND.CLOSED", "退款关闭"),
}


_CHOICES = {
    "expired_order_state": (TradeState.NOTPAY, TradeState.CLOSED),
    "refund_outcome": tuple(REFUND_OUTCOMES),
    "codepay_unpaid_outcome": (TradeState.REVOKED, TradeState.PAYERROR),
}


@dataclass
class Settings:
    #: ``GET /v3/certificates`` serves platform certificates; False = a public-key-only merchant
    #: (created after late 2024), which gets 404 RESOURCE_NOT_EXISTS there.
    certificates_available: bool = True
    #: Sign notifications with the WeChat Pay public key (``Wechatpay-Serial: PUB_KEY_ID_…``) instead of
    #: the platform certificate. Forced on when certificates are unavailable.
    public_key_mode: bool = False
    #: What a query shows for an unpaid order past time_expire: "NOTPAY" (reported behaviour) or "CLOSED".
    expired_order_state: str = TradeState.NOTPAY.value
    #: How refunds end when their processing time is over: "SUCCESS"; "ABNORMAL" (the customer's card was
    #: frozen or closed: the money left the merchant but did not arrive, to be handled in the merchant
    #: platform); or "CLOSED" (the merchant's balance never covered it: nothing moved, refundable again).
    #: Applies to refunds created while it is set.
    refund_outcome: str = RefundStatus.SUCCESS.value

    # Payment-code payment, where the protocol is open (docs/sandbox.md, "Payment-code payment").
    #: Seconds of sandbox time a payment code stays valid after it was issued.
    payment_code_lifetime: int = 60
    #: What an order whose password is never entered becomes 45 s after it was created: "REVOKED" (WeChat Pay
    #: reverses it itself) or "PAYERROR". Applies to orders charged while it is set.
    codepay_unpaid_outcome: str = TradeState.REVOKED.value
    #: A charge refused for good (insufficient funds, a bad code) leaves an order that queries show as
    #: PAYERROR (True), or none at all, so queries answer 404 ORDER_NOT_EXIST (False).
    codepay_failure_recorded: bool = True
    #: Reversing an order that does not exist answers 200 (True), as reported, or 404 ORDER_NOT_EXIST (False).
    codepay_reverse_unknown_ok: bool = True
    #: Fields the code-pay and reverse APIs do not define (notify_url, time_expire, payer.openid …) are
    #: refused with 400 PARAM_ERROR (True) or ignored (False).
    codepay_strict_fields: bool = True
    #: Status and code of the refusals that have no published v3 code (expired, used or invalid payment code).
    codepay_code_error_status: int = 403
    codepay_code_error_code: str = "TRADE_ERROR"

    @property
    def notifications_use_public_key(self) -> bool:
        return self.public_key_mode or not self.certificates_available

    @classmethod
    def load(cls, store: Store) -> Settings:
        stored = store.get_setting("settings", {})
        return cls(**{f.name: stored[f.name] for f in fields(cls) if f.name in stored})

    def update(self, changes: dict[str, Any], store: Store) -> None:
        """Apply known settings (type-checked) or raise ValueError naming the bad one."""
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}")
            current = getattr(self, name)
            if type(value) is not type(current):
                raise ValueError(f"{name} must be a {type(current).__name__}")
            allowed = _CHOICES.get(name)
            if allowed is not None and value not in allowed:
                raise ValueError(f"{name} must be {' or '.join(allowed)}")
            if name == "payment_code_lifetime" and value < 1:
                raise ValueError("payment_code_lifetime must be at least 1 second")
            if name == "codepay_code_error_status" and not 400 <= value <= 499:
                raise ValueError("codepay_code_error_status must be a 4xx status")
            if name == "codepay_code_error_code" and not value.strip():
                raise ValueError("codepay_code_error_code must not be empty")
        for name, value in changes.items():
            setattr(self, name, value)
        store.set_setting("settings", asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
