"""Record the kiosk's sound clips into ``resources/sounds/``: one WAV per word of
:data:`kiosk.checkout.speech.WORDS` (spoken in Mandarin by eSpeak NG) and the tones of
:data:`kiosk.checkout.speech.TONES` (synthesised here).

Every clip is 16 kHz, mono, 16-bit PCM WAV — what QtMultimedia plays everywhere without a codec — with the
silence around it trimmed, so that clips strung together at run time sound like one sentence.

Needs Debian's ``espeak-ng`` (its ``cmn-latn-pinyin`` voice reads the pinyin in WORDS; Debian's build has
only a small Hanzi dictionary, so the pinyin with tone numbers is what makes the reading right) and ``sox``
(resampling and trimming)::

    apt-get install espeak-ng sox
    python scripts/make_sounds.py [--out resources/sounds] [--speed 150]
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.checkout.sound import CHANNELS, SAMPLE_RATE, SAMPLE_WIDTH  # noqa: E402
from kiosk.checkout.speech import TONES, WORDS  # noqa: E402

VOICE = "cmn-latn-pinyin"
PEAK = 0.8 * 32767


def speak(pinyin: str, target: Path, speed: int, scratch: Path) -> None:
    raw = scratch / "raw.wav"
    subprocess.run(["espeak-ng", "-v", VOICE, "-s", str(speed), "-w", str(raw), pinyin], check=True)
    # Resample (no dither: the same input gives the same file); trim the silence after and before (eSpeak
    # pads both ends), fading each edge so that no clip starts or ends with a click; normalise.
    convert = ["-r", str(SAMPLE_RATE), "-c", str(CHANNELS), "-b", str(8 * SAMPLE_WIDTH)]
    trim = ["silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "fade", "t", "0.01"]
    subprocess.run(
        ["sox", "-D", str(raw), *convert, str(target), *trim, "reverse", "fade", "t", "0.005", "norm", "-1"], check=True
    )


def _envelope(t: float, length: float, attack: float = 0.005, decay: float = 6.0) -> float:
    """A struck sound: a quick attack, then an exponential decay, reaching silence at the end."""
    rise = min(t / attack, 1.0)
    return rise * math.exp(-decay * t / length) * max(0.0, 1.0 - t / length) ** 0.5


def notes(sequence: list[tuple[float, float, float]]) -> list[float]:
    """Samples for (frequency Hz, duration s, pause after s) notes, each with two soft overtones."""
    samples: list[float] = []
    for frequency, duration, pause in sequence:
        count = int(duration * SAMPLE_RATE)
        for n in range(count):
            t = n / SAMPLE_RATE
            wave_value = (
                math.sin(2 * math.pi * frequency * t)
                + 0.3 * math.sin(4 * math.pi * frequency * t)
                + 0.1 * math.sin(6 * math.pi * frequency * t)
            ) / 1.4
            samples.append(wave_value * _envelope(t, duration))
        samples.extend([0.0] * int(pause * SAMPLE_RATE))
    return samples


#: A bright two-note "ding-dong" for a payment, a low double buzz for an error, a rising triple alarm for a
#: payment after cancel (so the clerk looks up: that money needs a decision).
TONE_NOTES: dict[str, list[tuple[float, float, float]]] = {
    "chime": [(1318.5, 0.22, 0.0), (1046.5, 0.45, 0.0)],
    "error": [(196.0, 0.16, 0.06), (196.0, 0.22, 0.0)],
    "alert": [(880.0, 0.12, 0.04), (1108.7, 0.12, 0.04), (1318.5, 0.12, 0.12)] * 2,
}


def write_tone(name: str, target: Path) -> None:
    samples = notes(TONE_NOTES[name])
    frames = b"".join(
        int(max(-1.0, min(1.0, value)) * PEAK).to_bytes(SAMPLE_WIDTH, "little", signed=True) for value in samples
    )
    with wave.open(str(target), "wb") as out:
        out.setnchannels(CHANNELS)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(frames)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "sounds")
    parser.add_argument("--speed", type=int, default=150, help="eSpeak NG words per minute (default 150)")
    options = parser.parse_args(argv)
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        parser.error(f"needs {' and '.join(missing)} (Debian: apt-get install espeak-ng sox)")
    assert set(TONE_NOTES) == set(TONES), "every tone needs its notes"
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kiosk-sounds-") as scratch:
        for name, (_, pinyin) in WORDS.items():
            speak(pinyin, options.out / f"{name}.wav", options.speed, Path(scratch))
    for name in TONES:
        write_tone(name, options.out / f"{name}.wav")
    total = sum(path.stat().st_size for path in options.out.glob("*.wav"))
    print(f"{len(WORDS) + len(TONES)} clips in {options.out} ({total // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
