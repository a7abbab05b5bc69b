"""Does a window fit its size? Every visible label, button, field, tab and table cell must lie inside the
window (and inside every widget around it that does not scroll) and show its whole text, measured with
the widget's own font against the room its style leaves for text; touch targets must be big enough, and
so must the parts of a widget that act on their own when tapped (a slider's handle, a date field's
calendar arrow), measured where Qt hit-tests a press.

Used by the layout test on every screen and dialog at every supported size (``tests/ui/test_layout.py``)
and by ``scripts/screenshots.py``, which refuses to write a screenshot of a screen that does not fit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize
from PySide6.QtGui import (
    QFontMetrics,
    Qt,  # QtGui's Qt has mightBeRichText too
    QTextDocument,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QDateTimeEdit,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollBar,
    QSlider,
    QStyle,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStyleOptionSlider,
    QStyleOptionTab,
    QTabBar,
    QWidget,
)

#: Smallest comfortable touch target (Apple's HIG and Material both say about 44-48 px).
TOUCH_TARGET = 44
#: Font metrics and the painter may round differently by a pixel.
SLACK = 1


@dataclass(frozen=True)
class Misfit:
    widget: str
    problem: str

    def __str__(self) -> str:
        return f"{self.widget}: {self.problem}"


def misfits(window: QWidget, *, min_target: int = 0) -> list[Misfit]:
    """What does not fit in ``window`` as it is laid out now (let the event loop settle first).

    ``min_target`` > 0 also checks that every button and field, every row of a table one taps, and every
    part of a widget that :func:`touch_parts` finds is at least that many pixels in both directions."""
    found: list[Misfit] = []
    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window or not widget.isVisible():
            continue  # other windows (dialogs) are checked on their own; hidden pages do not count
        name = describe(widget)
        problems: list[str] = []
        if isinstance(widget, (QLabel, QAbstractButton, QLineEdit, QTabBar, QAbstractItemView)):
            problems += _outside(widget, window)
        if isinstance(widget, QLabel):
            problems += _label_text(widget)
        elif isinstance(widget, QAbstractButton):
            problems += _button_text(widget)
        elif isinstance(widget, QLineEdit):
            problems += _placeholder_text(widget)
        elif isinstance(widget, QTabBar):
            problems += _tabs(widget)
        elif isinstance(widget, QScrollBar):
            problems += _sideways_scrolling(widget)
        if isinstance(widget, QAbstractItemView):
            problems += _cells(widget, min_target)
        if min_target and isinstance(widget, (QAbstractButton, QLineEdit)):
            size = widget.size()
            if size.width() < min_target or size.height() < min_target:
                problems.append(f"touch target {size.width()}×{size.height()} < {min_target}×{min_target}")
        problems += _parts(widget, min_target)
        found += [Misfit(name, problem) for problem in problems]
    return found


def settle(rounds: int = 50) -> None:
    """Run the event loop until nothing on screen moves or changes its text any more: a resize restyles,
    a restyle re-wraps tile names, re-wrapped names resize rows... Measure only after this."""
    previous = None
    for _ in range(rounds):
        QApplication.processEvents()
        current = _signature()
        if current == previous:
            return
        previous = current
        time.sleep(0.005)  # something moved: let other threads post what they have before the next round
    raise RuntimeError("the layout never settled")


def _signature() -> tuple[object, ...]:
    return tuple(
        (widget.objectName(), widget.geometry().getRect(), _text(widget))
        for top in QApplication.topLevelWidgets()
        if top.isVisible()
        for widget in [top, *top.findChildren(QWidget)]
        if widget.isVisible()
    )


def describe(widget: QWidget) -> str:
    """``objectName`` (or the class and its text) with the nearest named ancestor, for messages."""
    label = widget.objectName() or type(widget).__name__
    text = _text(widget)
    if not widget.objectName() and text:
        label += f"({text[:24]!r})"
    parent = widget.parentWidget()
    while parent is not None and (not parent.objectName() or parent.objectName().startswith("qt_")):
        parent = parent.parentWidget()
    return f"{parent.objectName()}/{label}" if parent is not None else label


def _text(widget: QWidget) -> str:
    if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)):
        return widget.text()
    return ""


# ---- position -----------------------------------------------------------------------------------------


def _outside(widget: QWidget, window: QWidget) -> list[str]:
    """The widget must lie inside each ancestor up to the window; inside a scroll area only the direction
    that cannot scroll must fit (the rest is reachable by scrolling)."""
    rect = QRect(QPoint(0, 0), widget.size())
    child = widget
    while child is not window:
        parent = child.parentWidget()
        if parent is None:
            break
        rect = rect.translated(child.pos())
        room = QRect(QPoint(0, 0), parent.size())
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            problems = []
            if area.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff and (
                rect.left() < -SLACK or rect.right() > room.right() + SLACK
            ):
                problems.append(f"cut at the sides of {describe(area)} (which cannot scroll sideways)")
            if area.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff and (
                rect.top() < -SLACK or rect.bottom() > room.bottom() + SLACK
            ):
                problems.append(f"cut at the top or bottom of {describe(area)} (which cannot scroll)")
            if problems:
                return problems
            rect = room  # the rest scrolls into view
        elif not room.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
            return [f"lies outside {describe(parent)}: {_box(rect)} in {_box(room)}"]
        child = parent
    return []


def _box(rect: QRect) -> str:
    return f"{rect.width()}×{rect.height()}+{rect.x()}+{rect.y()}"


# ---- parts of a widget ---------------------------------------------------------------------------------


def touch_parts(widget: QWidget) -> dict[str, QRect]:
    """The parts of ``widget`` that act on their own when tapped, in its coordinates, as its own style (a
    stylesheet's, if one applies) hit-tests a press: a slider's handle, a calendar-popup date's arrow."""
    style = widget.style()
    if isinstance(widget, QSlider):
        slider = QStyleOptionSlider()
        widget.initStyleOption(slider)
        control, part = QStyle.ComplexControl.CC_Slider, QStyle.SubControl.SC_SliderHandle
        return {"handle": style.subControlRect(control, slider, part, widget)}
    if isinstance(widget, QDateTimeEdit) and widget.calendarPopup():
        # With a calendar popup the field is drawn and hit-tested as an editable combo box: a press on the
        # combo box's arrow opens the calendar (QDateTimeEdit builds this very option for it).
        combo = QStyleOptionComboBox()
        combo.initFrom(widget)
        combo.editable = True
        combo.subControls = QStyle.SubControl.SC_All
        control, part = QStyle.ComplexControl.CC_ComboBox, QStyle.SubControl.SC_ComboBoxArrow
        return {"calendar arrow": style.subControlRect(control, combo, part, widget)}
    return {}


def _parts(widget: QWidget, min_target: int) -> list[str]:
    """Each part lies inside its widget (the rest is cut off and never reached by a tap) and, when
    ``min_target`` > 0, is at least that big where it can be tapped."""
    problems = []
    for name, rect in touch_parts(widget).items():
        reachable = rect.intersected(widget.rect())
        if reachable != rect:
            problems.append(f"{name} {_box(rect)} is cut by the widget's edges ({_box(widget.rect())})")
        if min_target and (reachable.width() < min_target or reachable.height() < min_target):
            problems.append(f"{name} touch target {reachable.width()}×{reachable.height()} < {min_target}×{min_target}")
    return problems


# ---- text ---------------------------------------------------------------------------------------------


def _needs(metrics: QFontMetrics, text: str, width: int, wrap: bool) -> QSize:
    if wrap:
        flags = Qt.TextFlag.TextWordWrap | Qt.TextFlag.TextExpandTabs
        return metrics.boundingRect(QRect(0, 0, max(width, 1), 1_000_000), int(flags), text).size()
    return metrics.size(int(Qt.TextFlag.TextExpandTabs), text)


def _too_small(needed: QSize, room: QSize) -> str | None:
    if needed.width() > room.width() + SLACK or needed.height() > room.height() + SLACK:
        return f"text needs {needed.width()}×{needed.height()}, has {room.width()}×{room.height()}"
    return None


def _label_text(label: QLabel) -> list[str]:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return []
    room = label.contentsRect().adjusted(label.margin(), label.margin(), -label.margin(), -label.margin())
    if label.indent() > 0:
        room.setLeft(room.left() + label.indent())
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText and Qt.mightBeRichText(text)
    )
    if rich:
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setDocumentMargin(0)
        document.setHtml(text)
        if label.wordWrap():
            document.setTextWidth(room.width())
        needed = QSize(int(document.idealWidth() + 0.999), int(document.size().height() + 0.999))
    else:
        needed = _needs(label.fontMetrics(), text, room.width(), label.wordWrap())
    problem = _too_small(needed, room.size())
    return [problem] if problem else []


