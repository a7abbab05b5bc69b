"""The sound player: cues from core threads play on the GUI thread, one after another, each as the one
gapless buffer the core assembles. CI has no sound device, so the audio sink here takes the buffer the way
QAudioSink pulls it (reading the QIODevice to the end) and reports idle; the real window is checked too."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import QIODevice, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudioFormat, QtAudio
from pytestqt.qtbot import QtBot

from kiosk.checkout import speech
from kiosk.checkout.events import EventBus, PaidAfterCancel, SessionChanged
from kiosk.checkout.session import PaymentSession, State
from kiosk.checkout.sound import SAMPLE_RATE, Sounds, SoundSettings
from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal
from kiosk.ui.sound import SoundPlayer
from tests.ui.conftest import WAIT_MS, Kiosk


class PullingSink(QObject):
    """Plays nothing aloud, but consumes the buffer like a sink in pull mode, then goes idle."""

    stateChanged = Signal(QtAudio.State)

    def __init__(self, fmt: QAudioFormat, parent: QObject, log: list[Any]) -> None:
        super().__init__(parent)
        self.format = fmt
        self.log = log
        self.volume = -1.0

    def setVolume(self, volume: float) -> None:
        self.volume = volume

    def start(self, device: QIODevice) -> None:
        self.log.append(("start", self))
        data = bytes(device.readAll().data())
        self.log.append(("played", data, self.volume, threading.current_thread() is threading.main_thread()))
        QTimer.singleShot(20, lambda: self.stateChanged.emit(QtAudio.State.IdleState))

    def stop(self) -> None:
        self.log.append(("stop", self))

    def error(self) -> QtAudio.Error:
        return QtAudio.Error.NoError


def _session(state: State, amount_fen: int) -> PaymentSession:
    now = datetime(2026, 11, 29, 17, 30, tzinfo=CHINA_TZ)
    return PaymentSession("S1-K1-20261129A7K00042", amount_fen, "商品", now, now + timedelta(minutes=5), state)


def test_cues_from_core_threads_play_in_order_one_at_a_time(qtbot: QtBot, tmp_path: Path) -> None:
    journal = Journal.open(tmp_path / "journal.sqlite3")
    bus = EventBus()
    sounds = Sounds(bus, journal, SoundSettings(volume=50))
    core = SimpleNamespace(sound=sounds, subscribe=bus.subscribe)
    log: list[Any] = []
    player = SoundPlayer(core, sink_factory=lambda fmt, parent: PullingSink(fmt, parent, log))  # type: ignore[arg-type]
    done: list[tuple[str, str]] = []
    player.cueDone.connect(lambda cue, error: done.append((cue.reason, error)))

    def core_thread() -> None:  # as the session manager would, on its own thread
        bus.publish(SessionChanged(_session(State.PAID, 4190), State.AWAITING_PAYMENT, "remote_status"))
        bus.publish(PaidAfterCancel(_session(State.PAID_AFTER_CANCEL, 1005)))
        sounds.unknown_code()

    worker = threading.Thread(target=core_thread)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: len(done) == 3, timeout=WAIT_MS)
    assert done == [("payment_received", ""), ("paid_after_cancel", ""), ("unknown_code", "")]
    played = [entry for entry in log if entry[0] == "played"]
    assert [entry[1] for entry in played] == [
        sounds.clips.pcm(speech.payment_received(4190)),
        sounds.clips.pcm(speech.paid_after_cancel(1005)),
        sounds.clips.pcm(speech.unknown_code()),
    ]
    assert all(on_gui_thread for *_, on_gui_thread in played)
    assert all(0 < volume < 1 for _, _, volume, _ in played)
    # One at a time: each sink started only after the previous one was stopped.
    order = [kind for kind, *_ in log if kind in ("start", "stop")]
    assert order == ["start", "stop"] * 3
    sink = next(entry[1] for entry in log if entry[0] == "start")
    assert sink.format.sampleRate() == SAMPLE_RATE and sink.format.channelCount() == 1
    assert not player.busy
    player.detach()
    bus.publish(PaidAfterCancel(_session(State.PAID_AFTER_CANCEL, 1005)))
    qtbot.wait(50)
    assert len(done) == 3  # detached: nothing more plays
    journal.close()


def test_the_cashier_window_announces_a_payment(kiosk: Kiosk) -> None:
    window = kiosk.window
    core = window.core
    assert core is not None
    heard: list[tuple[str, tuple[str, ...], str]] = []
    window.sound.cueDone.connect(lambda cue, error: heard.append((cue.reason, cue.clips, error)))
    kiosk.add("DRK-001")
    otn = kiosk.charge()
    amount = core.session(otn).amount_fen
    core.simulate_payment(otn)
    kiosk.qtbot.waitUntil(lambda: any(reason == "payment_received" for reason, *_ in heard), timeout=WAIT_MS)
    _, clips, error = next(entry for entry in heard if entry[0] == "payment_received")
    assert speech.spoken(list(clips)) == "[chime]微信收款" + speech.spoken(speech.amount_clips(amount))
    assert error in ("", "no sound output device")  # CI machines have no sound card

    window.sale_view.submit_code("0000000000000")  # a bad scan beeps
    kiosk.qtbot.waitUntil(lambda: heard[-1][0] == "unknown_code", timeout=WAIT_MS)
