"""The frame every dialog of the kiosk shares: a title, a body that scrolls when the screen is short, and
the actions in a bar along the bottom that is always visible. The dialog never grows past the window it
belongs to, and sits centred over it (a touch screen has no title bar to drag a dialog by)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMargins, QPoint, QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

#: Room left around a dialog inside its window.
WINDOW_MARGIN = 24


class ActionDialog(QDialog):
    """Subclasses fill :attr:`body` (a QVBoxLayout on :attr:`body_widget`) and call :meth:`add_action`."""

    def __init__(self, name: str, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setObjectName(name)
        self.setModal(True)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setProperty("role", "dialog")
        self.title = QLabel(self)
        self.title.setObjectName(f"{name}Title")
        self.title.setProperty("role", "dialogTitle")
        self.title.setWordWrap(True)
        self.body_widget = QWidget()
        self.body_widget.setObjectName(f"{name}Body")
        self.body = QVBoxLayout(self.body_widget)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body_scroll = QScrollArea(self)
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A tap on a key that never takes the focus hands it to the nearest parent that does: were that this
        # scroll area, every tap on a keypad would pull the focus (and its selection) out of the field it types in.
        self.body_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body_scroll.setWidget(self.body_widget)
        self.action_bar = QWidget(self)
        self.action_bar.setObjectName(f"{name}Actions")
        self.action_bar.setProperty("role", "actionBar")
        self.action_row = QHBoxLayout(self.action_bar)
        self.action_row.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.body_scroll, 1)
        layout.addWidget(self.action_bar)

    def set_title(self, text: str) -> None:
        self.setWindowTitle(text)
        self.title.setText(text)

    def add_action(self, name: str, slot: Callable[[], object], *, primary: bool = False) -> QPushButton:
        button = QPushButton(self.action_bar)
        button.setObjectName(name)
        button.setProperty("emphasis", "true" if primary else "false")
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        self.action_row.addWidget(button, 1)
        return button

    def sizeHint(self) -> QSize:
        # The body's whole height when there is room: scrolling is only for short screens.
        hint = super().sizeHint()
        inner = self.body_widget.sizeHint()
        margins = self.contentsMargins() + self._layout_margins()
        sides = margins.left() + margins.right()
        width = min(max(hint.width(), inner.width() + sides), self._room().width())
        # Rows that wrap (a flow of choices, long words) need more height at the width the dialog gets.
        body = self.body_widget
        height = max(inner.height(), body.minimumSizeHint().height(), body.heightForWidth(width - sides))
        hint.setHeight(hint.height() - self.body_scroll.sizeHint().height() + height + 4)
        hint.setWidth(width)
        return hint.boundedTo(self._room())

    def _layout_margins(self) -> QMargins:
        layout = self.layout()
        return layout.contentsMargins() if layout is not None else QMargins()

    def _window(self) -> QWidget | None:
        parent = self.parentWidget()
        return parent.window() if parent is not None else None

    def _room(self) -> QSize:
        window = self._window()
        if window is None:
            screen = self.screen()
            return screen.availableSize() if screen is not None else QSize(1 << 16, 1 << 16)
        return window.size() - QSize(2 * WINDOW_MARGIN, 2 * WINDOW_MARGIN)

    def fit(self) -> None:
        """Size to the content, at most the window's size, centred over the window."""
        room = self._room()
        self.setMaximumSize(room)
        self.resize(self.sizeHint())
        # Wrapped words are measured for real only once laid out at the width the dialog got: grow to them.
        layout = self.layout()
        if layout is not None:
            layout.activate()
        viewport = self.body_scroll.viewport()
        needed = max(self.body_widget.heightForWidth(viewport.width()), self.body_widget.minimumSizeHint().height())
        if needed > viewport.height():
            self.resize(self.width(), min(self.height() + needed - viewport.height(), room.height()))
        window = self._window()
        if window is not None:
            centre = window.mapToGlobal(QPoint(window.width() // 2, window.height() // 2))
            self.move(centre - QPoint(self.width() // 2, self.height() // 2))

    def showEvent(self, event: QShowEvent) -> None:
        self.fit()
        super().showEvent(event)
