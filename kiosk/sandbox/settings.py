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
            if name == "expired_order_state" and value not in (TradeState.NOTPAY, TradeState.CLOSED):
                raise ValueError("expired_order_state must be NOTPAY or CLOSED")
            if name == "refund_outcome" and value not in REFUND_OUTCOMES:
                raise ValueError("refund_outcome must be SUCCESS, ABNORMAL or CLOSED")
        for name, value in changes.items():
            setattr(self, name, value)
        store.set_setting("settings", asdict(self))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
