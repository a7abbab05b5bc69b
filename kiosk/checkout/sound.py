"""Sound, the core's side: when the kiosk speaks (``SoundCue`` events), the shop's on/off and volume, and the
clips strung into one gapless PCM buffer. Qt-free; ``kiosk/ui/sound.py`` only plays the buffer.

* a payment received: the chime, then "微信收款 41.90 元";
* a payment that failed: the error tone, then "支付失败"; an unknown barcode: the error tone
  (:meth:`Sounds.unknown_code`, called by the UI that saw the scan);
* a payment after cancel: the alarm, then "已取消订单收款 … 元" — unlike any ordinary payment.

``[sound]`` in kiosk.toml sets the default (``enabled``, ``volume`` 0–100); a change made on the manager
screen (:meth:`Sounds.configure`) is kept in the journal's settings and wins from then on.
"""

from __future__ import annotations

import logging
import threading
import wave
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.checkout import speech
from kiosk.checkout.events import CoreEvent, EventBus, PaidAfterCancel, SessionChanged, SoundCue
from kiosk.checkout.session import State
from kiosk.journal import Journal
from kiosk.resources import resource_path

log = logging.getLogger(__name__)

#: The one format of every clip (resources/sounds/*.wav) and of the buffer handed to the player.
SAMPLE_RATE = 16_000
CHANNELS = 1
SAMPLE_WIDTH = 2  # bytes: signed 16-bit little-endian
#: Pauses between clips: a breath after a tone or a phrase, a hair between the syllables of a number.
PHRASE_PAUSE = 0.12
SYLLABLE_PAUSE = 0.02
_PHRASES = frozenset({*speech.TONES, "wechat_received", "paid_after_cancel", "payment_failed"})

ENABLED_SETTING = "sound_enabled"
VOLUME_SETTING = "sound_volume"


class SoundError(RuntimeError):
    """A clip is missing or not in the one format (16 kHz, mono, 16-bit PCM WAV)."""


@dataclass(frozen=True)
class SoundSettings:
    """``[sound]`` in kiosk.toml: ``enabled`` (default true), ``volume`` 0–100 (default 80)."""

    enabled: bool = True
    volume: int = 80

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ValueError(f"enabled must be true or false, not {self.enabled!r}")
        if isinstance(self.volume, bool) or not isinstance(self.volume, int) or not 0 <= self.volume <= 100:
            raise ValueError(f"volume must be a whole number from 0 to 100, not {self.volume!r}")


class ClipLibrary:
    """The shipped clips (``resources/sounds/<name>.wav``), read once, and sequences of them as one buffer."""

    def __init__(self, directory: Path | None = None):
        self._directory = directory
        self._frames: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = resource_path("sounds")
        return self._directory

    def frames(self, name: str) -> bytes:
        """The PCM frames of one clip (:class:`SoundError` if it is missing or in another format)."""
        with self._lock:
            cached = self._frames.get(name)
        if cached is not None:
            return cached
        if name not in speech.CLIPS:
            raise SoundError(f"no clip named {name!r}")
        path = self.directory / f"{name}.wav"
        try:
            with wave.open(str(path), "rb") as clip:
                shape = (clip.getframerate(), clip.getnchannels(), clip.getsampwidth(), clip.getcomptype())
                frames = clip.readframes(clip.getnframes())
        except (OSError, EOFError, wave.Error) as exc:
            raise SoundError(f"{path}: cannot be read: {exc}") from exc
        if shape != (SAMPLE_RATE, CHANNELS, SAMPLE_WIDTH, "NONE"):
            rate, channels, width, _ = shape
            raise SoundError(f"{path}: {rate} Hz, {channels} channel(s), {8 * width}-bit; expected 16 kHz mono 16-bit")
        if not frames:
            raise SoundError(f"{path}: no sound in it")
        with self._lock:
            self._frames[name] = frames
        return frames

    def load_all(self) -> None:
        """Read every clip now (start-up), so a broken installation is reported before the first payment."""
        for name in speech.CLIPS:
            self.frames(name)

    def pcm(self, clips: Iterable[str]) -> bytes:
        """The clips played one after another as one buffer, with the pauses a speaker would make."""
        parts: list[bytes] = []
        names = list(clips)
        for index, name in enumerate(names):
            parts.append(self.frames(name))
            if index < len(names) - 1:
                pause = PHRASE_PAUSE if name in _PHRASES else SYLLABLE_PAUSE
                parts.append(silence(pause))
        return b"".join(parts)


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * SAMPLE_RATE) * CHANNELS * SAMPLE_WIDTH)


def duration(pcm: bytes) -> float:
    return len(pcm) / (SAMPLE_RATE * CHANNELS * SAMPLE_WIDTH)


class Sounds:
    """Publishes a :class:`SoundCue` on ``bus`` for every payment, failure and late payment (when enabled)."""

    def __init__(self, bus: EventBus, journal: Journal, defaults: SoundSettings):
        self._bus = bus
        self._journal = journal
        self._lock = threading.Lock()
        self._settings = self._stored(defaults)
        self.clips = ClipLibrary()
        self._unsubscribe: Callable[[], None] | None = bus.subscribe(self._on_event)

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def settings(self) -> SoundSettings:
        with self._lock:
            return self._settings

    def configure(self, *, enabled: bool | None = None, volume: int | None = None) -> SoundSettings:
        """The manager's switch and volume (kept in the journal: they survive a restart)."""
        with self._lock:
            changed = replace(
                self._settings,
                enabled=self._settings.enabled if enabled is None else enabled,
                volume=self._settings.volume if volume is None else volume,
            )
            with self._journal.transaction():
                self._journal.set_setting(ENABLED_SETTING, "1" if changed.enabled else "0")
                self._journal.set_setting(VOLUME_SETTING, str(changed.volume))
            self._settings = changed
        return changed

    def sample(self) -> None:
        """The manager trying the volume: the chime and "微信收款", with no amount (nobody takes it for a sale)."""
        self._cue(speech.sample(), "sample")

    def unknown_code(self) -> None:
        """A scanned code that is neither an item nor a payment code: the error tone."""
        self._cue(speech.unknown_code(), "unknown_code")

    def _stored(self, defaults: SoundSettings) -> SoundSettings:
        enabled = self._journal.setting(ENABLED_SETTING)
        volume = self._journal.setting(VOLUME_SETTING)
        try:
            return replace(
                defaults,
                enabled=defaults.enabled if enabled is None else enabled == "1",
                volume=defaults.volume if volume is None else int(volume),
            )
        except ValueError:
            log.warning("ignoring unreadable sound settings in the journal: %r, %r", enabled, volume)
            return defaults

    def _on_event(self, event: CoreEvent) -> None:
        match event:
            case SessionChanged(session=session, previous_state=previous):
                if session.state is State.PAID and previous is not State.PAID:
                    self._cue(speech.payment_received(session.amount_fen), "payment_received")
                elif session.state is State.FAILED and previous is not State.FAILED:
                    self._cue(speech.payment_failed(), "payment_failed")
            case PaidAfterCancel(session=session):
                self._cue(speech.paid_after_cancel(session.amount_fen), "paid_after_cancel")

    def _cue(self, clips: list[str], reason: str) -> None:
        settings = self.settings
        if settings.enabled and settings.volume > 0:
            self._bus.publish(SoundCue(tuple(clips), settings.volume, reason))
