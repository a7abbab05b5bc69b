"""The catalogue on screen: a category row that wraps, item tiles that reflow with the width and wrap
their names, and the search results as the same tiles."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout import Catalogue, Item
from kiosk.money import format_yuan
from kiosk.ui.fit import text_room
from kiosk.ui.flow import FlowLayout
from kiosk.ui.i18n import Retranslating

#: An item name gets at most this many lines on a tile (a price line follows).
NAME_LINES = 3
#: A tile is at least this many line heights wide (about eight Chinese characters).
TILE_WIDTH_IN_LINES = 6
MAX_COLUMNS = 6
#: The category row shows at most this many rows of buttons; more scroll, with the scroll bar showing.
CATEGORY_ROWS = 2


def wrap_lines(text: str, font: QFont, width: int, max_lines: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels: at spaces between words, between any two
    Chinese characters, and inside a word only when the word alone is wider than a line. Past
    ``max_lines`` the last line ends in "…" (at a character boundary, never half a glyph)."""
    text = " ".join(text.split())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout = QTextLayout(text, font)
    layout.setTextOption(option)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(max(width, 1))
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    lines = [text[start : start + length].strip() for start, length in spans]
    if len(lines) > max_lines:
        rest = text[spans[max_lines - 1][0] :]
        last = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, max(width, 1))
        lines = [*lines[: max_lines - 1], last]
    return [line for line in lines if line]


