"""End to end against the real sandbox process: every operation in direct and partner mode, with the WeChat
Pay public key and with platform certificates, plus the error paths and injected faults."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import itertools
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest

from kiosk.clock import CHINA_TZ, parse_rfc3339
from kiosk.wechatpay import (
    APIError,
    Credentials,
    DirectMerchant,
    Merchant,
    NativeOrder,
    PartnerMerchant,
    PaymentEvent,
    RefundEvent,
    RefundRequest,
    RetryPolicy,
    SignatureError,
    SyncWeChatPayClient,
    TransportError,
    WeChatPayClient,
)
from tests.support.sandbox import SandboxProcess, start_sandbox_process

T = TypeVar("T")
_numbers = itertools.count(1)


def trade_no(prefix: str = "KT") -> str:
    return f"{prefix}{datetime.now(CHINA_TZ):%H%M%S}{next(_numbers):06d}"


class Receiver:
    """notify_url endpoints on 127.0.0.1: one mailbox per path, recording raw headers and body, answering 204."""

    def __init__(self) -> None:
        self.received: dict[str, list[tuple[dict[str, str], bytes]]] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.arrived:
                    receiver.received.setdefault(self.path, []).append((dict(self.headers.items()), body))
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, mailbox: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/notify/{mailbox}"

    def wait_for(self, mailbox: str, count: int = 1, timeout: float = 20.0) -> list[tuple[dict[str, str], bytes]]:
        """Block (on a condition, not a sleep) until ``count`` deliveries reached the mailbox; take them."""
        path = f"/notify/{mailbox}"
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received.get(path, [])) >= count, timeout)
            found = self.received.pop(path, [])
        assert len(found) >= count, f"{len(found)} of {count} notification(s) arrived at {path}"
        return found

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class World:
    sandbox: SandboxProcess
    info: dict[str, Any]

    def credentials(self, mode: str, verification: str) -> Credentials:
        info = self.info
        public = verification in ("public_key", "both")
        return Credentials.load(
            mchid=info["mchid"] if mode == "direct" else info["sp_mchid"],
            private_key_path=info["merchant_private_key"],
            cert_serial=info["merchant_cert_serial"],
            apiv3_key=info["apiv3_key"],
            public_key_path=info["platform_public_key"] if public else None,
            public_key_id=info["platform_public_key_id"] if public else None,
            platform_certificates=verification in ("certificates", "both"),
            cert_path=info["merchant_cert"],
        )

    def merchant(self, mode: str) -> Merchant:
        if mode == "direct":
            return DirectMerchant(self.info["mchid"], self.info["appid"])
        return PartnerMerchant(self.info["sp_mchid"], self.info["sp_appid"], self.info["sub_mchid"])

    def client(self, mode: str, verification: str = "public_key", **kwargs: Any) -> WeChatPayClient:
        async def no_sleep(seconds: float) -> None:
            return None

        kwargs.setdefault("retry", RetryPolicy(max_attempts=3, base_delay=0.0, jitter=0.0))
        kwargs.setdefault("timeout", 5.0)
        return WeChatPayClient(
            self.credentials(mode, verification),
            self.merchant(mode),
            base_url=self.sandbox.base_url,
            sleep=no_sleep,
            **kwargs,
        )

    def sandbox_now(self) -> datetime:
        return parse_rfc3339(self.sandbox.control("GET", "/sandbox/v1/clock")["now"])


def start_world(tmp_path_factory: pytest.TempPathFactory, name: str, time_scale: float = 1.0) -> World:
    process = start_sandbox_process(tmp_path_factory.mktemp(name) / "state", time_scale=time_scale)
    return World(process, process.info)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One sandbox shared by the tests that neither move its clock nor change its settings."""
    w = start_world(tmp_path_factory, "sandbox", time_scale=1000.0)
    yield w
    w.sandbox.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())  # type: ignore[arg-type]


def native_order(out_trade_no: str, notify_url: str, amount_fen: int = 100, **extra: Any) -> NativeOrder:
    return NativeOrder(out_trade_no, "Kiosk 奶茶 x1", amount_fen, notify_url, **extra)


MODES = ["direct", "partner"]
VERIFICATIONS = ["public_key", "certificates"]


