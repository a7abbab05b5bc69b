"""Widgets of the manager screen: its tables (a model over plain rows, sized for touch and for the text in
them), the sales-by-hour chart and the figure cards of the Today tab."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScroller,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import format_yuan
from kiosk.ui.fit import TOUCH_TARGET

#: A column: its header (set by the screen's retranslate) and how a row shows in it.
Column = tuple[str, Callable[[Any], str]]
#: Room above and below a line of text in a table row.
ROW_PADDING = 10


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of objects; cells are formatted on demand, in the current language (a
    bill may have 100,000 rows)."""

    def __init__(
        self, columns: Sequence[Callable[[Any], str]], parent: QObject | None = None, *, numbers: Sequence[int] = ()
    ):
        super().__init__(parent)
        self._cells = list(columns)
        self._headers = [""] * len(self._cells)
        self._rows: list[Any] = []
        self._numbers = frozenset(numbers)  # columns of amounts and counts: right-aligned, digits under digits

    @property
    def rows(self) -> list[Any]:
        return self._rows

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_headers(self, headers: Sequence[str]) -> None:
        if len(headers) != len(self._cells):
            raise ValueError("one header per column")
        self._headers = list(headers)
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(headers) - 1)

    def rerender(self) -> None:
        """Every cell again (after a language switch: words and item names change), the selection kept."""
        if self._rows:
            last = self.index(len(self._rows) - 1, len(self._cells) - 1)
            self.dataChanged.emit(self.index(0, 0), last, [Qt.ItemDataRole.DisplayRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._cells)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.column()](row)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(index.column())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(section)
        return None

    def _alignment(self, column: int) -> Qt.AlignmentFlag:
        side = Qt.AlignmentFlag.AlignRight if column in self._numbers else Qt.AlignmentFlag.AlignLeft
        return side | Qt.AlignmentFlag.AlignVCenter


class ManagerTable(QTableView):
    """A table a finger can use: rows at least a touch target high, flicked by touch, never scrolled sideways.

    Columns take the width of their text, and ``stretch`` takes the rest. With ``wrap`` (tables of a day's
    size) that column's text wraps and each row is as high as its text; without it (the bill and the
    reconciliation, which may hold 100,000 rows) every row is one line high, so that nothing is measured per
    row, and the columns are chosen short enough for one line (numbers by their short form, states in words)."""

    def __init__(
        self,
        name: str,
        model: RowsModel,
        parent: QWidget,
        *,
        stretch: int,
        selectable: bool = True,
        wrap: bool = True,
    ):
        super().__init__(parent)
        self.setObjectName(name)
        self.setModel(model)
        self.selectable = selectable
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(
            QAbstractItemView.SelectionMode.SingleSelection
            if selectable
            else QAbstractItemView.SelectionMode.NoSelection
        )
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus if not selectable else Qt.FocusPolicy.StrongFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(wrap)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)  # rows told apart by their shade; a grid line would take a pixel from each row
        self.verticalHeader().setVisible(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents if wrap else QHeaderView.ResizeMode.Fixed)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self._size_rows()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._size_rows()  # the stylesheet was scaled to a new window size

    def _size_rows(self) -> None:
        line = self.fontMetrics().lineSpacing() + ROW_PADDING
        self._row_height = max(line, TOUCH_TARGET) if self.selectable else line
        rows = self.verticalHeader()
        rows.setMinimumSectionSize(self._row_height)
        rows.setDefaultSectionSize(self._row_height)

    def sizeHintForRow(self, row: int) -> int:
        # Rows that grow with their text never shrink below one touchable line.
        return max(super().sizeHintForRow(row), self._row_height)

    def row_object(self, row: int) -> Any:
        model = self.model()
        return model.data(model.index(row, 0), Qt.ItemDataRole.UserRole)


class HourChart(QWidget):
    """24 bars (Beijing hours), painted with QPainter: the amount sold per hour."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("hourChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._amounts: list[int] = [0] * 24

    @property
    def amounts(self) -> list[int]:
        return list(self._amounts)

    def set_amounts(self, amounts: Sequence[int]) -> None:
        if len(amounts) != 24:
            raise ValueError("24 hourly amounts expected")
        self._amounts = list(amounts)
        self.update()

    def busiest_hour(self) -> int | None:
        return max(range(24), key=lambda h: self._amounts[h]) if any(self._amounts) else None

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.rect().adjusted(4, 4, -4, -4)
        label_height = painter.fontMetrics().height() + 2
        plot = QRectF(rect.left(), rect.top(), rect.width(), max(rect.height() - label_height, 10))
        painter.setPen(QColor("#888888"))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        top = max(self._amounts) or 1
        slot = plot.width() / 24
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#07c160"))  # WeChat green
        for hour, amount in enumerate(self._amounts):
            height = plot.height() * amount / top
            painter.drawRect(
                QRectF(plot.left() + hour * slot + slot * 0.15, plot.bottom() - height, slot * 0.7, height)
            )
        painter.setPen(QColor("#555555"))
        for hour in range(0, 24, 3):
            box = QRectF(plot.left() + hour * slot, plot.bottom() + 1, slot * 3, label_height)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, f"{hour:02d}")
        painter.end()


class Figures(QWidget):
    """Key numbers as cards, ``columns`` to a row: a caption, a large value (``{key}Value``) and a line under
    it (``{key}Note``, e.g. how many orders make the amount)."""

    def __init__(self, name: str, keys: Sequence[str], columns: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.captions: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, key in enumerate(keys):
            card = QWidget(self)
            card.setProperty("role", "figure")
            card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            column = QVBoxLayout(card)
            for role, name_suffix, store, text in (
                ("figureCaption", "Caption", self.captions, ""),
                ("figureValue", "Value", self.values, "-"),
                ("figureDetail", "Note", self.details, ""),
            ):
                label = QLabel(text, card)
                label.setObjectName(f"{key}{name_suffix}")
                label.setProperty("role", role)
                label.setWordWrap(True)
                column.addWidget(label)
                store[key] = label
            column.addStretch(1)
            grid.addWidget(card, index // columns, index % columns)
        for column_index in range(columns):
            grid.setColumnStretch(column_index, 1)

    def set_captions(self, captions: dict[str, str]) -> None:
        for key, text in captions.items():
            self.captions[key].setText(text)

    def set_value(self, key: str, value: str, detail: str = "") -> None:
        self.values[key].setText(value)
        self.details[key].setText(detail)
        self.details[key].setVisible(bool(detail))


def money(fen: int | None) -> str:
    return format_yuan(fen) if fen is not None else ""
