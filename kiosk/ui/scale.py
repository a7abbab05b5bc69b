"""Sizes that follow the screen: the stylesheet is written for one design size and scaled to the window.

``resources/kiosk.qss`` is drawn for a 1280×800 cashier screen (and the customer display's rules for a
1024×600 one). A window applies it scaled by :func:`scale_for` its own size, so that fonts, buttons, tiles
and table rows are as big as the screen allows and no smaller than a finger needs at 1024×768 (a scale of
0.8 keeps the 56 px buttons at 45 px). The scale moves in steps of 0.05, so resizing a window restyles it
only when the step changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QSize

#: The design size of the cashier window and of the customer display.
MAIN_DESIGN = QSize(1280, 800)
CUSTOMER_DESIGN = QSize(1024, 600)
MIN_SCALE = 0.8
MAX_SCALE = 1.6
STEP = 0.05

# A length, negative ones included (a margin pulling a handle over its groove); not digits inside a name.
_PIXELS = re.compile(r"(?<![\w.#-])(-?\d+)px")


def scale_for(size: QSize, design: QSize = MAIN_DESIGN) -> float:
    """How much bigger (or smaller) than the design ``size`` is, in steps of 0.05 within 0.8 to 1.6."""
    raw = min(size.width() / design.width(), size.height() / design.height())
    bounded = min(max(raw, MIN_SCALE), MAX_SCALE)
    return round(round(bounded / STEP) * STEP, 2)


def scaled(stylesheet: str, factor: float) -> str:
    """Every ``Npx`` (and ``-Npx``) in ``stylesheet`` times ``factor``; hairlines (1-2 px borders) stay as they are."""

    def one(match: re.Match[str]) -> str:
        pixels = int(match.group(1))
        return f"{pixels if abs(pixels) <= 2 else round(pixels * factor)}px"

    return _PIXELS.sub(one, stylesheet)


class Scaler:
    """Calls ``apply(factor)`` whenever the scale step of the size it follows changes; a window calls
    :meth:`follow` from its ``resizeEvent``."""

    def __init__(self, apply: Callable[[float], None], design: QSize = MAIN_DESIGN):
        self._apply = apply
        self._design = design
        self.factor: float | None = None

    def follow(self, size: QSize) -> None:
        factor = scale_for(size, self._design)
        if factor != self.factor:
            self.factor = factor
            self._apply(factor)
