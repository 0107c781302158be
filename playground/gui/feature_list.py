"""The input-feature choice: one checkable list model and a view, not one widget per column.

A CSV with 10,000 columns used to make 10,000 checkboxes (and froze the window);
a model draws only the rows in sight. With many features a filter box and
"All" / "None" (acting on the rows shown) appear. At least one feature stays
selected: the network needs an input.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
)

FILTER_FROM = 12  # more features than this: a filter box and All / None
VISIBLE_ROWS = 8  # the list's height in rows when it scrolls
KEEP_ONE = "At least one feature must stay selected"


class FeatureModel(QAbstractListModel):
    """Feature names with check states; `toggled` after a change the user made."""

    toggled = Signal()
    refused = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names: tuple[str, ...] = ()
        self.labels: tuple[str, ...] = ()
        self.tips: tuple[str, ...] = ()
        self.checked = np.zeros(0, dtype=bool)

    def reset(self, names, selected, labels=None, tips=None) -> None:
        self.beginResetModel()
        self.names = tuple(names)
        self.labels = tuple(labels) if labels is not None else self.names
        self.tips = tuple(tips) if tips is not None else self.labels
        chosen = set(selected)
        self.checked = np.fromiter((n in chosen for n in self.names), bool, len(self.names))
        self.endResetModel()

    def selected(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in np.flatnonzero(self.checked))

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.names)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = index.row()
        if not index.isValid() or row >= len(self.names):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.labels[row]
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if self.checked[row] else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tips[row]
        if role == Qt.ItemDataRole.UserRole:
            return self.names[row]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid():
            return False
        on = Qt.CheckState(value) == Qt.CheckState.Checked
        return self.set_rows([index.row()], on)

    def set_rows(self, rows, on: bool) -> bool:
        """Check or uncheck `rows`; refused (False) when no feature would be left."""
        rows = np.asarray(rows, dtype=int)
        new = self.checked.copy()
        new[rows] = on
        if not new.any():
            self.refused.emit(KEEP_ONE)
            return False
        if np.array_equal(new, self.checked):
            return False
        self.checked = new
        if len(rows):
            first, last = int(rows.min()), int(rows.max())
            self.dataChanged.emit(
                self.index(first), self.index(last), [Qt.ItemDataRole.CheckStateRole]
            )
        self.toggled.emit()
        return True


class FeatureList(QGroupBox):
    """The "Input features" box of the dataset picker; emits `featuresChanged(tuple)`."""

    featuresChanged = Signal(object)

    def __init__(self, parent=None):
        super().__init__("Input features", parent)
        self.setToolTip("What the network sees: the raw inputs and transforms of them")
        self.model = FeatureModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = QListView()
        self.view.setObjectName("featureList")
        self.view.setModel(self.proxy)
        self.view.setFlow(QListView.Flow.LeftToRight)
        self.view.setWrapping(True)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(2)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.filter = QLineEdit()
        self.filter.setObjectName("featureFilter")
        self.filter.setPlaceholderText("Filter features…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.all_button = QPushButton("All")
        self.all_button.setToolTip("Select every feature shown")
        self.all_button.clicked.connect(lambda: self._set_shown(True))
        self.none_button = QPushButton("None")
        self.none_button.setToolTip(f"Clear the features shown ({KEEP_ONE.lower()})")
        self.none_button.clicked.connect(lambda: self._set_shown(False))
        self.count = QLabel()
        self.count.setObjectName("featureCount")
        tools = QHBoxLayout()
        tools.addWidget(self.filter, 1)
        tools.addWidget(self.all_button)
        tools.addWidget(self.none_button)
        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.view)
        layout.addWidget(self.count)
        self.model.toggled.connect(self._toggled)
        self.model.refused.connect(self.count.setText)

    def set_features(self, names, selected, labels=None, tips=None) -> None:
        """Offer `names` with `selected` checked; no signal."""
        self.filter.clear()
        self.model.reset(names, selected, labels, tips)
        many = len(self.model.names) > FILTER_FROM
        for w in (self.filter, self.all_button, self.none_button):
            w.setVisible(many)
        self._fit_height(many)
        self._show_count()

    def selected(self) -> tuple[str, ...]:
        return self.model.selected()

    def set_checked(self, name: str, on: bool) -> bool:
        """Check or uncheck one feature as a click would (emits when it changes)."""
        return self.model.set_rows([self.model.names.index(name)], on)

    def _set_shown(self, on: bool) -> None:
        rows = [
            self.proxy.mapToSource(self.proxy.index(r, 0)).row()
            for r in range(self.proxy.rowCount())
        ]
        if not on and len(rows) == len(self.model.names):
            rows = rows[1:]  # "None" of everything keeps the first: the network needs an input
        self.model.set_rows(rows, on)

    def _fit_height(self, many: bool) -> None:
        """Tall enough for a few features without scrolling; a scrolling list for many."""
        row = max(self.view.sizeHintForRow(0), self.fontMetrics().height() + 4) + 4
        n = len(self.model.names)
        rows = VISIBLE_ROWS if many else max(1, -(-n // 3))
        self.view.setFixedHeight(rows * row + 2 * self.view.frameWidth() + 4)

    def _show_count(self) -> None:
        self.count.setText(
            f"{int(self.model.checked.sum()):,} of {len(self.model.names):,} selected"
        )

    def _toggled(self) -> None:
        self._show_count()
        self.featuresChanged.emit(self.model.selected())
