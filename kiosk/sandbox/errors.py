"""The error every APIv3 handler raises: status, code, message and optional detail, as WeChat Pay answers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, detail: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


def param_error(message: str, field: str | None = None, value: Any = None, issue: str | None = None) -> ApiError:
    detail: dict[str, Any] = {"location": "body"}
    if field is not None:
        detail["field"] = field
    if value is not None:
        detail["value"] = value
    if issue is not None:
        detail["issue"] = issue
    return ApiError(400, "PARAM_ERROR", message, detail)


def query_param_error(message: str, field: str, value: Any = None) -> ApiError:
    detail: dict[str, Any] = {"location": "query", "field": field}
    if value is not None:
        detail["value"] = value
    return ApiError(400, "PARAM_ERROR", message, detail)


def invalid_request(message: str) -> ApiError:
    return ApiError(400, "INVALID_REQUEST", message)


def order_not_exist() -> ApiError:
    return ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
