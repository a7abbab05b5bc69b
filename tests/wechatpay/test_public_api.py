"""The public namespace is a contract with the relay and the sandbox: changes to it are deliberate."""

from __future__ import annotations

import kiosk.wechatpay as wechatpay

EXPECTED = {
    "APIError",
    "BillFormatError",
    "BillRow",
    "BillSummary",
    "BillTicket",
    "CertificateVerifier",
    "CodePayOrder",
    "CodePayOutcome",
    "CodePayResult",
    "CombinedVerifier",
    "ConfigurationError",
    "ConnectError",
    "Credentials",
    "DecryptionError",
    "DirectMerchant",
    "FundFlowBill",
    "FundFlowRow",
    "FundFlowSummary",
    "GoodsDetail",
    "HashMismatchError",
    "Merchant",
    "NativeOrder",
    "Notification",
    "NotificationParser",
    "PartnerMerchant",
    "PaymentCodeKind",
    "PaymentEvent",
    "PlatformCertificate",
    "PublicKeyVerifier",
    "Refund",
    "RefundEvent",
    "RefundNotice",
    "RefundRequest",
    "ResponseFormatError",
    "ResponseMismatchError",
    "RetryPolicy",
    "SignatureError",
    "StaleTimestampError",
    "SyncWeChatPayClient",
    "TimeoutError",
    "TradeBill",
    "Transaction",
    "TransportError",
    "UnknownSerialError",
    "ValidationError",
    "VerificationError",
    "Verifier",
    "WeChatPayClient",
    "WeChatPayError",
    "classify_payment_code",
    "mask_payment_code",
    "normalize_payment_code",
    "parse_fundflow_bill",
    "parse_trade_bill",
}


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert set(wechatpay.__all__) == EXPECTED
    assert len(wechatpay.__all__) == len(EXPECTED)
    for name in wechatpay.__all__:
        assert getattr(wechatpay, name) is not None


def test_every_error_derives_from_the_one_base() -> None:
    errors = [getattr(wechatpay, name) for name in EXPECTED if name.endswith("Error")]
    assert all(issubclass(error, wechatpay.WeChatPayError) for error in errors)
    assert issubclass(wechatpay.HashMismatchError, wechatpay.VerificationError)
    assert issubclass(wechatpay.ConnectError, wechatpay.TransportError)
    assert issubclass(wechatpay.TimeoutError, wechatpay.TransportError)
    assert wechatpay.TransportError("x").retryable and not wechatpay.SignatureError("x").retryable
