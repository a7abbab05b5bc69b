"""Checking a merchant request the way WeChat Pay does, in the same order and with the same answers.

Order: User-Agent (400, before anything about signatures), Authorization format and scheme, the
5-minute timestamp window (before the signature), the merchant, the certificate serial, the signature.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.wechatpay.signing import (
    SCHEME,
    AuthorizationFormatError,
    normalize_serial,
    parse_authorization,
    request_message,
)
from kiosk.wechatpay.verifying import TIMESTAMP_WINDOW, verify_signature

from .errors import ApiError
from .identity import Identity

MSG_FORMAT = "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"
MSG_SCHEME = "HTTP头Authorization认证类型不正确"
MSG_TIMESTAMP = "HTTP头Authorization中的timestamp与发起请求的时间不得超过5分钟"
MSG_SERIAL = "商户证书序列号有误。请使用签名私钥匹配的证书序列号"
MSG_NO_CERT = "商户未申请过证书"
MSG_SIGNATURE = "错误的签名，验签失败"


def _sign_error(message: str, detail: object = None) -> ApiError:
    return ApiError(401, "SIGN_ERROR", message, detail)


def canonical_url(raw_path: bytes, query_string: bytes) -> str:
    """Path and query exactly as they came over the wire (still percent-encoded)."""
    url = raw_path.decode("latin-1")
    return f"{url}?{query_string.decode('latin-1')}" if query_string else url


def check_user_agent(headers: Mapping[str, str]) -> None:
    if not headers.get("user-agent", "").strip():
        raise ApiError(400, "INVALID_REQUEST", "Http头缺少Accept或User-Agent")


def authenticate(
    identity: Identity,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    now: int,
    mch_not_exists_status: int = 400,
) -> str:
    """Return the calling merchant's mchid, or raise the ApiError WeChat Pay would answer with."""
    header = headers.get("authorization", "")
    scheme = header.partition(" ")[0]
    if not header.strip():
        raise _sign_error(MSG_FORMAT)
    if scheme != SCHEME:
        raise _sign_error(MSG_SCHEME)
    try:
        auth = parse_authorization(header)
    except AuthorizationFormatError:
        raise _sign_error(MSG_FORMAT) from None
    if abs(now - auth.timestamp) > TIMESTAMP_WINDOW:
        raise _sign_error(MSG_TIMESTAMP)
    if auth.mchid == identity.sub_mchid:
        # The sub-merchant exists but, in the sandbox, holds no API certificate of its own.
        raise _sign_error(MSG_NO_CERT)
    if auth.mchid not in (identity.mchid, identity.sp_mchid):
        raise ApiError(mch_not_exists_status, "MCH_NOT_EXISTS", "商户号不存在")
    if normalize_serial(auth.serial_no) != normalize_serial(identity.merchant_cert_serial):
        raise _sign_error(MSG_SERIAL)
    message = request_message(method, url, auth.timestamp, auth.nonce_str, body)
    if not verify_signature(identity.merchant_public_key, message, auth.signature):
        shown = message[:80].decode("utf-8", "replace")
        raise _sign_error(
            MSG_SIGNATURE,
            {
                "field": "signature",
                "location": "authorization",
                "detail": {"issue": "sign not match"},
                "sign_information": {
                    "method": method,
                    "url": url,
                    "sign_message_length": len(message),
                    "truncated_sign_message": shown,
                },
            },
        )
    return auth.mchid
