"""Build the offline base map of the web workbench: ``src/eventwire/web/static/world.json``.

The outlines are Natural Earth's 1:110m admin-0 countries (public domain), as shipped in the
``naturalearth_lowres`` dataset inside the geopandas 0.14 wheel on PyPI. Nothing but the standard library
is needed to rebuild the file: this script reads the shapefile itself, simplifies each ring
(Douglas-Peucker), rounds to a tenth of a degree and writes SVG path data in an equirectangular
projection (``x = longitude + 180``, ``y = 90 - latitude``, so the world is a 360 x 180 box)::

    pip download --no-deps geopandas==0.14.4 -d /tmp/gpd
    python tools/build_world_outline.py /tmp/gpd/geopandas-0.14.4-py3-none-any.whl

The argument may also be a folder holding ``naturalearth_lowres.shp`` and ``.dbf``.
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import struct
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "eventwire" / "web" / "static" / "world.json"
MEMBER = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"


def read_dbf(data: bytes) -> list[dict[str, str]]:
    """Records of a dBASE III table, every value as stripped text."""
    n_records, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\x00", 1)[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    rows = []
    for i in range(n_records):
        rec = data[header_len + i * record_len: header_len + (i + 1) * record_len]
        if rec[:1] == b"*":  # deleted
            continue
        row, at = {}, 1
        for name, length in fields:
            row[name] = rec[at:at + length].decode("utf-8", "replace").strip()
            at += length
        rows.append(row)
    return rows


def read_shp(data: bytes) -> list[list[list[tuple[float, float]]]]:
    """The rings of every polygon record of an ESRI shapefile, in file order."""
    shapes, pos = [], 100
    while pos < len(data):
        _, words = struct.unpack(">ii", data[pos:pos + 8])
        content = data[pos + 8: pos + 8 + 2 * words]
        pos += 8 + 2 * words
        (shape_type,) = struct.unpack("<i", content[:4])
        if shape_type == 0:
            shapes.append([])
            continue
        if shape_type not in (5, 15, 25):
            raise ValueError(f"shape type {shape_type} is not a polygon")
        n_parts, n_points = struct.unpack("<ii", content[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", content[44:44 + 4 * n_parts]))
        start = 44 + 4 * n_parts
        coords = struct.unpack(f"<{2 * n_points}d", content[start:start + 16 * n_points])
        points = list(zip(coords[0::2], coords[1::2]))
        bounds = parts + [n_points]
        shapes.append([points[bounds[k]:bounds[k + 1]] for k in range(n_parts)])
    return shapes


def _dist(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return ((x - x1 - t * dx) ** 2 + (y - y1 - t * dy) ** 2) ** 0.5


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative, keeping both ends."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        lo, hi = stack.pop()
        best, index = 0.0, None
        for i in range(lo + 1, hi):
            d = _dist(points[i], points[lo], points[hi])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(lo, index), (index, hi)]
    return [p for p, k in zip(points, keep) if k]


def area(points) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1]))) / 2


def ring_path(points) -> str:
    out = []
    for x, y in points:
        pt = (round(x + 180, 1), round(90 - y, 1))
        if not out or out[-1] != pt:
            out.append(pt)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    if len(out) < 3:
        return ""
    fmt = lambda v: f"{v:g}"  # noqa: E731
    return "M" + "L".join(f"{fmt(x)} {fmt(y)}" for x, y in out) + "Z"


def build(src: pathlib.Path, tolerance: float = 0.25, min_area: float = 0.3) -> dict:
    if src.suffix == ".whl":
        with zipfile.ZipFile(src) as z:
            shp, dbf = z.read(MEMBER + ".shp"), z.read(MEMBER + ".dbf")
    else:
        shp = (src / "naturalearth_lowres.shp").read_bytes()
        dbf = (src / "naturalearth_lowres.dbf").read_bytes()
    records, shapes = read_dbf(dbf), read_shp(shp)
    if len(records) != len(shapes):
        raise ValueError(f"{len(records)} records but {len(shapes)} shapes")
    countries = []
    for rec, rings in zip(records, shapes):
        parts = []
        for ring in rings:
            if area(ring) < min_area and len(rings) > 1:
                continue  # islets: invisible at this scale
            d = ring_path(simplify(ring, tolerance))
            if d:
                parts.append(d)
        if parts:
            iso = rec.get("iso_a3") or ""
            countries.append({"iso3": None if iso in ("", "-99") else iso, "name": rec.get("name"),
                              "d": "".join(parts)})
    countries.sort(key=lambda c: c["name"] or "")
    return {
        "source": "Natural Earth 1:110m admin-0 countries (public domain), via the naturalearth_lowres "
                  "dataset of the geopandas 0.14.4 wheel; built by tools/build_world_outline.py",
        "projection": "equirectangular: x = longitude + 180, y = 90 - latitude (a 360 x 180 box)",
        "tolerance_degrees": tolerance,
        "countries": countries,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", type=pathlib.Path, help="the geopandas 0.14.x wheel, or a folder with the shapefile")
    ap.add_argument("--tolerance", type=float, default=0.25, help="simplification tolerance in degrees")
    ap.add_argument("--out", type=pathlib.Path, default=OUT)
    args = ap.parse_args()
    data = build(args.source, args.tolerance)
    buf = io.StringIO()
    json.dump(data, buf, ensure_ascii=False, separators=(",", ":"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(buf.getvalue() + "\n", encoding="utf-8")
    print(f"{len(data['countries'])} countries, {len(buf.getvalue()):,} bytes -> {args.out}")


if __name__ == "__main__":
    main()
