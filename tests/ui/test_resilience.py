"""The relay down or hung: the clerk sees it, can cancel, and the window never stops repainting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, Qt, QTimer

from kiosk.ui.qr import QrView
from tests.support.relay import init_relay, start_relay
from tests.support.sandbox import offline_state_dir
from tests.ui.conftest import WAIT_MS, Kiosk, StalledRelay, free_port, write_config
from tests.ui.test_codepay import scan


def test_relay_down_at_charge_shows_pending_creation_and_can_be_cancelled(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    config = write_config(tmp_path / "kiosk.toml", f"http://127.0.0.1:{free_port()}", tmp_path / "data")
    kiosk = make_kiosk(config, customer_display=True)
    kiosk.add("DRK-002")
    kiosk.qtbot.mouseClick(kiosk.button("chargeButton"), Qt.MouseButton.LeftButton)
    assert kiosk.wait_state("PENDING_CREATION") == "PENDING_CREATION"
    assert kiosk.child("qrView").text is None
    assert kiosk.label("paymentStatusLabel").text()  # says the relay is unreachable
    # Nobody is asked to scan a code that is not there: not the clerk, not the customer.
    assert not kiosk.label("paymentHintLabel").isVisibleTo(kiosk.window.payment_view)
    display = kiosk.window.customer_display
    assert display is not None and display.mode == "payment" and display.qr.text is None
    assert not display.hint.isVisibleTo(display)
    kiosk.qtbot.waitUntil(lambda: kiosk.label("relayStatus").property("online") == "false", timeout=WAIT_MS)
    assert not kiosk.button("simulatePaymentButton").isVisible()  # live mode: no simulation

    cancel = kiosk.button("cancelPaymentButton")
    assert cancel.isEnabled()
    kiosk.qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert kiosk.wait_state("CANCELLED") == "CANCELLED"
    assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")


class _Ticks(QObject):
    """Counts GUI-thread timer ticks and asks the QR view to repaint on each one."""

    def __init__(self, view: QrView):
        super().__init__(view)
        self.view = view
        self.ticks = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.timer.start(50)

    def _tick(self) -> None:
        self.ticks += 1
        self.view.update()


def test_window_keeps_repainting_while_the_relay_hangs(make_kiosk: Callable[..., Kiosk], tmp_path: Path) -> None:
    relay = StalledRelay()
    try:
        config = write_config(tmp_path / "kiosk.toml", f"http://127.0.0.1:{relay.port}", tmp_path / "data")
        kiosk = make_kiosk(config)
        kiosk.add("CAF-001")
        kiosk.qtbot.mouseClick(kiosk.button("chargeButton"), Qt.MouseButton.LeftButton)
        kiosk.wait_state("CREATING", "PENDING_CREATION")
        kiosk.qtbot.waitUntil(lambda: bool(relay.connections), timeout=WAIT_MS)  # the kiosk is talking to it
        qr = kiosk.child("qrView")
        ticks = _Ticks(qr)
        paints_before = qr.paint_count
        # Two seconds of a relay that accepted the connection and never answers (the kiosk waits 5 s for an
        # answer): the GUI thread keeps running its timers and painting all along.
        kiosk.qtbot.waitUntil(lambda: ticks.ticks >= 40, timeout=30_000)
        assert qr.paint_count - paints_before >= 20
        assert kiosk.label("countdownLabel").text() == ""  # no countdown while there is no code to scan
        assert kiosk.payment_state() in ("CREATING", "PENDING_CREATION")  # the relay never answered
        kiosk.qtbot.mouseClick(kiosk.button("cancelPaymentButton"), Qt.MouseButton.LeftButton)
        assert kiosk.wait_state("CANCELLED") == "CANCELLED"
    finally:
        relay.close()


def test_a_token_the_relay_refuses_shows_as_not_authorized(make_kiosk: Callable[..., Kiosk], tmp_path: Path) -> None:
    relay = start_relay(init_relay(offline_state_dir(tmp_path / "sandbox"), tmp_path))
    try:
        # write_config's token is no token of this relay: it answers the heartbeat with 401.
        kiosk = make_kiosk(write_config(tmp_path / "kiosk.toml", relay.base_url, tmp_path / "data"))
        status = kiosk.label("relayStatus")
        kiosk.qtbot.waitUntil(lambda: status.text() == "收款服务器：不接受本收银机", timeout=WAIT_MS)
        assert status.property("online") == "false"  # not shown as online
        # Charging is off, and the clerk reads why beside Charge and in the banner, with since when.
        banner = kiosk.child("relayBanner")
        assert banner.isVisible() and banner.property("link") == "refused"
        assert kiosk.label("relayBannerTitle").text().startswith("收款服务器不接受本收银机（")
        kiosk.add("DRK-001")
        assert not kiosk.button("chargeButton").isEnabled()
        hint = kiosk.label("chargeHintLabel")
        assert hint.isVisible() and hint.property("level") == "blocked" and "暂停收款" in hint.text()
        # A scanned payment code is no way round it: refused with the reason, nothing journaled.
        scan(kiosk, "barcodeInput", "134567890123456789")
        kiosk.qtbot.waitUntil(lambda: kiosk.label("noticeText").text() != "", timeout=WAIT_MS)
        assert kiosk.label("noticeText").text() == "暂停收款：收款服务器不接受本收银机"
        assert kiosk.window.stack.currentWidget() is kiosk.child("salePage")
        assert kiosk.window.core is not None and kiosk.window.core.journal.count_orders() == 0
    finally:
        relay.stop()


def test_a_kiosk_the_relay_knows_by_another_id_says_so_in_both_languages_until_relay_toml_agrees(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path
) -> None:
    credentials = init_relay(offline_state_dir(tmp_path / "sandbox"), tmp_path)
    relay = start_relay(credentials)
    try:
        # This relay's token and store, but kiosk.toml calls the kiosk K1 where relay.toml says kiosk-1.
        config = write_config(tmp_path / "kiosk.toml", relay.base_url, tmp_path / "data")
        text = config.read_text("utf-8").replace('"test-token"', f'"{credentials.kiosk_token}"')
        config.write_text(text.replace('id = "S1"', f'id = "{credentials.store_id}"'), "utf-8")
        kiosk = make_kiosk(config)
        status = kiosk.label("relayStatus")
        kiosk.qtbot.waitUntil(lambda: status.text() == "收款服务器：配置不符", timeout=WAIT_MS)
        assert status.property("online") == "false"
        assert kiosk.child("relayBanner").property("link") == "refused"  # the refused token's banner and hint
        both = (
            "暂停收款：本机配置为 store-1/K1，收款服务器认作 store-1/kiosk-1。"
            "请联系安装人员核对本机与收款服务器的配置。"
        )
        assert kiosk.label("relayBannerTitle").text().startswith("本收银机的配置与收款服务器不符")
        assert kiosk.label("relayBannerAdvice").text() == both  # the banner names both sides
        kiosk.add("DRK-001")
        assert not kiosk.button("chargeButton").isEnabled()
        scan(kiosk, "barcodeInput", "134567890123456789")  # a payment code is no way round it
        kiosk.qtbot.waitUntil(lambda: kiosk.label("noticeText").text() != "", timeout=WAIT_MS)
        assert kiosk.label("noticeText").text() == both
        assert kiosk.window.core is not None and kiosk.window.core.journal.count_orders() == 0
        kiosk.window.set_language("en")
        assert status.text() == "Payment server: settings do not match"
        assert kiosk.label("noticeText").text() == (
            "Charging is off: this kiosk is set up as store-1/K1, the payment server knows it as store-1/kiosk-1. "
            "Ask the installer to make the kiosk's and the payment server's settings agree."
        )

        # The operator corrects relay.toml; the clerk's Try again asks at once rather than at the next heartbeat.
        relay_toml = credentials.config_path
        relay_toml.write_text(relay_toml.read_text("utf-8").replace('id = "kiosk-1"', 'id = "K1"'), "utf-8")
        ping = httpx.Client(headers={"Authorization": f"Bearer {credentials.kiosk_token}"}, timeout=10)
        with ping:
            kiosk.qtbot.waitUntil(
                lambda: ping.get(f"{relay.base_url}/v1/ping").json()["kiosk_id"] == "K1", timeout=WAIT_MS
            )
        kiosk.qtbot.mouseClick(kiosk.button("relayRetryButton"), Qt.MouseButton.LeftButton)
        kiosk.qtbot.waitUntil(lambda: status.text() == "Payment server: connected", timeout=WAIT_MS)
        assert kiosk.button("chargeButton").isEnabled()
        kiosk.window.set_language("zh_CN")
        assert status.text() == "收款服务器：已连接"
    finally:
        relay.stop()