class ItemTile(QPushButton):
    """A big button with the item's name (wrapped to its width) and its price."""

    chosen = Signal(object)  # Item

    def __init__(self, item: Item, language: str, name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("role", "item")
        self.setProperty("sku", item.sku)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.item = item
        self.language = language
        self._wrapped_for: tuple[int, str, str] | None = None  # (width, font, language) of the current text
        self.clicked.connect(lambda: self.chosen.emit(self.item))
        self.refresh()

    def set_language(self, language: str) -> None:
        self.language = language
        self.refresh()

    def refresh(self) -> None:
        width = text_room(self).width()
        key = (width, self.font().key(), self.language)
        if key == self._wrapped_for:
            return  # polish, restyle and resize events come in bursts
        self._wrapped_for = key
        lines = wrap_lines(self.item.name(self.language), self.font(), width, NAME_LINES)
        self.setText("\n".join([*lines, format_yuan(self.item.price_fen)]).replace("&", "&&"))
        # A stylesheet's min-height would be the tile's minimum whatever its text: the text decides.
        self.setMinimumHeight(self.sizeHint().height())

    def sizeHint(self) -> QSize:
        # At least two lines of name and the price, so that a grid of short names still looks like one.
        hint = super().sizeHint()
        text = self.fontMetrics().size(int(Qt.TextFlag.TextShowMnemonic), self.text()).height()
        frame = hint.height() - text
        return QSize(hint.width(), max(hint.height(), self.fontMetrics().lineSpacing() * 3 + frame))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().height() * 3, self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.refresh()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        kind = event.type()
        if kind == QEvent.Type.Show or (
            kind in (QEvent.Type.Polish, QEvent.Type.StyleChange, QEvent.Type.FontChange) and self.isVisible()
        ):
            self.refresh()  # shown, styled or rescaled: new font, new padding (hidden pages wait until shown)
        return handled


class TileGrid(QWidget):
    """Tiles in as many columns as the width allows (at least two)."""

    itemChosen = Signal(object)  # Item

    def __init__(self, name_prefix: str, parent: QWidget | None = None):
        super().__init__(parent)
        self._prefix = name_prefix
        self.tiles: list[ItemTile] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0
        self.language = "zh_CN"

    def set_items(self, items: Sequence[Item], language: str) -> None:
        self.language = language
        for tile in self.tiles:
            self._grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []
        for item in items:
            tile = ItemTile(item, language, f"{self._prefix}{item.sku}", self)
            tile.chosen.connect(self.itemChosen.emit)
            self.tiles.append(tile)
        self._columns = 0
        self._reflow()

    def set_language(self, language: str) -> None:
        self.language = language
        for tile in self.tiles:
            tile.set_language(language)

    def columns(self) -> int:
        if not self.tiles:
            return 1
        spacing = max(self._grid.spacing(), 0)
        least = self.tiles[0].fontMetrics().height() * TILE_WIDTH_IN_LINES
        return max(2, min(MAX_COLUMNS, (self.width() + spacing) // (least + spacing)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._reflow()

    def _reflow(self) -> None:
        columns = self.columns()
        if columns == self._columns:
            return
        self._columns = columns
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        for index, tile in enumerate(self.tiles):
            self._grid.addWidget(tile, index // columns, index % columns)
        for column in range(MAX_COLUMNS):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        rows = -(-len(self.tiles) // columns)
        for row in range(max(self._grid.rowCount(), rows + 1)):
            self._grid.setRowStretch(row, 1 if row == rows else 0)  # spare height below the last row


def tile_scroller(grid: TileGrid) -> QScrollArea:
    """``grid`` in a vertical scroll area that follows a finger's swipe."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(grid)
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
    return area


class CatalogView(QTabWidget):
    """One page of tiles per category (buttons ``item_<SKU>``). The tab bar is hidden: the category row
    (:class:`CategoryBar`) chooses the page, and wraps instead of hiding tabs behind scroll arrows."""

    itemClicked = Signal(object)  # Item

    def __init__(self, catalogue: Catalogue, language: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("catalogView")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabBar().hide()
        self.catalogue = catalogue
        self.language = language
        self.buttons: dict[str, ItemTile] = {}
        self.grids: list[TileGrid] = []
        groups: list[tuple[str, tuple[Item, ...]]] = [(c.id, catalogue.items_in(c.id)) for c in catalogue.categories]
        listed = {item.sku for _, items in groups for item in items}
        others = tuple(item for item in catalogue.items if item.sku not in listed)
        if others or not groups:
            groups.append(("", others))
        self.category_ids: list[str] = []
        for category_id, items in groups:
            if not items:
                continue
            grid = TileGrid("item_")
            grid.set_items(items, language)
            grid.itemChosen.connect(self.itemClicked.emit)
            self.buttons.update({tile.item.sku: tile for tile in grid.tiles})
            self.grids.append(grid)
            self.addTab(tile_scroller(grid), "")
            self.category_ids.append(category_id)
        self.retranslate()

    def set_language(self, language: str) -> None:
        self.language = language
        for grid in self.grids:
            grid.set_language(language)
        self.retranslate()

    def category_name(self, index: int) -> str:
        category_id = self.category_ids[index]
        return self.catalogue.category(category_id).name(self.language) if category_id else self.tr("Other")

    def retranslate(self) -> None:
        for index in range(len(self.category_ids)):
            self.setTabText(index, self.category_name(index).replace("&", "&&"))


class CategoryBar(Retranslating, QScrollArea):
    """A button per category of ``catalog`` (``category_<id>``, ``category_other``) in rows that wrap;
    past two rows it scrolls, its scroll bar showing that there is more."""

    def __init__(self, catalog: CatalogView, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("categoryBar")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.catalog = catalog
        holder = QWidget()
        self.flow = FlowLayout(holder, spacing=8)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: list[QPushButton] = []
        for index, category_id in enumerate(catalog.category_ids):
            button = QPushButton(holder)
            button.setObjectName(f"category_{category_id or 'other'}")
            button.setProperty("role", "category")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _=False, page=index: self.catalog.setCurrentIndex(page))
            self.group.addButton(button)
            self.flow.addWidget(button)
            self.buttons.append(button)
        self.setWidget(holder)
        QScroller.grabGesture(self.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        catalog.currentChanged.connect(self._follow)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.retranslate()
        self._follow(catalog.currentIndex())

    def retranslate(self) -> None:
        for index, button in enumerate(self.buttons):
            button.setText(self.catalog.category_name(index).replace("&", "&&"))
        self.updateGeometry()

    def _follow(self, index: int) -> None:
        if 0 <= index < len(self.buttons):
            self.buttons[index].setChecked(True)

    def sizeHint(self) -> QSize:
        width = self.viewport().width() if self.viewport().width() > 1 else 600
        full = self.flow.heightForWidth(width)
        row = max((button.sizeHint().height() for button in self.buttons), default=0)
        most = CATEGORY_ROWS * row + (CATEGORY_ROWS - 1) * 8
        return QSize(width, min(full, most) + 2 * self.frameWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.sizeHint().height() != self.height():
            self.setFixedHeight(self.sizeHint().height())


class SearchResults(Retranslating, QWidget):
    """What the search field found, as tiles (``result_<SKU>``) under a line saying what was searched."""

    itemClicked = Signal(object)  # Item

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("searchResults")
        self.query = ""
        self.items: list[Item] = []
        self.title = QLabel(self)
        self.title.setObjectName("searchTitle")
        self.title.setWordWrap(True)
        self.grid = TileGrid("result_")
        self.grid.itemChosen.connect(self.itemClicked.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(tile_scroller(self.grid), 1)

    def show_results(self, query: str, items: list[Item], language: str) -> None:
        self.query, self.items = query, items
        self.grid.set_items(items, language)
        self.retranslate()

    def set_language(self, language: str) -> None:
        self.grid.set_language(language)

    def retranslate(self) -> None:
        if self.items:
            self.title.setText(self.tr("Found {0} for “{1}” — tap one to add it").format(len(self.items), self.query))
        else:
            self.title.setText(self.tr("Nothing found for “{0}”").format(self.query))
