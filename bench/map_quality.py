"""How readable is a map? Figures measured on the rendered SVG, not on the DOT that asked for it.

- **crossings**: points where two drawn edges cross. Every edge is flattened to a polyline (its
  Bézier path sampled, svgelements); pairs are found with a spatial index and intersected
  (shapely). Two edges that share a document meet at it: points inside that document's box do
  not count, nor do stretches where two edges run on top of each other (a merged bundle), and
  points closer than 1.5 pt are one crossing.
- **edges**: drawn edges (an SVG ``g.edge`` with a path; invisible layout edges have none).
- **aspect**: the longer side of the picture over the shorter one (1.0 is square).
- **legend**: the legend's box (``id="legend"``) as a share of the picture's area.

Usage::

    python bench/map_quality.py map.svg other.svg          # measure SVG files
    python bench/map_quality.py --maps                      # render and measure the reference maps
    python bench/map_quality.py --maps --save-svg DIR       # ... and keep the SVGs

``--maps`` renders ``sample_repo`` and the real corpora in ``../shared/corpora`` (those present)
with the tracegraph installed here, the default map of each, as ``tracegraph render PATH -o
map.svg`` draws it. Needs the test extras (``pip install -e '.[test]'``) and Graphviz.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiPoint, Point
from svgelements import Matrix, Move
from svgelements import Path as SvgPath

SVG = "{http://www.w3.org/2000/svg}"
PROJECT = Path(__file__).resolve().parent.parent
#: The reference maps: sample_repo and the real corpora (skipped when absent).
REFERENCE_MAPS: tuple[tuple[str, Path], ...] = (
    ("sample_repo", PROJECT / "sample_repo"),
    ("adr-tools", PROJECT.parent / "shared" / "corpora" / "adr-tools"),
    ("arachne", PROJECT.parent / "shared" / "corpora" / "arachne"),
    ("log4brains", PROJECT.parent / "shared" / "corpora" / "log4brains"),
    ("rust-rfcs", PROJECT.parent / "shared" / "corpora" / "rust-rfcs"),
)
SAMPLES_PER_SEGMENT = 12
SAME_POINT = 1.5  # pt: intersections closer than this are one crossing
NODE_MARGIN = 2.0  # pt around a shared document where meeting edges do not count as crossing


@dataclass(frozen=True)
class MapQuality:
    """The figures of one rendered map."""

    crossings: int
    edges: int
    width: float
    height: float
    legend_area: float

    @property
    def aspect(self) -> float:
        """Longer side over shorter side."""
        return max(self.width, self.height) / max(min(self.width, self.height), 1e-9)

    @property
    def legend_share(self) -> float:
        """The legend's area over the picture's (0.0 without a legend)."""
        return self.legend_area / max(self.width * self.height, 1e-9)


@dataclass(frozen=True)
class _Edge:
    tail: str
    head: str
    line: LineString


def measure_svg(svg: bytes | str) -> MapQuality:
    """Crossings, drawn edges, picture size and legend area of a Graphviz SVG."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    view = [float(v) for v in (root.get("viewBox") or "0 0 0 0").replace(",", " ").split()]
    width, height = view[2], view[3]
    top = root.find(f"{SVG}g")
    matrix = Matrix(top.get("transform", "")) if top is not None else Matrix()
    boxes: dict[str, tuple[float, float, float, float]] = {}
    edges: list[_Edge] = []
    legend_area = 0.0
    for group in root.iter(f"{SVG}g"):
        classes = (group.get("class") or "").split()
        title = group.findtext(f"{SVG}title") or ""
        if group.get("id") == "legend" or group.get("id") == "a_legend":
            legend_area = max(legend_area, _area(_box(_points(group, matrix))))
        if "node" in classes:
            box = _box(_points(group, matrix))
            if box is not None:
                boxes[title] = box
        elif "edge" in classes:
            tail, _, head = title.partition("->")
            for path in group.iter(f"{SVG}path"):
                line = _polyline(path.get("d") or "", matrix)
                if line is not None:
                    edges.append(_Edge(tail, head, line))
    drawn = len({(e.tail, e.head) for e in edges})
    return MapQuality(_crossings(edges, boxes), drawn, width, height, legend_area)


def _polyline(d: str, matrix: Matrix) -> LineString | None:
    """The path ``d`` as a polyline in picture coordinates (Béziers sampled)."""
    points: list[tuple[float, float]] = []
    for segment in SvgPath(d) * matrix:
        if isinstance(segment, Move):
            continue
        for i in range(SAMPLES_PER_SEGMENT + 1):
            p = segment.point(i / SAMPLES_PER_SEGMENT)
            point = (round(float(p.x), 3), round(float(p.y), 3))
            if not points or points[-1] != point:
                points.append(point)
    return LineString(points) if len(points) >= 2 else None


