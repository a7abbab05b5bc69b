"""Request body validation with WeChat Pay's PARAM_ERROR messages and ``detail``.

A small declarative schema: each field has a JSON type, whether it is required, and limits. Lengths
are counted in UTF-8 bytes, the stricter reading where the reference is uncertain (description).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from kiosk.clock import parse_rfc3339

from .errors import ApiError, param_error


@dataclass(frozen=True)
class Field:
    label: str
    type: str  # "string" | "integer" | "boolean" | "object" | "array"
    required: bool = False
    max_bytes: int | None = None
    min_length: int | None = None
    pattern: re.Pattern[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    children: dict[str, Field] = field(default_factory=dict)
    items: Field | None = None
    check: str | None = None  # named extra check: "rfc3339", "notify_url", "currency"
    secret: bool = False  # never echoed in an error's detail (the payment code)


OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]+")
OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]+")
NOTIFY_URL = re.compile(r"https?://([^\s/?#\[\]@]+@)?([^\s/?#@:]+)(?::\d{2,5})?([^\s?#\[\]]*)")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
MAX_INT = 2**31 - 1

S = "string"
I = "integer"  # noqa: E741 - a schema shorthand
B = "boolean"

_GOODS = Field(
    "单品列表",
    "object",
    children={
        "merchant_goods_id": Field("商户侧商品编码", S, True, 32),
        "wechatpay_goods_id": Field("微信支付商品编码", S, False, 32),
        "goods_name": Field("商品名称", S, False, 256),
        "quantity": Field("商品数量", I, True, minimum=1, maximum=MAX_INT),
        "unit_price": Field("商品单价", I, True, minimum=0, maximum=MAX_INT),
    },
)

_COMMON_ORDER: dict[str, Field] = {
    "description": Field("商品描述", S, True, 127, min_length=1),
    "out_trade_no": Field("商户订单号", S, True, 32, min_length=6, pattern=OUT_TRADE_NO),
    "time_expire": Field("交易结束时间", S, False, 64, check="rfc3339"),
    "attach": Field("附加数据", S, False, 128),
    "notify_url": Field("通知地址", S, True, 255, check="notify_url"),
    "goods_tag": Field("订单优惠标记", S, False, 32),
    "support_fapiao": Field("电子发票入口开放标识", B),
    "limit_pay": Field("指定支付方式", "array", items=Field("指定支付方式", S, max_bytes=32)),
    "amount": Field(
        "订单金额",
        "object",
        True,
        children={
            "total": Field("总金额", I, True, minimum=1, maximum=MAX_INT),
            "currency": Field("货币类型", S, False, 16, check="currency"),
        },
    ),
    "detail": Field(
        "优惠功能",
        "object",
        max_bytes=6144,
        children={
            "cost_price": Field("订单原价", I, minimum=0, maximum=MAX_INT),
            "invoice_id": Field("商品小票ID", S, False, 32),
            "goods_detail": Field("单品列表", "array", items=_GOODS),
        },
    ),
    "scene_info": Field(
        "场景信息",
        "object",
        children={
            "payer_client_ip": Field("用户终端IP", S, True, 45, check="ip"),
            "device_id": Field("商户端设备号", S, False, 32),
            "store_info": Field(
                "商户门店信息",
                "object",
                children={
                    "id": Field("门店编号", S, True, 32),
                    "name": Field("门店名称", S, False, 256),
                    "area_code": Field("地区编码", S, False, 32),
                    "address": Field("详细地址", S, False, 512),
                },
            ),
        },
    ),
    "settle_info": Field("结算信息", "object", children={"profit_sharing": Field("是否指定分账", B)}),
}

DIRECT_ORDER = {
    "appid": Field("应用ID", S, True, 32),
    "mchid": Field("直连商户号", S, True, 32),
    **_COMMON_ORDER,
}
PARTNER_ORDER = {
    "sp_appid": Field("服务商应用ID", S, True, 32),
    "sp_mchid": Field("服务商户号", S, True, 32),
    "sub_appid": Field("子商户应用ID", S, False, 32),
    "sub_mchid": Field("子商户号", S, True, 32),
    **_COMMON_ORDER,
}
DIRECT_CLOSE = {"mchid": Field("直连商户号", S, True, 32)}
PARTNER_CLOSE = {"sp_mchid": Field("服务商户号", S, True, 32), "sub_mchid": Field("子商户号", S, True, 32)}

_REFUND_COMMON: dict[str, Field] = {
    "transaction_id": Field("微信支付订单号", S, False, 32),
    "out_trade_no": Field("商户订单号", S, False, 32, min_length=6, pattern=OUT_TRADE_NO),
    "out_refund_no": Field("商户退款单号", S, True, 64, min_length=1, pattern=OUT_REFUND_NO),
    "reason": Field("退款原因", S, False, 80),
    "notify_url": Field("退款结果回调url", S, False, 256, check="notify_url"),
    "funds_account": Field("退款资金来源", S, False, 32, check="funds_account"),
    "amount": Field(
        "金额信息",
        "object",
        True,
        children={
            "refund": Field("退款金额", I, True, minimum=1, maximum=MAX_INT),
            "total": Field("原订单金额", I, True, minimum=1, maximum=MAX_INT),
            "currency": Field("退款币种", S, True, 16, check="currency"),
            "from": Field(
                "退款出资账户及金额",
                "array",
                items=Field(
                    "退款出资账户及金额",
                    "object",
                    children={
                        "account": Field("出资账户类型", S, True, 32),
                        "amount": Field("出资金额", I, True, minimum=1, maximum=MAX_INT),
                    },
                ),
            ),
        },
    ),
    "goods_detail": Field(
        "退款商品",
        "array",
        items=Field(
            "退款商品",
            "object",
            children={
                "merchant_goods_id": Field("商户侧商品编码", S, True, 32),
                "wechatpay_goods_id": Field("微信支付商品编码", S, False, 32),
                "goods_name": Field("商品名称", S, False, 256),
                "unit_price": Field("商品单价", I, True, minimum=0, maximum=MAX_INT),
                "refund_amount": Field("商品退款金额", I, True, minimum=0, maximum=MAX_INT),
                "refund_quantity": Field("商品退货数量", I, True, minimum=1, maximum=MAX_INT),
            },
        ),
    ),
}
DIRECT_REFUND = dict(_REFUND_COMMON)
PARTNER_REFUND = {"sub_mchid": Field("子商户号", S, True, 32), **_REFUND_COMMON}

# Payment code (付款码): no notify_url, no time_expire; the payer is the scanned code; the store is required.
# The code-pay spec spells the item id wxpay_goods_id, Native wechatpay_goods_id: which one the server takes
# is unconfirmed, so both are accepted.
_CODEPAY_GOODS = Field(
    "单品列表", "object", children={**_GOODS.children, "wxpay_goods_id": Field("微信支付商品编码", S, False, 32)}
)
_COMMON_CODEPAY: dict[str, Field] = {
    "description": _COMMON_ORDER["description"],
    "out_trade_no": _COMMON_ORDER["out_trade_no"],
    "attach": _COMMON_ORDER["attach"],
    "goods_tag": _COMMON_ORDER["goods_tag"],
    "support_fapiao": _COMMON_ORDER["support_fapiao"],
    "payer": Field("支付者信息", "object", True, children={"auth_code": Field("付款码", S, True, 32, secret=True)}),
    "amount": _COMMON_ORDER["amount"],
    "scene_info": Field(
        "场景信息",
        "object",
        True,
        children={
            "device_id": Field("商户端设备号", S, False, 32),
            "device_ip": Field("商户端设备IP", S, False, 45, check="ip"),
            "store_info": Field(
                "门店信息",
                "object",
                True,
                children={"id": Field("门店编号", S, False, 32), "out_id": Field("商户侧门店编码", S, False, 256)},
            ),
        },
    ),
    "detail": replace(
        _COMMON_ORDER["detail"],
        children={
            **_COMMON_ORDER["detail"].children,
            "goods_detail": Field("单品列表", "array", items=_CODEPAY_GOODS),
        },
    ),
    "settle_info": _COMMON_ORDER["settle_info"],
}
DIRECT_CODEPAY = {"appid": DIRECT_ORDER["appid"], "mchid": DIRECT_ORDER["mchid"], **_COMMON_CODEPAY}
PARTNER_CODEPAY = {
    "sp_appid": PARTNER_ORDER["sp_appid"],
    "sp_mchid": PARTNER_ORDER["sp_mchid"],
    "sub_appid": PARTNER_ORDER["sub_appid"],
    "sub_mchid": PARTNER_ORDER["sub_mchid"],
    **_COMMON_CODEPAY,
}
DIRECT_REVERSE = {"appid": DIRECT_ORDER["appid"], "mchid": DIRECT_ORDER["mchid"]}
PARTNER_REVERSE = {
    "sp_appid": Field("服务商应用ID", S, False, 32),
    "sp_mchid": PARTNER_ORDER["sp_mchid"],
    "sub_appid": PARTNER_ORDER["sub_appid"],
    "sub_mchid": PARTNER_ORDER["sub_mchid"],
}

_JSON_TYPE = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def parse_json_body(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise param_error("请求的JSON格式错误，无法解析", issue="invalid json") from None
    if not isinstance(value, dict):
        raise param_error("请求的JSON格式错误，需要一个JSON对象", issue="invalid json")
    return value


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _JSON_TYPE[kind])


def _rule(pointer: str, spec: Field, value: Any, issue: str) -> ApiError:
    return param_error(
        f"输入源“/body{pointer}”映射到值字段“{spec.label}”字符串规则校验失败，{issue}", pointer, value, issue
    )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _extra_check(pointer: str, spec: Field, value: Any) -> None:
    if spec.check == "rfc3339":
        try:
            if not RFC3339.fullmatch(value):
                raise ValueError(value)
            parse_rfc3339(value)
        except ValueError:
            raise _rule(pointer, spec, value, "时间格式需符合RFC3339标准，如 2018-06-08T10:34:56+08:00") from None
    elif spec.check == "notify_url":
        if not NOTIFY_URL.fullmatch(value):
            raise _rule(pointer, spec, value, "字符串不符合URL格式")
        parts = urlsplit(value)
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise _rule(pointer, spec, value, "通知地址必须为https（沙箱仅允许环回地址使用http）")
    elif spec.check == "currency" and value != "CNY":
        raise _rule(pointer, spec, value, "仅支持CNY")
    elif spec.check == "funds_account" and value != "AVAILABLE":
        raise _rule(pointer, spec, value, "仅支持AVAILABLE")
    elif spec.check == "ip":
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise _rule(pointer, spec, value, "不是合法的IPv4或IPv6地址") from None


def _validate_value(pointer: str, spec: Field, value: Any) -> None:
    shown = None if spec.secret else value
    if not _is_type(value, spec.type):
        issue = f"此字段需要一个 {spec.type} 类型的 Json 值"
        raise param_error(
            f"无法将 JSON 输入源“/body{pointer}”映射到目标字段“{spec.label}”中，{issue}", pointer, shown, issue
        )
    if spec.type == "string":
        size = len(value.encode("utf-8"))
        if spec.max_bytes is not None and size > spec.max_bytes:
            raise _rule(pointer, spec, shown, f"字节数 {size}，大于最大值 {spec.max_bytes}")
        if spec.min_length is not None and size < spec.min_length:
            raise _rule(pointer, spec, shown, f"字节数 {size}，小于最小值 {spec.min_length}")
        if spec.pattern is not None and not spec.pattern.fullmatch(value):
            raise _rule(pointer, spec, shown, "字符串不符合格式要求")
        _extra_check(pointer, spec, value)
    elif spec.type == "integer":
        if spec.minimum is not None and value < spec.minimum:
            issue = f"值低于最小值 {spec.minimum}"
            raise param_error(f"输入源“/body{pointer}”映射到值字段“{spec.label}”{issue}", pointer, shown, issue)
        if spec.maximum is not None and value > spec.maximum:
            issue = f"值高于最大值 {spec.maximum}"
            raise param_error(f"输入源“/body{pointer}”映射到值字段“{spec.label}”{issue}", pointer, shown, issue)
    elif spec.type == "object":
        if spec.max_bytes is not None:
            size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
            if size > spec.max_bytes:
                raise _rule(pointer, spec, None, f"字节数 {size}，大于最大值 {spec.max_bytes}")
        validate_fields(value, spec.children, pointer)
    elif spec.type == "array" and spec.items is not None:
        for index, item in enumerate(value):
            _validate_value(f"{pointer}/{index}", spec.items, item)


def validate_fields(body: dict[str, Any], fields: dict[str, Field], prefix: str = "") -> None:
    """Raise PARAM_ERROR (400, with ``detail``) for the first field that breaks its rule."""
    for name, spec in fields.items():
        pointer = f"{prefix}/{name}"
        value = body.get(name)
        if value is None:
            if spec.required:
                issue = "此字段为必填项"
                raise param_error(
                    f"输入源“/body{pointer}”映射到值字段“{spec.label}”必填性规则校验失败，{issue}", pointer, None, issue
                )
            continue
        _validate_value(pointer, spec, value)


def reject_undeclared(body: dict[str, Any], fields: dict[str, Field], prefix: str = "") -> None:
    """400 PARAM_ERROR for the first field the API does not define (APIv3 refuses them)."""
    for name, value in body.items():
        pointer = f"{prefix}/{name}"
        spec = fields.get(name)
        if spec is None:
            raise param_error("请求中含有未在API文档中定义的参数", pointer, issue="undeclared field")
        if spec.type == "object" and isinstance(value, dict):
            reject_undeclared(value, spec.children, pointer)
        elif (
            spec.type == "array" and spec.items is not None and spec.items.type == "object" and isinstance(value, list)
        ):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    reject_undeclared(item, spec.items.children, f"{pointer}/{index}")
