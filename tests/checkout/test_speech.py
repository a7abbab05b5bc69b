"""Amounts read the Chinese way, clip by clip; every shipped clip decodes; cues for payments and errors."""

from __future__ import annotations

import wave
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.checkout import speech
from kiosk.checkout.events import EventBus, PaidAfterCancel, SessionChanged, SoundCue
from kiosk.checkout.session import PaymentSession, State
from kiosk.checkout.sound import (
    CHANNELS,
    PHRASE_PAUSE,
    SAMPLE_RATE,
    SAMPLE_WIDTH,
    SYLLABLE_PAUSE,
    ClipLibrary,
    SoundError,
    Sounds,
    SoundSettings,
    duration,
    silence,
)
from kiosk.clock import CHINA_TZ
from kiosk.journal import Journal
from kiosk.resources import resource_path


def read(fen: int) -> str:
    return speech.spoken(speech.amount_clips(fen))


@pytest.mark.parametrize(
    ("fen", "said"),
    [
        (1, "零点零一元"),  # 0.01
        (10, "零点一元"),  # 0.10: the trailing zero is not read
        (1000, "十元"),  # 10.00: 十, not 一十; no 点 for a whole amount
        (1005, "十点零五元"),  # 10.05
        (4190, "四十一点九元"),  # 41.90
        (10000, "一百元"),  # 100.00
        (123450, "一千二百三十四点五元"),  # 1,234.50
        (1000000, "一万元"),  # 10,000.00
        (10500, "一百零五元"),
        (100500, "一千零五元"),
        (105000, "一千零五十元"),
        (11500, "一百一十五元"),  # 一十 inside a number
        (1000500, "一万零五元"),
        (10001000, "十万零一十元"),
        (15000000, "十五万元"),
        (20000, "两百元"),
        (250000, "两千五百元"),
        (2000000, "两万元"),
        (2200000, "两万二千元"),
        (1200, "十二元"),
        (200, "二元"),
        (2000, "二十元"),
        (10005000000, "一亿零五万元"),
        (10000500000, "一亿零五千元"),
        (101000000, "一百零一万元"),
        (0, "零元"),
    ],
)
def test_amounts_read_correctly(fen: int, said: str) -> None:
    assert read(fen) == said


_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNIT = {"十": 10, "百": 100, "千": 1000}
_SECTION = {"万": 10**4, "亿": 10**8}


def parse(said: str) -> int:
    """A listener's reading of what was said, back to fen (an independent check of the reader)."""
    assert said.endswith("元")
    whole, _, decimals = said[:-1].partition("点")
    total = section = digit = 0
    for char in whole:
        if char in _DIGIT:
            digit = _DIGIT[char]
        elif char in _UNIT:
            section += (digit or 1) * _UNIT[char]  # a bare 十 at the start is 一十
            digit = 0
        else:
            total += (section + digit) * _SECTION[char]
            section = digit = 0
    yuan = total + section + digit
    cents = int((("".join(str(_DIGIT[c]) for c in decimals)) + "00")[:2])
    return yuan * 100 + cents


@given(st.integers(min_value=0, max_value=speech.MAX_FEN))
def test_every_amount_reads_back_to_itself(fen: int) -> None:
    said = read(fen)
    assert parse(said) == fen
    assert ("零零" not in said and not said.endswith("零元")) or fen == 0
    assert not said.startswith("一十")
    assert said.count("点") == (1 if fen % 100 else 0)


def test_bad_amounts_are_refused() -> None:
    for bad in (-1, speech.MAX_FEN + 1):
        with pytest.raises(ValueError):
            speech.amount_clips(bad)
    with pytest.raises(TypeError):
        speech.amount_clips(41.9)  # type: ignore[arg-type]


def test_every_shipped_clip_decodes() -> None:
    directory = resource_path("sounds")
    assert {path.stem for path in directory.glob("*.wav")} == set(speech.CLIPS)
    total = 0
    for name in speech.CLIPS:
        path = directory / f"{name}.wav"
        with wave.open(str(path), "rb") as clip:
            assert (clip.getframerate(), clip.getnchannels(), clip.getsampwidth(), clip.getcomptype()) == (
                SAMPLE_RATE,
                CHANNELS,
                SAMPLE_WIDTH,
                "NONE",
            ), name
            frames = clip.readframes(clip.getnframes())
        seconds = duration(frames)
        assert 0.15 < seconds < 3.0, (name, seconds)
        samples = memoryview(frames).cast("h")
        peak = max(abs(value) for value in samples)
        assert peak > 8000, f"{name} is (nearly) silent"  # normalised speech and tones, not noise
        # Trimmed: the clip starts and ends quietly (no long silence, no click).
        assert abs(samples[0]) < 2000 and abs(samples[-1]) < 2000, name
        total += path.stat().st_size
    assert total < 600 * 1024  # small enough to ship