@pytest.mark.parametrize("verification", VERIFICATIONS)
@pytest.mark.parametrize("mode", MODES)
def test_order_lifecycle(world: World, receiver: Receiver, mode: str, verification: str) -> None:
    out_trade_no = trade_no()

    async def scenario() -> None:
        async with world.client(mode, verification) as client:
            expire = datetime.now(CHINA_TZ) + timedelta(minutes=30)
            code_url = await client.create_native_order(
                native_order(out_trade_no, receiver.url(out_trade_no), 1234, attach="桌号 7", time_expire=expire)
            )
            assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")
            unpaid = await client.query_order(out_trade_no)
            assert (unpaid.trade_state, unpaid.total_fen, unpaid.transaction_id) == ("NOTPAY", 1234, None)

            world.sandbox.pay(code_url)
            paid = await client.query_order(out_trade_no)
            assert paid.paid and paid.trade_state == "SUCCESS" and paid.trade_type == "NATIVE"
            assert paid.transaction_id is not None and paid.transaction_id.startswith("42")
            assert paid.attach == "桌号 7" and paid.payer_total_fen == 1234 and paid.success_time is not None
            if mode == "partner":
                assert (paid.sp_mchid, paid.sub_mchid) == (world.info["sp_mchid"], world.info["sub_mchid"])
            else:
                assert (paid.mchid, paid.appid) == (world.info["mchid"], world.info["appid"])
            by_id = await client.query_order_by_transaction_id(paid.transaction_id)
            assert by_id.out_trade_no == out_trade_no and by_id.trade_state == "SUCCESS"

            out_refund_no = "R" + out_trade_no
            refund = await client.create_refund(
                RefundRequest(out_refund_no, 234, 1234, out_trade_no=out_trade_no, reason="少收一杯")
            )
            assert refund.status in ("PROCESSING", "SUCCESS") and refund.refund_fen == 234
            assert refund.refund_id.startswith("50") and refund.out_trade_no == out_trade_no
            again = await client.create_refund(  # the same out_refund_no refunds once
                RefundRequest(out_refund_no, 234, 1234, out_trade_no=out_trade_no, reason="少收一杯")
            )
            assert again.refund_id == refund.refund_id
            queried = await client.query_refund(out_refund_no)
            assert queried.refund_id == refund.refund_id and queried.total_fen == 1234
            assert (await client.query_order(out_trade_no)).trade_state == "REFUND"
            if verification == "certificates":
                assert [c.serial_no for c in client.platform_certificates] == [world.info["platform_cert_serial"]]
        # Take the payment notification, so that no delivery of this test is still in flight later.
        assert len(receiver.wait_for(out_trade_no)) == 1

    run(scenario)


def test_a_rotated_platform_certificate_is_fetched_on_its_first_unknown_serial(
    tmp_path_factory: pytest.TempPathFactory, receiver: Receiver
) -> None:
    """WeChat Pay starts signing with a new platform certificate: the client downloads the list again once,
    then verifies with it; a notification signed with it names a serial the client now knows."""
    rotating = start_world(tmp_path_factory, "rotation", time_scale=1000.0)
    old_serial = rotating.info["platform_cert_serial"]
    out_trade_no = trade_no("KR")

    async def scenario() -> None:
        async with rotating.client("direct", "certificates") as client:
            await client.download_certificates()
            assert [c.serial_no for c in client.platform_certificates] == [old_serial]
            new_serial = rotating.sandbox.control("POST", "/sandbox/v1/certificates", {"rotate": True})[
                "platform_cert_serial"
            ]
            code_url = await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")  # verified with the new certificate
            assert sorted(c.serial_no for c in client.platform_certificates) == sorted([old_serial, new_serial])
            rotating.sandbox.pay(code_url)
            ((headers, body),) = receiver.wait_for(out_trade_no)
            assert headers["Wechatpay-Serial"] == new_serial
            event = client.notifications.parse(headers, body)
            assert isinstance(event, PaymentEvent) and event.transaction.out_trade_no == out_trade_no

    try:
        run(scenario)
    finally:
        rotating.sandbox.stop()


@pytest.mark.parametrize("mode", MODES)
def test_close_is_verified_and_final(world: World, receiver: Receiver, mode: str) -> None:
    # "|" and "*" are legal in out_trade_no and travel percent-encoded (and signed that way) in paths.
    out_trade_no = trade_no("K|C*")

    async def scenario() -> None:
        async with world.client(mode) as client:
            await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            await client.close_order(out_trade_no)  # 204, verified
            assert (await client.query_order(out_trade_no)).trade_state == "CLOSED"
            with pytest.raises(APIError) as caught:
                await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            assert (caught.value.status, caught.value.code) == (400, "ORDER_CLOSED")
            assert caught.value.request_id

    run(scenario)


