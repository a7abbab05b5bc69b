"""The sound player: plays the core's :class:`~kiosk.checkout.events.SoundCue` events through QtMultimedia.

Each cue arrives as one gapless PCM buffer (:meth:`kiosk.checkout.sound.ClipLibrary.pcm`) and goes to a
``QAudioSink`` in pull mode: Qt's audio back end reads the buffer on its own schedule, so nothing here waits
and the GUI thread never blocks. Cues that arrive while one plays wait their turn (at a busy counter every
payment is heard), up to :data:`MAX_WAITING`. A kiosk without a sound device stays silent and says so once in
the log.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLoggingCategory, QObject, Signal

from kiosk.checkout import KioskCore
from kiosk.checkout.events import CoreEvent, SoundCue
from kiosk.checkout.sound import CHANNELS, SAMPLE_RATE, SoundError

#: Qt Multimedia's notes, on stderr at every start, on optional libraries it does not find (PipeWire; VA-API,
#: for video) and on its FFmpeg version: nothing the kiosk's sound depends on, and they buried the one line that
#: matters. Set before the module loads (it looks for PipeWire then). Its other warnings stay, and
#: QT_LOGGING_RULES in the environment still overrides these rules.
QUIET_QT_MULTIMEDIA = "qt.multimedia.symbolsresolver.warning=false\nqt.multimedia.ffmpeg.info=false"
QLoggingCategory.setFilterRules(QUIET_QT_MULTIMEDIA)

from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink, QMediaDevices, QtAudio  # noqa: E402

log = logging.getLogger(__name__)

#: Cues kept waiting behind the one playing; older ones give way (a backlog of announcements helps no one).
MAX_WAITING = 4

SinkFactory = Callable[[QAudioFormat, QObject], Any]


def audio_format() -> QAudioFormat:
    fmt = QAudioFormat()
    fmt.setSampleRate(SAMPLE_RATE)
    fmt.setChannelCount(CHANNELS)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


def default_sink(fmt: QAudioFormat, parent: QObject) -> QAudioSink | None:
    """A sink on the system's default output, or ``None`` when the machine has no sound device."""
    device: QAudioDevice = QMediaDevices.defaultAudioOutput()
    if device.isNull():
        return None
    return QAudioSink(device, fmt, parent)


class SoundPlayer(QObject):
    """Subscribes to ``core`` and plays its sound cues, one after another. ``sink_factory`` makes the
    ``QAudioSink`` for one cue (default: the system's output)."""

    cueArrived = Signal(object)  # SoundCue, queued onto the GUI thread
    #: A cue finished (or could not be played): (cue, error message or "").
    cueDone = Signal(object, str)

    def __init__(self, core: KioskCore, parent: QObject | None = None, *, sink_factory: SinkFactory = default_sink):
        super().__init__(parent)
        self._clips = core.sound.clips
        self._sink_factory = sink_factory
        if sink_factory is default_sink:
            # Load the audio back end now, before the core's threads start: its plugins load with dlopen, and
            # a dlopen racing an extension-module import on another thread can deadlock when a Qt message
            # handler calls into Python (pytest-qt installs one).
            QMediaDevices.defaultAudioOutput()
        self._format = audio_format()
        self._waiting: deque[SoundCue] = deque(maxlen=MAX_WAITING)
        self._playing: tuple[SoundCue, Any, QBuffer] | None = None
        self._said_no_device = False
        try:
            self._clips.load_all()
        except SoundError as exc:
            log.error("sound clips unusable, the kiosk stays silent: %s", exc)
        self.cueArrived.connect(self._enqueue)
        self._unsubscribe: Callable[[], None] | None = core.subscribe(self._on_event)

    def detach(self) -> None:
        """Stop listening and playing (the window is closing)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._waiting.clear()
        if self._playing is not None:
            self._playing[1].stop()

    @property
    def busy(self) -> bool:
        return self._playing is not None or bool(self._waiting)

    def _on_event(self, event: CoreEvent) -> None:  # on core threads: only hand over
        if isinstance(event, SoundCue):
            self.cueArrived.emit(event)

    def _enqueue(self, cue: SoundCue) -> None:
        self._waiting.append(cue)
        if self._playing is None:
            self._next()

    def _next(self) -> None:
        while self._waiting and self._playing is None:
            cue = self._waiting.popleft()
            try:
                pcm = self._clips.pcm(cue.clips)
            except SoundError as exc:
                self.cueDone.emit(cue, str(exc))
                continue
            sink = self._sink_factory(self._format, self)
            if sink is None:
                if not self._said_no_device:
                    log.warning("no sound output device: payments are not announced")
                    self._said_no_device = True
                self.cueDone.emit(cue, "no sound output device")
                continue
            buffer = QBuffer(self)
            buffer.setData(QByteArray(pcm))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            sink.setVolume(
                QtAudio.convertVolume(
                    cue.volume / 100, QtAudio.VolumeScale.LogarithmicVolumeScale, QtAudio.VolumeScale.LinearVolumeScale
                )
            )
            sink.stateChanged.connect(self._state_changed)
            self._playing = (cue, sink, buffer)
            sink.start(buffer)

    def _state_changed(self, state: QtAudio.State) -> None:
        if self._playing is None or state not in (QtAudio.State.IdleState, QtAudio.State.StoppedState):
            return
        cue, sink, buffer = self._playing
        self._playing = None
        # Idle: the buffer ran out (played to the end). Stopped before that: the device failed.
        failed = state != QtAudio.State.IdleState and sink.error() != QtAudio.Error.NoError
        error = f"audio output failed: {sink.error().name}" if failed else ""
        sink.stateChanged.disconnect(self._state_changed)
        sink.stop()
        sink.deleteLater()
        buffer.close()
        buffer.deleteLater()
        self.cueDone.emit(cue, error)
        self._next()
