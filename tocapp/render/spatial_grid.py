"""Things with a bounding box filed by square, to find those near a label without a full scan."""

from __future__ import annotations

from typing import Generic, TypeVar

from tocapp.render.flowchart_layout import Box

Item = TypeVar("Item")


class SpatialGrid(Generic[Item]):
    """Items filed by 128-pt square of the page."""

    SIZE = 128.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.items: list[tuple[Box, Item]] = []

    def _cells(self, box: Box) -> list[tuple[int, int]]:
        size = self.SIZE
        columns = range(int(box.left // size), int((box.left + box.width) // size) + 1)
        rows = range(int(box.top // size), int((box.top + box.height) // size) + 1)
        return [(cx, cy) for cx in columns for cy in rows]

    def add(self, box: Box, item: Item) -> None:
        number = len(self.items)
        self.items.append((box, item))
        cells = self.cells
        for cell in self._cells(box):
            filed = cells.get(cell)
            if filed is None:
                cells[cell] = [number]
            else:
                filed.append(number)

    def near(self, box: Box) -> list[Item]:
        """Items whose bounding box comes within 2 pt of ``box``, in the order they were added."""
        cells = self.cells
        found = sorted({i for cell in self._cells(box) for i in cells.get(cell, ())})
        items = self.items
        return [items[i][1] for i in found if items[i][0].overlaps(box, 2.0)]
