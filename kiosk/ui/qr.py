"""The payment QR, drawn crisp: whole device pixels per module and a 4-module quiet zone."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4
MIN_SIDE = 280


@lru_cache(maxsize=16)
def qr_matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """The module matrix of ``text`` (True = dark), without the quiet zone.

    Cached: the bridge computes it on the core's thread when a code_url arrives (about 10 ms of pure
    Python), so the GUI thread only paints."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


class QrView(QWidget):
    """Paints the QR of ``code_url``; with no URL it paints a placeholder message instead."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("qrView")
        self.setMinimumSize(MIN_SIDE, MIN_SIDE)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._text: str | None = None
        self._matrix: tuple[tuple[bool, ...], ...] = ()
        self._placeholder = ""
        self.paint_count = 0

    def sizeHint(self) -> QSize:
        return QSize(380, 380)

    def heightForWidth(self, width: int) -> int:
        return width

    @property
    def text(self) -> str | None:
        return self._text

    def set_text(self, text: str | None) -> None:
        if text == self._text:
            return
        self._text = text
        self._matrix = qr_matrix(text) if text else ()
        self.update()

    def set_placeholder(self, text: str) -> None:
        self._placeholder = text
        self.update()

    def module_pixels(self) -> int:
        """Device pixels per module at the current size (0 when there is no code)."""
        if not self._matrix:
            return 0
        side = len(self._matrix) + 2 * QUIET_ZONE
        ratio = self.devicePixelRatioF() or 1.0
        return max(int(min(self.width(), self.height()) * ratio) // side, 1)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.paint_count += 1
        painter = QPainter(self)
        try:
            if not self._matrix:
                painter.fillRect(self.rect(), QColor("#f2f2f2"))
                painter.setPen(QColor("#555555"))
                painter.drawText(
                    self.rect().adjusted(16, 16, -16, -16),
                    Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                    self._placeholder,
                )
                return
            ratio = self.devicePixelRatioF() or 1.0
            modules = len(self._matrix)
            scale = self.module_pixels()
            # Work in device pixels so that every module covers the same whole number of pixels.
            painter.scale(1 / ratio, 1 / ratio)
            side = (modules + 2 * QUIET_ZONE) * scale
            left = (int(self.width() * ratio) - side) // 2
            top = (int(self.height() * ratio) - side) // 2
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.fillRect(QRect(left, top, side, side), QColor("white"))
            black = QColor("black")
            origin_x = left + QUIET_ZONE * scale
            origin_y = top + QUIET_ZONE * scale
            for y, row in enumerate(self._matrix):
                x = 0
                while x < modules:
                    if not row[x]:
                        x += 1
                        continue
                    start = x
                    while x < modules and row[x]:
                        x += 1
                    # One rectangle per run of dark modules: fewer calls, same crisp edges.
                    painter.fillRect(
                        QRect(origin_x + start * scale, origin_y + y * scale, (x - start) * scale, scale), black
                    )
        finally:
            painter.end()