def _points(group: ET.Element, matrix: Matrix) -> list[tuple[float, float]]:
    """The corner points of every shape in ``group`` (polygons, paths, ellipses, text anchors)."""
    found: list[tuple[float, float]] = []
    for element in group.iter():
        tag = element.tag.removeprefix(SVG)
        if tag in ("polygon", "polyline"):
            raw = (element.get("points") or "").replace(",", " ").split()
            pairs = zip(raw[0::2], raw[1::2], strict=False)
            found += [_apply(matrix, float(x), float(y)) for x, y in pairs]
        elif tag == "path":
            for segment in SvgPath(element.get("d") or "") * matrix:
                if segment.end is not None:
                    found.append((float(segment.end.x), float(segment.end.y)))
        elif tag == "ellipse":
            cx, cy = float(element.get("cx", 0)), float(element.get("cy", 0))
            rx, ry = float(element.get("rx", 0)), float(element.get("ry", 0))
            found += [_apply(matrix, cx - rx, cy - ry), _apply(matrix, cx + rx, cy + ry)]
    return found


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    p = matrix.point_in_matrix_space((x, y))
    return float(p.x), float(p.y)


def _box(points: Sequence[tuple[float, float]]) -> tuple[float, float, float, float] | None:
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _area(box: tuple[float, float, float, float] | None) -> float:
    return 0.0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


def _crossings(edges: list[_Edge], boxes: dict[str, tuple[float, float, float, float]]) -> int:
    if len(edges) < 2:
        return 0
    tree = shapely.STRtree([e.line for e in edges])
    found: list[Point] = []
    for i, j in zip(*tree.query([e.line for e in edges], predicate="intersects"), strict=True):
        if i >= j:
            continue
        a, b = edges[i], edges[j]
        if (a.tail, a.head) == (b.tail, b.head):
            continue  # one merged edge drawn in pieces
        shared = {a.tail, a.head} & {b.tail, b.head}
        zones = [_inflate(boxes[n]) for n in shared if n in boxes]
        for point in _intersection_points(a.line.intersection(b.line)):
            if not any(zone.contains(point) for zone in zones):
                found.append(point)
    return _distinct(found)


def _inflate(box: tuple[float, float, float, float]) -> shapely.Geometry:
    return shapely.box(*box).buffer(NODE_MARGIN)


def _intersection_points(geometry: shapely.Geometry) -> Iterable[Point]:
    if isinstance(geometry, Point):
        yield geometry
    elif isinstance(geometry, MultiPoint):
        yield from geometry.geoms
    elif hasattr(geometry, "geoms"):  # points mixed with overlapping stretches
        for part in geometry.geoms:
            if isinstance(part, Point):
                yield part


def _distinct(points: list[Point]) -> int:
    """Points closer than SAME_POINT are one crossing (a spline touching twice at a tangent)."""
    kept: list[Point] = []
    for point in sorted(points, key=lambda p: (p.x, p.y)):
        if not any(point.distance(other) < SAME_POINT for other in kept[-8:]):
            kept.append(point)
    return len(kept)


def render_reference_map(path: Path) -> bytes:
    """The default SVG map of ``path``, as ``tracegraph render PATH -o map.svg`` draws it."""
    from tracegraph import api

    corpus = api.scan(path)
    model = api.map_model(corpus, output_dir=path)
    svg = api.render_model(model, "svg", config=corpus.config)
    assert isinstance(svg, bytes)
    return svg


def format_row(name: str, quality: MapQuality) -> str:
    return (
        f"| {name} | {quality.edges} | {quality.crossings} | "
        f"{quality.width:.0f} x {quality.height:.0f} | {quality.aspect:.2f} | "
        f"{quality.legend_share:.2%} |"
    )


HEADER = (
    "| map | drawn edges | crossings | size (pt) | aspect | legend |\n"
    "|---|---:|---:|---:|---:|---:|"
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("svg", nargs="*", type=Path, help="SVG files to measure")
    parser.add_argument("--maps", action="store_true", help="render and measure the reference maps")
    parser.add_argument("--save-svg", type=Path, help="with --maps: keep the SVGs in this folder")
    args = parser.parse_args(argv)
    rows: list[tuple[str, MapQuality]] = []
    for file in args.svg:
        rows.append((file.name, measure_svg(file.read_bytes())))
    if args.maps:
        for name, path in REFERENCE_MAPS:
            if not path.is_dir():
                print(f"skipped {name}: {path} is not there", file=sys.stderr)
                continue
            svg = render_reference_map(path)
            if args.save_svg:
                args.save_svg.mkdir(parents=True, exist_ok=True)
                (args.save_svg / f"{name}.svg").write_bytes(svg)
            rows.append((name, measure_svg(svg)))
    if not rows:
        parser.error("give SVG files or --maps")
    print(HEADER)
    for name, quality in rows:
        print(format_row(name, quality))
    return 0


if __name__ == "__main__":
    sys.exit(main())