def test_reposting_an_order_is_idempotent_only_with_the_same_body(world: World, receiver: Receiver) -> None:
    out_trade_no = trade_no("KI")

    async def scenario() -> None:
        async with world.client("direct") as client:
            first = await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            second = await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            assert first.startswith("weixin://") and second.startswith("weixin://")
            with pytest.raises(APIError) as caught:
                await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no), amount_fen=101))
            assert (caught.value.status, caught.value.code) == (403, "OUT_TRADE_NO_USED")

    run(scenario)


def test_error_paths_carry_status_code_and_request_id(world: World, receiver: Receiver) -> None:
    unpaid = trade_no("KE")

    async def scenario() -> None:
        async with world.client("partner") as client:
            with pytest.raises(APIError) as missing:
                await client.query_order(trade_no("KX"))
            assert (missing.value.status, missing.value.code) == (404, "ORDER_NOT_EXIST")
            assert missing.value.request_id and missing.value.request_id in str(missing.value)
            assert not missing.value.retryable

            await client.create_native_order(native_order(unpaid, receiver.url(unpaid)))
            with pytest.raises(APIError) as refund:
                await client.create_refund(RefundRequest("R" + unpaid, 1, 100, out_trade_no=unpaid))
            assert (refund.value.status, refund.value.code) == (400, "INVALID_REQUEST")

            paid_no = trade_no("KE")
            world.sandbox.pay(await client.create_native_order(native_order(paid_no, receiver.url(paid_no))))
            with pytest.raises(APIError) as close_paid:
                await client.close_order(paid_no)
            assert close_paid.value.status == 400 and close_paid.value.code == "ORDERPAID"
            transaction_id = (await client.query_order(paid_no)).transaction_id
            assert transaction_id is not None
            by_id = await client.create_refund(RefundRequest("R" + paid_no, 100, 100, transaction_id=transaction_id))
            assert by_id.out_trade_no == paid_no and by_id.refund_fen == 100
            with pytest.raises(APIError) as too_much:
                await client.create_refund(RefundRequest("R2" + paid_no, 1, 100, out_trade_no=paid_no))
            assert (too_much.value.status, too_much.value.code) == (400, "INVALID_REQUEST")  # fully refunded
            assert len(receiver.wait_for(paid_no)) == 1  # nothing left in flight for later tests

            with pytest.raises(APIError) as unknown_refund:
                await client.query_refund("R-NEVER-" + unpaid)
            assert (unknown_refund.value.status, unknown_refund.value.code) == (404, "RESOURCE_NOT_EXISTS")

            today = world.sandbox_now().date()
            with pytest.raises(APIError) as todays:
                await client.apply_trade_bill(today)
            assert (todays.value.status, todays.value.code) == (400, "INVALID_REQUEST")
            with pytest.raises(APIError) as empty:
                await client.apply_trade_bill(today - timedelta(days=2))
            assert (empty.value.status, empty.value.code) == (400, "NO_STATEMENT_EXIST")
            assert not empty.value.retryable

    run(scenario)


def test_a_clock_more_than_five_minutes_off_is_refused_by_the_server(world: World) -> None:
    class Skewed:
        def now(self) -> datetime:
            return datetime.now(CHINA_TZ) + timedelta(minutes=6)

    async def scenario() -> None:
        async with world.client("direct", clock=Skewed()) as client:
            with pytest.raises(APIError) as caught:
                await client.query_order(trade_no())
            assert (caught.value.status, caught.value.code) == (401, "SIGN_ERROR")

    run(scenario)


