"""WeChat Pay APIv3 client library for Native (scan-to-pay) and payment-code payments, direct and partner mode.

The public namespace is this module; the submodules are free to change. See docs/wechatpay.md.
"""

from __future__ import annotations

from kiosk.trade import CodePayOutcome  # the payment vocabulary's word for a charge's outcome, offered here too

from .bills import (
    BillRow,
    BillSummary,
    BillTicket,
    FundFlowBill,
    FundFlowRow,
    FundFlowSummary,
    TradeBill,
    parse_fundflow_bill,
    parse_trade_bill,
)
from .certificates import PlatformCertificate
from .client import SyncWeChatPayClient, WeChatPayClient
from .codepay import CodePayOrder, CodePayResult
from .credentials import Credentials, DirectMerchant, Merchant, PartnerMerchant
from .errors import (
    APIError,
    BillFormatError,
    ConfigurationError,
    ConnectError,
    DecryptionError,
    HashMismatchError,
    ResponseFormatError,
    ResponseMismatchError,
    SignatureError,
    StaleTimestampError,
    TimeoutError,
    TransportError,
    UnknownSerialError,
    ValidationError,
    VerificationError,
    WeChatPayError,
)
from .native import GoodsDetail, NativeOrder, Transaction
from .notifications import Notification, NotificationParser, PaymentEvent, RefundEvent
from .paycode import PaymentCodeKind, classify_payment_code, mask_payment_code, normalize_payment_code
from .refunds import Refund, RefundNotice, RefundRequest
from .retry import RetryPolicy
from .verifying import CertificateVerifier, CombinedVerifier, PublicKeyVerifier, Verifier

__all__ = [
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
]
