"""Build the map outlines shipped in ``reports/static/reports/maps/`` (run by hand, not at run time).

Source: the map data of the Apache ECharts 4.9.0 npm package (``map/json/china.json`` and
``map/json/province/*.json``, Apache-2.0; ECharts 5+ no longer ships maps).  Those files hold
coordinates in ECharts' compact encoding (``UTF8Encoding``: zig-zag deltas, two characters per
point, offsets per ring).  This script decodes them, simplifies each ring (Douglas-Peucker),
rounds to 3 decimals and writes plain GeoJSON with each feature's ``id`` set to our division
code (``44`` for a province, ``4401`` for a prefecture, the county code where a municipality's
or province's district stands directly below it)::

    npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    python -m govapp.reports.build_maps package/map/json src/govapp/reports/static/reports/maps
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

Point = tuple[float, float]


def _decode_ring(text: str, offsets: list[int]) -> list[Point]:
    prev_x, prev_y = offsets[0], offsets[1]
    out: list[Point] = []
    for i in range(0, len(text) - 1, 2):
        dx = ord(text[i]) - 64
        dy = ord(text[i + 1]) - 64
        dx = (dx >> 1) ^ -(dx & 1)
        dy = (dy >> 1) ^ -(dy & 1)
        prev_x += dx
        prev_y += dy
        out.append((prev_x / 1024, prev_y / 1024))
    return out


def _perp(p: Point, a: Point, b: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == 0 and dy == 0:
        return math.sqrt((x - x1) ** 2 + (y - y1) ** 2)
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / math.sqrt(dx * dx + dy * dy)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative (rings can hold thousands of points)."""
    if len(points) < 5:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, index = 0.0, -1
        for i in range(lo + 1, hi):
            d = _perp(points[i], points[lo], points[hi])
            if d > best:
                best, index = d, i
        if index >= 0 and best > tolerance:
            keep[index] = True
            stack.append((lo, index))
            stack.append((index, hi))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _code(feature_id: str) -> str:
    code = feature_id
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def convert(data: dict[str, Any], tolerance: float) -> dict[str, Any]:
    features = []
    for f in data["features"]:
        geom = f["geometry"]
        encoded = bool(data.get("UTF8Encoding"))
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        offs = (
            geom.get("encodeOffsets")
            if geom["type"] == "MultiPolygon"
            else [geom.get("encodeOffsets")]
        )
        out_polys = []
        for pi, poly in enumerate(polys):
            rings = []
            for ri, ring in enumerate(poly):
                pts = _decode_ring(ring, offs[pi][ri]) if encoded else [tuple(p) for p in ring]
                pts = simplify(pts, tolerance)
                if len(pts) < 4:
                    continue
                rings.append([[round(x, 3), round(y, 3)] for x, y in pts])
            if rings:
                out_polys.append(rings)
        if not out_polys:
            continue
        fid = str(f.get("id") or f["properties"].get("id", ""))
        features.append(
            {
                "type": "Feature",
                "id": _code(fid),
                "properties": {"name": f["properties"]["name"], "code": _code(fid)},
                "geometry": {"type": "MultiPolygon", "coordinates": out_polys},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def main(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    china = convert(json.loads((src / "china.json").read_text()), 0.05)
    (dest / "china.json").write_text(json.dumps(china, ensure_ascii=False, separators=(",", ":")))
    for path in sorted((src / "province").glob("*.json")):
        data = convert(json.loads(path.read_text()), 0.015)
        if not data["features"] or not data["features"][0]["id"]:
            continue  # no division codes in the source (the Taiwan file): no drill-down
        province = data["features"][0]["id"][:2]
        out = dest / f"{province}.json"
        out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


if __name__ == "__main__":  # pragma: no cover - a build step run by hand
    main(Path(sys.argv[1]), Path(sys.argv[2]))
