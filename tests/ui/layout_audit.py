"""Geometry checks for a real widget tree: overlapping siblings, text that does not fit.

Used by ``test_layout_fit.py``. Every check reads what Qt actually laid out (geometries,
font metrics of the widget's own font, the label's own word wrap), so a widget that grows,
shrinks or changes its text is judged as the operator would see it.
"""

from __future__ import annotations

from PySide6 import QtGui
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QLabel,
    QRadioButton,
    QScrollArea,
    QScrollBar,
    QSplitterHandle,
    QTabBar,
    QWidget,
)

from skins_console.ui.widgets.elided_label import ELIDES_PROPERTY

#: a widget with this dynamic property set to True floats over its siblings on purpose
OVERLAY_PROPERTY = "overlay"
ELLIPSIS = "…"


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _children(widget: QWidget) -> list[QWidget]:
    return [
        child
        for child in widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if not child.isWindow() and _shown(child)
    ]


def _skip_container(widget: QWidget) -> bool:
    # Scroll areas, tab bars and scroll bars place their own internal parts (viewport,
    # scroll buttons, corner widget); only what the application lays out is judged.
    return isinstance(widget, (QAbstractScrollArea, QTabBar, QScrollBar, QComboBox))


def _name(widget: QWidget) -> str:
    text = ""
    for attr in ("text", "title", "windowTitle"):
        getter = getattr(widget, attr, None)
        if callable(getter):
            try:
                value = getter()
            except TypeError:
                continue
            if isinstance(value, str) and value:
                text = value
                break
    label = type(widget).__name__
    if widget.objectName():
        label += f"#{widget.objectName()}"
    return f"{label}({text[:40]!r})" if text else label


def overlapping_siblings(root: QWidget) -> list[str]:
    problems = []
    stack = [root]
    while stack:
        widget = stack.pop()
        children = _children(widget)
        stack.extend(children)
        if _skip_container(widget):
            continue
        placed = [
            c
            for c in children
            if not c.property(OVERLAY_PROPERTY) and not isinstance(c, QSplitterHandle)
        ]
        for i, first in enumerate(placed):
            for second in placed[i + 1 :]:
                shared: QRect = first.geometry().intersected(second.geometry())
                if shared.width() > 1 and shared.height() > 1:
                    problems.append(f"{_name(first)} overlaps {_name(second)} in {_name(widget)}")
    return problems


def _label_text_width(label: QLabel) -> int:
    text = label.text()
    metrics = QFontMetrics(label.font())
    if label.textFormat() == Qt.TextFormat.PlainText or (
        label.textFormat() == Qt.TextFormat.AutoText and not QtGui.Qt.mightBeRichText(text)
    ):
        return max((metrics.horizontalAdvance(line) for line in text.split("\n")), default=0)
    document = QTextDocument()
    document.setDefaultFont(label.font())
    document.setDocumentMargin(0)
    document.setHtml(text)
    return int(document.idealWidth())


def clipped_texts(root: QWidget) -> list[str]:
    """Labels and buttons whose text needs more room than they got (and is not elided)."""
    problems = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not _shown(widget) or widget.window() is not root.window():
            continue
        if isinstance(widget, QLabel) and widget.text():
            room = widget.contentsRect().width() - 2 * widget.margin()
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if needed > widget.height() + 1:
                    problems.append(
                        f"{_name(widget)} needs {needed}px of height, has {widget.height()}"
                    )
            elif widget.text().endswith(ELLIPSIS) or widget.property(ELIDES_PROPERTY):
                continue
            elif _label_text_width(widget) > room + 1:
                problems.append(f"{_name(widget)} needs {_label_text_width(widget)}px, has {room}")
        elif isinstance(widget, (QCheckBox, QRadioButton, QAbstractButton)) and widget.text():
            hint = widget.sizeHint()
            if hint.width() > widget.width() + 1:
                problems.append(f"{_name(widget)} needs {hint.width()}px, has {widget.width()}")
    return problems


def clipped_sideways(root: QWidget) -> list[str]:
    """Widgets cut off on the left or right by an ancestor (a scroll area scrolls vertically
    on purpose; nothing should need a sideways scroll to be read, except inside tables)."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not _shown(widget) or widget.window() is not root.window():
            continue
        if not isinstance(widget, (QLabel, QAbstractButton)) or not widget.text():
            continue
        parent = widget.parentWidget()
        inside_view = False
        while parent is not None and parent is not root.window():
            if isinstance(parent, QAbstractScrollArea) and parent.horizontalScrollBar().isVisible():
                inside_view = True
                break
            parent = parent.parentWidget()
        if inside_view:
            continue
        left = widget.mapTo(root.window(), widget.rect().topLeft()).x()
        ancestor = widget.parentWidget()
        while ancestor is not None and ancestor is not root.window():
            a_left = ancestor.mapTo(root.window(), ancestor.rect().topLeft()).x()
            if left < a_left - 1 or left + widget.width() > a_left + ancestor.width() + 1:
                problems.append(f"{_name(widget)} is cut off sideways by {_name(ancestor)}")
                break
            ancestor = ancestor.parentWidget()
    return problems


def wider_than_view(root: QWidget) -> list[str]:
    """Scroll areas that never scroll sideways but hold content wider than their view: the
    right edge of everything in it (a chip, a Copy button, a checkbox) is cut off."""
    problems = []
    for area in root.findChildren(QScrollArea):
        content = area.widget()
        if not _shown(area) or content is None or area.window() is not root.window():
            continue
        if area.horizontalScrollBar().isVisible():
            continue
        view = area.viewport().width()
        if content.width() > view + 1:
            problems.append(
                f"{_name(content)} is {content.width()}px wide in the {view}px view of "
                f"{_name(area)} (cut off on the right)"
            )
    return problems


def audit(root: QWidget) -> list[str]:
    return (
        overlapping_siblings(root)
        + clipped_texts(root)
        + clipped_sideways(root)
        + wider_than_view(root)
    )
