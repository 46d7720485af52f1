"""An arrow's label against its own arrow: beside the arrowhead, else beside where it leaves its
box, on whichever of the places covers no box, label or other arrow."""

from __future__ import annotations

from tocapp.render.arrow_ends import ArrowPlan, Side
from tocapp.render.arrow_room import LABEL_CLEARANCE
from tocapp.render.flowchart_layout import Box
from tocapp.render.route_geometry import Point, box_to_segment, overlap_area
from tocapp.render.spatial_grid import SpatialGrid

Segment = tuple[int, Point, Point]  # (arrow, one end, the other)


def label_candidates(
    plan: ArrowPlan, waypoints: list[Point], tip: Point, size: tuple[float, float]
) -> list[Point]:
    """Centres for the label, against its own arrow: beside the arrowhead first."""
    width, height = size
    gap = LABEL_CLEARANCE
    if plan.target_side in (Side.TOP, Side.BOTTOM):
        # A short vertical arrow between stacked boxes: beside it, in the room left for it.
        x = tip[0]
        y = (waypoints[0][1] + waypoints[-1][1]) / 2
        return [(x + gap + width / 2, y), (x - gap - width / 2, y)]
    # The last piece runs level into the target's side; the label goes over or under it,
    # flush with the box, in the zone beside the column where no track runs.
    toward = 1.0 if plan.target_side is Side.LEFT else -1.0
    x = tip[0] - toward * (gap + width / 2)
    y = tip[1]
    candidates = [(x, y - gap - height / 2), (x, y + gap + height / 2)]
    # Then along the first piece, out of the source's side.
    start, after = waypoints[0], waypoints[1]
    if abs(after[1] - start[1]) < 0.01:
        away = 1.0 if after[0] > start[0] else -1.0
        sx = start[0] + away * (gap + width / 2)
        candidates += [(sx, start[1] - gap - height / 2), (sx, start[1] + gap + height / 2)]
    return candidates


def place_label(
    index: int,
    candidates: list[Point],
    size: tuple[float, float],
    obstacles: SpatialGrid[Box],
    segments: SpatialGrid[Segment],
) -> Point:
    """The first candidate that covers no box, label or other arrow; else the least covered.
    The label chosen joins ``obstacles``, so later labels keep off it."""
    width, height = size

    def box_at(point: Point) -> Box:
        return Box(point[0] - width / 2, point[1] - height / 2, width, height)

    best, best_score = candidates[0], (float("inf"), 0.0)
    for point in candidates:
        box = box_at(point)
        reach = Box(box.left - 12, box.top - 12, box.width + 24, box.height + 24)
        cover = sum(overlap_area(box, other) for other in obstacles.near(box))
        clearance = min(
            (box_to_segment(box, a, b) for owner, a, b in segments.near(reach) if owner != index),
            default=12.0,
        )
        # Covering a box or label is worst; then an arrow nearer than the label's own.
        score = (cover + (1.0 if clearance <= LABEL_CLEARANCE else 0.0), -clearance)
        if score < best_score:
            best, best_score = point, score
            if score[0] == 0 and clearance > LABEL_CLEARANCE + 1:
                break
    obstacles.add(box_at(best), box_at(best))
    return best