def _mnemonic_free(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def text_room(button: QAbstractButton) -> QRect:
    """The part of a button its style leaves for text and icon (border and padding taken off)."""
    if not isinstance(button, QPushButton):
        return button.contentsRect()
    option = QStyleOptionButton()
    option.initFrom(button)
    option.text = button.text()
    option.icon = button.icon()
    option.iconSize = button.iconSize()
    return button.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, button)


def _button_text(button: QAbstractButton) -> list[str]:
    text = _mnemonic_free(button.text())
    if not text:
        return []
    room = text_room(button)
    needed = _needs(button.fontMetrics(), text, room.width(), wrap=False)
    if not button.icon().isNull():
        needed.setWidth(needed.width() + button.iconSize().width() + 4)
    problem = _too_small(needed, room.size())
    return [problem] if problem else []


def _placeholder_text(field: QLineEdit) -> list[str]:
    text = field.text() or field.placeholderText()
    if not text or field.echoMode() != QLineEdit.EchoMode.Normal:
        return []
    option = QStyleOptionFrame()
    option.initFrom(field)
    option.lineWidth = field.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth, option, field)
    room = field.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, field)
    margins = field.textMargins()
    room = room.adjusted(margins.left() + 2, margins.top(), -margins.right() - 2, -margins.bottom())
    problem = _too_small(_needs(field.fontMetrics(), text, room.width(), wrap=False), room.size())
    return [problem] if problem else []