def test_a_cue_is_one_gapless_buffer_with_pauses_where_a_speaker_breathes() -> None:
    library = ClipLibrary()
    clips = speech.payment_received(4190)
    assert speech.spoken(clips) == "[chime]微信收款四十一点九元"
    pcm = library.pcm(clips)
    frames = [library.frames(name) for name in clips]
    pauses = [PHRASE_PAUSE, PHRASE_PAUSE] + [SYLLABLE_PAUSE] * (len(clips) - 3)
    assert pcm == b"".join(f + silence(p) for f, p in zip(frames, [*pauses, 0], strict=True))
    assert pcm.startswith(frames[0]) and pcm.endswith(frames[-1])
    assert 2.0 < duration(pcm) < 6.0


def test_a_missing_or_foreign_clip_is_a_clear_error(tmp_path: Path) -> None:
    library = ClipLibrary(tmp_path)
    with pytest.raises(SoundError, match="cannot be read"):
        library.frames("chime")
    with wave.open(str(tmp_path / "chime.wav"), "wb") as clip:
        clip.setnchannels(2)
        clip.setsampwidth(2)
        clip.setframerate(44100)
        clip.writeframes(bytes(400))
    with pytest.raises(SoundError, match="44100 Hz, 2 channel"):
        library.frames("chime")
    with pytest.raises(SoundError, match="no clip named"):
        library.frames("fanfare")


def _session(state: State, amount_fen: int = 4190) -> PaymentSession:
    now = datetime(2026, 11, 29, 17, 30, tzinfo=CHINA_TZ)
    return PaymentSession("S1-K1-20261129A7K00042", amount_fen, "商品", now, now + timedelta(minutes=5), state)


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    opened = Journal.open(tmp_path / "journal.sqlite3")
    yield opened
    opened.close()


def cues_for(journal: Journal, events: list[object], settings: SoundSettings | None = None) -> list[SoundCue]:
    bus = EventBus()
    heard: list[SoundCue] = []
    bus.subscribe(lambda event: heard.append(event) if isinstance(event, SoundCue) else None)
    sounds = Sounds(bus, journal, settings or SoundSettings())
    for event in events:
        bus.publish(event)  # type: ignore[arg-type]
    sounds.close()
    return heard


def test_payments_failures_and_late_payments_each_sound_their_own(journal: Journal) -> None:
    heard = cues_for(
        journal,
        [
            SessionChanged(_session(State.AWAITING_PAYMENT), State.CREATING, "create_succeeded"),
            SessionChanged(_session(State.PAID), State.AWAITING_PAYMENT, "remote_status"),
            SessionChanged(_session(State.PAID), State.PAID, "recovered"),  # not a new payment
            SessionChanged(_session(State.FAILED), State.CREATING, "create_rejected"),
            SessionChanged(_session(State.PAID_AFTER_CANCEL, 1005), State.CANCELLED, "remote_status"),
            PaidAfterCancel(_session(State.PAID_AFTER_CANCEL, 1005)),
        ],
    )
    assert [(cue.reason, speech.spoken(list(cue.clips))) for cue in heard] == [
        ("payment_received", "[chime]微信收款四十一点九元"),
        ("payment_failed", "[error]支付失败"),
        ("paid_after_cancel", "[alert]已取消订单收款十点零五元"),
    ]
    assert {cue.volume for cue in heard} == {80}


def test_sound_off_is_silent_and_the_managers_choice_is_kept(journal: Journal) -> None:
    paid = SessionChanged(_session(State.PAID), State.AWAITING_PAYMENT, "remote_status")
    assert cues_for(journal, [paid], SoundSettings(enabled=False)) == []
    bus = EventBus()
    sounds = Sounds(bus, journal, SoundSettings(volume=60))
    assert sounds.configure(volume=30) == SoundSettings(True, 30)
    heard: list[object] = []
    bus.subscribe(heard.append)
    sounds.unknown_code()
    assert heard == [SoundCue(("error",), 30, "unknown_code")]
    sounds.configure(enabled=False)
    sounds.close()
    # After a restart the manager's switch wins over kiosk.toml's default.
    assert Sounds(EventBus(), journal, SoundSettings(enabled=True, volume=90)).settings == SoundSettings(False, 30)
    with pytest.raises(ValueError, match="volume"):
        sounds.configure(volume=101)