@pytest.mark.parametrize("verification", VERIFICATIONS)
def test_payment_and_refund_notifications_verify_and_decrypt(
    world: World, receiver: Receiver, verification: str
) -> None:
    out_trade_no = trade_no("KN")
    # A merchant that verifies with the public key only gets notifications signed with it.
    public_key_mode = verification == "public_key"
    world.sandbox.settings(public_key_mode=public_key_mode)

    async def scenario() -> None:
        async with world.client("partner", verification) as client:
            if verification == "certificates":
                await client.download_certificates()
            code_url = await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no), 500))
            world.sandbox.pay(code_url)
            ((headers, body),) = receiver.wait_for(out_trade_no)
            event = client.notifications.parse(headers, body)
            assert isinstance(event, PaymentEvent) and event.event_type == "TRANSACTION.SUCCESS"
            assert event.transaction.out_trade_no == out_trade_no and event.transaction.total_fen == 500
            assert event.transaction.sub_mchid == world.info["sub_mchid"]
            expected_serial = "platform_public_key_id" if public_key_mode else "platform_cert_serial"
            assert headers["Wechatpay-Serial"] == world.info[expected_serial]

            refund_url = receiver.url("R" + out_trade_no)
            await client.create_refund(
                RefundRequest("R" + out_trade_no, 200, 500, out_trade_no=out_trade_no, notify_url=refund_url)
            )
            world.sandbox.advance(10)  # refunds complete after a few (scaled) seconds
            ((headers, body),) = receiver.wait_for("R" + out_trade_no)
            refund = client.notifications.parse(headers, body)
            assert isinstance(refund, RefundEvent) and refund.event_type == "REFUND.SUCCESS"
            assert refund.refund.out_refund_no == "R" + out_trade_no and refund.refund.refund_fen == 200
            assert (await client.query_refund("R" + out_trade_no)).status == "SUCCESS"

    try:
        run(scenario)
    finally:
        world.sandbox.settings(public_key_mode=False)


def test_notification_signature_probe_is_rejected(world: World, receiver: Receiver) -> None:
    out_trade_no = trade_no("KP")
    world.sandbox.notification_fault("sign_probe")

    async def scenario() -> None:
        async with world.client("direct", "both") as client:
            code_url = await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no), 300))
            world.sandbox.pay(code_url)
            deliveries = receiver.wait_for(out_trade_no, count=2)
            outcomes = []
            for headers, body in deliveries:
                try:
                    outcomes.append(type(client.notifications.parse(headers, body)).__name__)
                except SignatureError:
                    outcomes.append("SignatureError")
            assert sorted(outcomes) == ["PaymentEvent", "SignatureError"]

    run(scenario)


def test_faults_bad_signature_is_an_error_and_transients_are_retried(world: World, receiver: Receiver) -> None:
    out_trade_no = trade_no("KF")

    async def scenario() -> None:
        async with world.client("direct", retry=RetryPolicy(max_attempts=1)) as client:
            world.sandbox.fault("bad_signature", "/v3/pay/transactions/native")
            with pytest.raises(SignatureError):
                await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
        async with world.client("direct") as client:
            # The order exists now; re-posting the same body is safe and answers with a code_url.
            world.sandbox.fault("drop_connection", "/v3/pay/transactions/native")
            assert (
                await client.create_native_order(native_order(out_trade_no, receiver.url(out_trade_no)))
            ).startswith("weixin:")
            world.sandbox.fault("system_error", "/v3/pay/transactions/out-trade-no/")
            world.sandbox.fault("http_500", "/v3/pay/transactions/out-trade-no/")
            assert (await client.query_order(out_trade_no)).trade_state == "NOTPAY"
        async with world.client("direct", retry=RetryPolicy(max_attempts=1)) as client:
            world.sandbox.fault("frequency_limited", "/v3/pay/transactions/out-trade-no/")
            with pytest.raises(APIError) as caught:
                await client.query_order(out_trade_no)
            assert caught.value.status == 429 and caught.value.retryable
            world.sandbox.fault("drop_connection", "/v3/pay/transactions/out-trade-no/")
            with pytest.raises(TransportError):
                await client.close_order(out_trade_no)

    run(scenario)


def test_wrong_public_key_id_is_refused(world: World) -> None:
    info = world.info
    credentials = Credentials.load(
        mchid=info["mchid"],
        private_key_path=info["merchant_private_key"],
        cert_serial=info["merchant_cert_serial"],
        apiv3_key=info["apiv3_key"],
        public_key_path=info["platform_public_key"],
        public_key_id="PUB_KEY_ID_0100000000000000000000000000",
    )
    client = SyncWeChatPayClient(credentials, world.merchant("direct"), base_url=world.sandbox.base_url)
    with client, pytest.raises(APIError) as caught:
        client.query_order(trade_no())
    assert (caught.value.status, caught.value.code) == (400, "INVALID_REQUEST")


def test_public_key_only_merchant_has_no_certificates(tmp_path_factory: pytest.TempPathFactory) -> None:
    w = start_world(tmp_path_factory, "pubkey-only")
    try:
        w.sandbox.settings(certificates_available=False)

        async def scenario() -> None:
            async with w.client("direct", "certificates") as client:
                with pytest.raises(APIError) as caught:
                    await client.download_certificates()
                assert (caught.value.status, caught.value.code) == (404, "RESOURCE_NOT_EXISTS")
            async with w.client("direct", "both") as client:  # mid-migration: the public key carries on
                with pytest.raises(APIError) as missing:
                    await client.query_order(trade_no())
                assert missing.value.code == "ORDER_NOT_EXIST"
                assert client.platform_certificates == []

        run(scenario)
    finally:
        w.sandbox.stop()