def _tabs(bar: QTabBar) -> list[str]:
    problems = []
    inside = bar.rect()
    for index in range(bar.count()):
        if not bar.isTabVisible(index):
            continue
        rect = bar.tabRect(index)
        text = _mnemonic_free(bar.tabText(index))
        if not inside.contains(rect):
            problems.append(f"tab {text!r} is scrolled out of the tab bar")
            continue
        option = QStyleOptionTab()
        option.initFrom(bar)
        option.rect = rect
        option.text = bar.tabText(index)
        room = bar.style().subElementRect(QStyle.SubElement.SE_TabBarTabText, option, bar)
        problem = _too_small(_needs(bar.fontMetrics(), text, room.width(), wrap=False), room.size())
        if problem:
            problems.append(f"tab {text!r}: {problem}")
    return problems


def _sideways_scrolling(bar: QScrollBar) -> list[str]:
    container = bar.parentWidget()  # Qt keeps a scroll area's bars in a container of its own
    area = container.parentWidget() if container is not None else None
    if bar.orientation() == Qt.Orientation.Horizontal and isinstance(area, QAbstractScrollArea):
        return [f"{describe(area)} scrolls sideways (its content is wider than the screen gives it)"]
    return []


def _cells(view: QAbstractItemView, min_target: int) -> list[str]:
    model = view.model()
    if model is None:
        return []
    problems: list[str] = []
    margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    viewport = view.viewport().rect()
    wrap = bool(getattr(view, "wordWrap", lambda: False)())
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column, QModelIndex())
            rect = view.visualRect(index)
            if rect.isEmpty() or not viewport.intersects(rect):
                continue
            if (
                min_target
                and column == 0
                and view.selectionMode() != QAbstractItemView.SelectionMode.NoSelection
                and rect.height() < min_target
            ):
                problems.append(f"row {row} is {rect.height()} px high, < {min_target} to tap")
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if not text:
                continue
            room = rect.adjusted(margin, 0, -margin, 0)
            problem = _too_small(_needs(view.fontMetrics(), str(text), room.width(), wrap), room.size())
            if problem:
                problems.append(f"cell {row},{column} {str(text)[:24]!r}: {problem}")
    for header in (getattr(view, "horizontalHeader", lambda: None)(),):
        if isinstance(header, QHeaderView) and header.isVisible():
            problems += _header(header)
    return problems


def _header(header: QHeaderView) -> list[str]:
    problems = []
    model = header.model()
    if model is None:
        return problems
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for section in range(header.count()):
        if header.isSectionHidden(section):
            continue
        text = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
        if not text:
            continue
        needed = header.fontMetrics().horizontalAdvance(str(text)) + 2 * margin
        if needed > header.sectionSize(section) + SLACK:
            problems.append(f"column {str(text)!r} needs {needed} px, has {header.sectionSize(section)}")
    return problems
