"""``kiosk.ui.fit``'s touch check on the parts of a widget: the volume slider's handle and the bill date's
calendar arrow, styled by the real stylesheet scaled to each supported size, measured where Qt acts on a
press, and caught when they are narrower than a finger (as they were, 35-39 px, at 1024×768)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDateEdit, QSlider, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from kiosk.ui.fit import TOUCH_TARGET, misfits, settle, touch_parts
from kiosk.ui.scale import scale_for, scaled
from kiosk.ui.style import stylesheet
from tests.ui.layout import MAIN_SIZES, TOUCH_SIZE

#: The rules these two parts had before they were made a finger wide (44 px scaled to 35 at 1024×768,
#: a handle 42 px high from a negative margin, which the scaling leaves alone).
OLD_RULES = """
#billDateEdit::drop-down { width: 44px; border: none; }
#managerView QSlider::groove:horizontal { height: 12px; background: #e0e0e0; border-radius: 6px; }
#managerView QSlider::sub-page:horizontal, #managerView QSlider::add-page:horizontal { margin: 0; }
#managerView QSlider::handle:horizontal { width: 44px; margin: -16px 0; background: #ffffff;
                                          border: 2px solid #07c160; border-radius: 22px; }
"""


def parts_screen(qtbot: QtBot, size: QSize, extra: str = "") -> tuple[QWidget, QDateEdit, QSlider]:
    """The bill date and the volume slider as the manager screen builds them, under the stylesheet
    scaled for a window of ``size`` (on the window itself, so the application's scale does not matter)."""
    window = QWidget()
    window.setObjectName("managerView")
    date = QDateEdit(window)
    date.setObjectName("billDateEdit")
    date.setCalendarPopup(True)
    date.setButtonSymbols(QDateEdit.ButtonSymbols.NoButtons)
    slider = QSlider(Qt.Orientation.Horizontal, window)
    slider.setObjectName("soundVolumeSlider")
    slider.setRange(0, 100)
    slider.setValue(50)
    layout = QVBoxLayout(window)
    layout.addWidget(date)
    layout.addWidget(slider)
    layout.addStretch(1)
    window.setStyleSheet(scaled(stylesheet() + extra, scale_for(size)))
    qtbot.addWidget(window)
    window.resize(size)
    window.show()
    settle()
    return window, date, slider


def part_problems(window: QWidget) -> list[str]:
    return [str(misfit) for misfit in misfits(window, min_target=TOUCH_TARGET) if "touch target" in misfit.problem]


def test_parts_narrower_than_a_finger_are_caught(qtbot: QtBot) -> None:
    window, _, _ = parts_screen(qtbot, TOUCH_SIZE, OLD_RULES)
    problems = part_problems(window)
    assert any(p.startswith("managerView/billDateEdit: calendar arrow touch target 35×") for p in problems), problems
    # 44 px wide with a -16 px margin over a 12 px groove, scaled by 0.8: 35 + 2 × 2 (border) by 10 + 2 × 13.
    assert any(p.startswith("managerView/soundVolumeSlider: handle touch target 39×36") for p in problems), problems


@pytest.mark.parametrize("size", MAIN_SIZES, ids=lambda size: f"{size.width()}x{size.height()}")
def test_the_parts_are_a_finger_wide_at_every_size(qtbot: QtBot, size: QSize) -> None:
    window, date, slider = parts_screen(qtbot, size)
    for widget in (date, slider):
        for name, rect in touch_parts(widget).items():
            assert widget.rect().contains(rect), f"{name} {rect} is cut by {widget.rect()}"
            assert rect.width() >= TOUCH_TARGET and rect.height() >= TOUCH_TARGET, f"{name} {rect} at {size}"
    assert [str(misfit) for misfit in misfits(window, min_target=TOUCH_TARGET)] == []


def test_a_part_is_measured_where_a_press_acts(qtbot: QtBot) -> None:
    """A press just inside the measured arrow opens the calendar and one just outside does not; a press
    just inside the measured handle grabs it and one just outside does not."""
    _, date, slider = parts_screen(qtbot, TOUCH_SIZE)
    arrow = touch_parts(date)["calendar arrow"]
    calendar = date.calendarWidget().window()

    def opens_calendar(x: int) -> bool:
        QTest.mouseClick(date, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, arrow.center().y()))
        settle()
        opened = calendar.isVisible()
        calendar.hide()
        return opened

    assert opens_calendar(arrow.left()) and opens_calendar(arrow.right())
    assert not opens_calendar(arrow.left() - 1)

    handle = touch_parts(slider)["handle"]

    def grabs_handle(point: QPoint) -> bool:
        QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        grabbed = slider.isSliderDown()
        QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
        slider.setValue(50)
        settle()
        return grabbed

    for point in (handle.topLeft(), handle.bottomRight()):
        assert grabs_handle(point), f"{point} in {handle}"
    assert not grabs_handle(QPoint(handle.left() - 1, handle.center().y()))
    assert not grabs_handle(QPoint(handle.right() + 1, handle.center().y()))


def test_a_part_cut_by_its_widget_is_reported(qtbot: QtBot) -> None:
    # A handle taller than its slider: painted and reachable only in part.
    tall = "#managerView QSlider::handle:horizontal { margin: -40px 0; }"
    window, _, slider = parts_screen(qtbot, TOUCH_SIZE, tall)
    handle: QRect = touch_parts(slider)["handle"]
    assert handle.height() > slider.height()
    problems = [str(misfit) for misfit in misfits(window)]
    assert any(p.startswith("managerView/soundVolumeSlider: handle") and "cut by the widget" in p for p in problems)