def test_trade_bills_in_both_modes_sync_client(tmp_path_factory: pytest.TempPathFactory) -> None:
    w = start_world(tmp_path_factory, "bills", time_scale=1000.0)
    try:
        receiver_url = "http://127.0.0.1:9/notify"  # nobody listens; bills do not need notifications
        day = w.sandbox_now().date()
        paid: dict[str, list[str]] = {"direct": [], "partner": []}
        for mode in MODES:
            with SyncWeChatPayClient(
                w.credentials(mode, "certificates"), w.merchant(mode), base_url=w.sandbox.base_url
            ) as client:
                for amount in (100, 250):
                    out_trade_no = trade_no("KB")
                    w.sandbox.pay(client.create_native_order(native_order(out_trade_no, receiver_url, amount)))
                    paid[mode].append(out_trade_no)
                client.create_refund(RefundRequest("R" + paid[mode][0], 40, 100, out_trade_no=paid[mode][0]))
                client.create_native_order(native_order(trade_no("KU"), receiver_url))  # unpaid: not billed
        # Bills for day D exist from 09:00 on D+1 (sandbox time); before that they are being generated.
        tomorrow = datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA_TZ)
        w.sandbox.advance((tomorrow + timedelta(hours=8) - w.sandbox_now()).total_seconds())
        with SyncWeChatPayClient(
            w.credentials("direct", "public_key"), w.merchant("direct"), base_url=w.sandbox.base_url
        ) as client:
            with pytest.raises(APIError) as creating:
                client.apply_trade_bill(day)
            assert creating.value.code == "STATEMENT_CREATING" and creating.value.retryable
        w.sandbox.advance((tomorrow + timedelta(hours=10) - w.sandbox_now()).total_seconds())

        for mode in MODES:
            with SyncWeChatPayClient(
                w.credentials(mode, "public_key"), w.merchant(mode), base_url=w.sandbox.base_url
            ) as client:
                bill = client.trade_bill(day)
                assert bill.bill_type == "ALL"
                successes = [r for r in bill.rows if r.trade_state == "SUCCESS"]
                refunds = [r for r in bill.rows if r.trade_state == "REFUND"]
                assert sorted(r.out_trade_no for r in successes) == sorted(paid[mode])
                assert [(r.out_trade_no, r.refund_fen, r.out_refund_no) for r in refunds] == [
                    (paid[mode][0], 40, "R" + paid[mode][0])
                ]
                assert bill.summary.trade_count == 3 and bill.summary.settlement_total_fen == 350
                assert bill.summary.refund_total_fen == 40 and bill.summary.order_total_fen == 350
                assert all(r.trade_time.date() == day and r.trade_type == "NATIVE" for r in bill.rows)
                expected_sub = w.info["sub_mchid"] if mode == "partner" else "0"
                assert {r.sub_mchid for r in bill.rows} == {expected_sub}
                assert bill.summary.fee_total_fen == sum(r.fee_fen for r in successes)

                ticket = client.apply_trade_bill(day, "SUCCESS", None)
                plain = client.download_bill(ticket)
                assert hashlib.sha1(plain).hexdigest() == ticket.hash_value and not plain.startswith(b"\x1f\x8b")
                ticket = client.apply_trade_bill(day, "REFUND")
                data = client.download_bill(ticket)
                assert data.startswith(b"\xef\xbb\xbf") and gzip.compress(data)  # already gunzipped
                with pytest.raises(APIError) as other_day:
                    client.apply_trade_bill(day - timedelta(days=1))
                assert other_day.value.code == "NO_STATEMENT_EXIST"

        async def scenario() -> None:
            async with w.client("partner", "certificates") as client:
                refund_bill = await client.trade_bill(day, "REFUND")
                assert refund_bill.bill_type == "REFUND"
                (row,) = refund_bill.rows
                assert row.refund_apply_time is not None and row.refund_fen == 40
                success_bill = await client.trade_bill(day, "SUCCESS")
                assert success_bill.bill_type == "SUCCESS" and len(success_bill.rows) == 2
                assert success_bill.summary.refund_total_fen is None

        run(scenario)
    finally:
        w.sandbox.stop()
