"""Things with a bounding box filed by square, to find those near a label without a full scan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from tocapp.render.flowchart_layout import Box

Item = TypeVar("Item")


class SpatialGrid(Generic[Item]):
    """Items filed by 128-pt square of the page."""

    SIZE = 128.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.items: list[tuple[Box, Item]] = []

    def _cells(self, box: Box) -> Iterator[tuple[int, int]]:
        for cx in range(int(box.left // self.SIZE), int(box.right // self.SIZE) + 1):
            for cy in range(int(box.top // self.SIZE), int(box.bottom // self.SIZE) + 1):
                yield (cx, cy)

    def add(self, box: Box, item: Item) -> None:
        self.items.append((box, item))
        for cell in self._cells(box):
            self.cells.setdefault(cell, []).append(len(self.items) - 1)

    def near(self, box: Box) -> list[Item]:
        """Items whose bounding box comes within 2 pt of ``box``, in the order they were added."""
        found = sorted({i for cell in self._cells(box) for i in self.cells.get(cell, [])})
        return [self.items[i][1] for i in found if self.items[i][0].overlaps(box, 2.0)]
