"""What the kiosk says: amounts read the Chinese way, as a sequence of short clips (pure, no I/O).

"微信收款 41.90 元" is spoken as the clips ``wechat_received four ten one point nine yuan``, the way the voice
speakers of WeChat Pay and the aggregators announce a payment. The clips are recorded once by
``scripts/make_sounds.py`` (one word each, named as in :data:`WORDS`, plus the tones in :data:`TONES`) and
shipped in ``resources/sounds/``; :mod:`kiosk.checkout.sound` strings them together at run time.

Reading rules (the ones a cashier expects to hear):

* sections of four digits (个, 万, 亿); inside a section 千 百 十 units, trailing zeros unspoken;
* one 零 for each run of zeros between spoken digits (105 一百零五, 1005 一千零五, 10,005 一万零五,
  100,050,000 一亿零五万), none at the end (1,000 一千, 10,000 一万);
* 一十 is just 十 at the very start (10 十, 15 十五, 150,000 十五万) but kept inside (115 一百一十五);
* a leading 2 before 百, 千 or 万 is 两 (200 两百, 2,500 两千五百, 20,000 两万), any other 2 is 二 (12 十二);
* fen after 点, digit by digit, trailing zero dropped (0.10 零点一, 10.05 十点零五, 41.90 四十一点九);
  whole amounts have no 点 (10.00 十元).
"""

from __future__ import annotations

#: Every spoken clip: name → (the Chinese it says, the pinyin the synthesizer is given).
WORDS: dict[str, tuple[str, str]] = {
    "digit0": ("零", "ling2"),
    "digit1": ("一", "yi1"),
    "digit2": ("二", "er4"),
    "digit3": ("三", "san1"),
    "digit4": ("四", "si4"),
    "digit5": ("五", "wu3"),
    "digit6": ("六", "liu4"),
    "digit7": ("七", "qi1"),
    "digit8": ("八", "ba1"),
    "digit9": ("九", "jiu3"),
    "liang": ("两", "liang3"),
    "ten": ("十", "shi2"),
    "hundred": ("百", "bai3"),
    "thousand": ("千", "qian1"),
    "ten_thousand": ("万", "wan4"),
    "hundred_million": ("亿", "yi4"),
    "point": ("点", "dian3"),
    "yuan": ("元", "yuan2"),
    "wechat_received": ("微信收款", "wei1 xin4 shou1 kuan3"),
    "paid_after_cancel": ("已取消订单收款", "yi3 qu3 xiao1 ding4 dan1 shou1 kuan3"),
    "payment_failed": ("支付失败", "zhi1 fu4 shi1 bai4"),
}
#: Tones, synthesised rather than spoken: a payment, an error, and the alarm for a payment after cancel.
TONES = ("chime", "error", "alert")
CLIPS = (*WORDS, *TONES)

#: The largest amount read out: 9,999 亿 yuan and 99 fen.
MAX_FEN = 10**12 * 100 - 1

_DIGITS = tuple(f"digit{n}" for n in range(10))
_SECTION_UNITS = ("", "ten_thousand", "hundred_million")
_PLACE_UNITS = ("thousand", "hundred", "ten", "")


def amount_clips(fen: int) -> list[str]:
    """The clips that read ``fen`` as yuan, ending in 元: ``4190`` → 四十一点九元."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"amounts are int fen, got {fen!r}")
    if not 0 <= fen <= MAX_FEN:
        raise ValueError(f"cannot read out {fen} fen (0 to {MAX_FEN})")
    yuan, cents = divmod(fen, 100)
    clips = _integer(yuan)
    if cents:
        decimals = f"{cents:02d}".rstrip("0")
        clips += ["point", *(_DIGITS[int(d)] for d in decimals)]
    return [*clips, "yuan"]


def _integer(number: int) -> list[str]:
    if number == 0:
        return ["digit0"]
    sections = []
    while number:
        number, section = divmod(number, 10_000)
        sections.append(section)
    clips: list[str] = []
    gap = False  # zeros since the last spoken digit: say 零 before the next one
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            gap = bool(clips)
            continue
        for place, digit in enumerate(f"{section:04d}"):
            if digit == "0":
                gap = bool(clips)
                continue
            if gap:
                clips.append("digit0")
                gap = False
            unit = _PLACE_UNITS[place]
            leading = not clips
            if leading and unit == "ten" and digit == "1":
                clips.append("ten")  # 十五, not 一十五 — but 一百一十五 inside a number
                continue
            if leading and digit == "2" and (unit in ("hundred", "thousand") or (not unit and index > 0)):
                clips.append("liang")
            else:
                clips.append(_DIGITS[int(digit)])
            if unit:
                clips.append(unit)
        if _SECTION_UNITS[index]:
            clips.append(_SECTION_UNITS[index])
        gap = False
    return clips


def spoken(clips: list[str]) -> str:
    """What a clip sequence says, in Chinese characters (tones as ``[chime]``): for tests, logs and people."""
    return "".join(WORDS[clip][0] if clip in WORDS else f"[{clip}]" for clip in clips)


# ---- what the kiosk says when ---------------------------------------------------------------------


def payment_received(fen: int) -> list[str]:
    return ["chime", "wechat_received", *amount_clips(fen)]


def paid_after_cancel(fen: int) -> list[str]:
    """Distinct from an ordinary payment: the alarm, then "已取消订单收款 … 元"."""
    return ["alert", "paid_after_cancel", *amount_clips(fen)]


def payment_failed() -> list[str]:
    return ["error", "payment_failed"]


def unknown_code() -> list[str]:
    return ["error"]


def sample() -> list[str]:
    """The manager's volume test: a payment's sound without an amount."""
    return ["chime", "wechat_received"]
