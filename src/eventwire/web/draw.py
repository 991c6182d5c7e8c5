"""What the pages draw, computed in Python: the article's highlighted segments and the geometry of the
timeline, network and map SVGs. Nothing here produces HTML: the templates do, with autoescaping."""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import pathlib
from typing import Any

STATIC = pathlib.Path(__file__).resolve().parent / "static"

QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}
QUAD_COLOURS = {1: "#74c0fc", 2: "#1864ab", 3: "#ffa94d", 4: "#c92a2a"}
PLOVER_TYPES = ("AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE",
                "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT")
LAYERS = (
    ("trigger", "event trigger"),
    ("actor", "actor"),
    ("speaker", "speaker"),
    ("quote", "quote"),
    ("cue", "reporting verb"),
    ("place", "place"),
    ("date", "time expression"),
)


# ---------------------------------------------------------------------------------------------- colours
def goldstein_colour(value: float | None) -> str:
    """Red for conflict (-10), grey for neutral (0), blue for cooperation (+10)."""
    if value is None:
        return "#adb5bd"
    t = max(-1.0, min(1.0, value / 10.0))
    grey, red, blue = (134, 142, 150), (201, 42, 42), (24, 100, 171)
    end = red if t < 0 else blue
    t = abs(t)
    r, g, b = (round(a + (e - a) * t) for a, e in zip(grey, end))
    return f"#{r:02x}{g:02x}{b:02x}"


def actor_label(name: str | None, country: str | None, sector: str | None = None) -> str:
    if not name and not country:
        return "–"
    code = "/".join(x for x in (country, sector) if x)
    return f"{name or '?'} [{code}]" if code else (name or "?")


# ---------------------------------------------------------------------------------------------- article
def _ann(key: str, layer: str, start: Any, end: Any, text_len: int) -> dict[str, Any] | None:
    if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= text_len:
        return None
    return {"key": key, "layer": layer, "start": start, "end": end}


def annotations(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The highlightable spans of a document (key, layer, start, end) and, by key, the record each shows."""
    n = len(doc.get("text") or "")
    spans: list[dict[str, Any]] = []
    records: dict[str, dict[str, Any]] = {}

    def add(key: str, layer: str, start: Any, end: Any, record: dict[str, Any]) -> None:
        a = _ann(key, layer, start, end, n)
        if a:
            spans.append(a)
            records[key] = record

    for e in doc.get("events") or []:
        add(f"e:{e['id']}", "trigger", e["trigger"]["start"], e["trigger"]["end"], {"layer": "event", **e})
    for i, a in enumerate(doc.get("actors") or []):
        add(f"a:{i}", "actor", a.get("start"), a.get("end"), {"layer": "actor", **a})
    for q in doc.get("quotes") or []:
        rec = {"layer": "quote", **q}
        add(f"q:{q['id']}", "quote", q["content"]["start"], q["content"]["end"], rec)
        sp = q.get("speaker") or {}
        add(f"s:{q['id']}", "speaker", sp.get("start"), sp.get("end"), {**rec, "layer": "speaker"})
        cue = q.get("cue") or {}
        add(f"c:{q['id']}", "cue", cue.get("start"), cue.get("end"), {**rec, "layer": "cue"})
    for i, p in enumerate(doc.get("places") or []):
        add(f"p:{i}", "place", p.get("start"), p.get("end"), {"layer": "place", **p})
    for i, t in enumerate(doc.get("dates") or []):
        add(f"t:{i}", "date", t.get("start"), t.get("end"), {"layer": "date", **t})
    return spans, records


def article_blocks(doc: dict[str, Any], spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut at every span and sentence boundary, grouped into sentences.

    Each block is ``{"sentence": start or None, "segments": [...]}``; each segment is ``{"text", "keys",
    "layers"}`` where ``keys`` are the annotations covering it. Overlapping spans simply cover the same
    segments, so quotes, actors, triggers... can nest or cross freely."""
    text = doc.get("text") or ""
    n = len(text)
    sentences = sorted((s["start"], s["end"]) for s in doc.get("sentences") or []
                       if isinstance(s.get("start"), int) and isinstance(s.get("end"), int) and 0 <= s["start"] < s["end"] <= n)
    cuts = {0, n}
    for a in spans:
        cuts.update((a["start"], a["end"]))
    for s, e in sentences:
        cuts.update((s, e))
    points = sorted(cuts)
    opening: dict[int, list[dict[str, Any]]] = {}
    for a in spans:
        opening.setdefault(a["start"], []).append(a)
    layer_order = [name for name, _ in LAYERS]
    active: list[dict[str, Any]] = []
    blocks: list[dict[str, Any]] = []
    s_index = 0
    current: dict[str, Any] | None = None
    for lo, hi in zip(points, points[1:]):
        active = [a for a in active if a["end"] > lo] + opening.get(lo, [])
        while s_index < len(sentences) and sentences[s_index][1] <= lo:
            s_index += 1
        in_sentence = s_index < len(sentences) and sentences[s_index][0] <= lo < sentences[s_index][1]
        sentence = sentences[s_index][0] if in_sentence else None
        if current is None or current["sentence"] != sentence:
            current = {"sentence": sentence, "segments": []}
            blocks.append(current)
        ordered = sorted(active, key=lambda a: (layer_order.index(a["layer"]), a["end"] - a["start"]))
        current["segments"].append({
            "text": text[lo:hi],
            "keys": " ".join(a["key"] for a in ordered),
            "layers": " ".join(sorted({a["layer"] for a in ordered}, key=layer_order.index)),
        })
    return blocks


def document_view(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything the article template needs."""
    spans, records = annotations(doc)
    counts = {name: sum(1 for a in spans if a["layer"] == name) for name, _ in LAYERS}
    return {"blocks": article_blocks(doc, spans), "records": records, "counts": counts}


def safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s), else None (a ``javascript:`` URL never becomes a link)."""
    if not url or not isinstance(url, str):
        return None
    lowered = url.strip().lower()
    return url.strip() if lowered.startswith(("http://", "https://")) else None


# ---------------------------------------------------------------------------------------------- timeline
def _add_period(day: dt.date, interval: str) -> dt.date:
    if interval == "day":
        return day + dt.timedelta(days=1)
    if interval == "week":
        return day + dt.timedelta(days=7)
    if interval == "month":
        return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return dt.date(day.year + 1, 1, 1)


def periods_between(first: str, last: str, interval: str, cap: int = 2000) -> list[str]:
    day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    out = []
    while day <= end and len(out) < cap:
        out.append(day.isoformat())
        day = _add_period(day, interval)
    return out


def _nice_max(value: float) -> int:
    if value <= 5:
        return max(1, math.ceil(value))
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(math.ceil(step * magnitude))
    return int(math.ceil(value))


def timeline_chart(points: list[dict[str, Any]], interval: str, width: int = 960, height: int = 380) -> dict[str, Any]:
    """Stacked bars of event counts per QuadClass and a line of the mean Goldstein score, over every period
    from the first to the last (empty periods stay empty)."""
    left, right, top, bottom = 52, 56, 16, 56
    pw, ph = width - left - right, height - top - bottom
    chart: dict[str, Any] = {"width": width, "height": height, "left": left, "top": top, "pw": pw, "ph": ph,
                             "bars": [], "dots": [], "line": "", "xticks": [], "yticks": [], "gticks": []}
    if not points:
        return chart
    by_period = {p["period"]: p for p in points}
    periods = periods_between(points[0]["period"], points[-1]["period"], interval)
    n = len(periods)
    slot = pw / n
    bar_w = max(1.0, slot * 0.78)
    ymax = _nice_max(max(p["count"] for p in points))
    y = lambda v: top + ph - v / ymax * ph  # noqa: E731
    g = lambda v: top + ph / 2 - v / 10 * (ph / 2)  # noqa: E731
    line = []
    for i, period in enumerate(periods):
        p = by_period.get(period)
        if not p:
            continue
        x = left + i * slot + (slot - bar_w) / 2
        base = 0
        for q in (1, 2, 3, 4):
            c = p["quad"].get(str(q), 0)
            if not c:
                continue
            chart["bars"].append({"x": round(x, 2), "y": round(y(base + c), 2), "w": round(bar_w, 2),
                                  "h": round(y(base) - y(base + c), 2), "quad": q, "count": c, "period": period,
                                  "colour": QUAD_COLOURS[q], "label": f"{period}: {c} {QUAD_NAMES[q]}"})
            base += c
        if p.get("goldstein_mean") is not None:
            cx, cy = round(left + (i + 0.5) * slot, 2), round(g(p["goldstein_mean"]), 2)
            line.append(f"{cx},{cy}")
            chart["dots"].append({"x": cx, "y": cy, "value": p["goldstein_mean"], "period": period,
                                  "colour": goldstein_colour(p["goldstein_mean"]),
                                  "label": f"{period}: mean Goldstein {p['goldstein_mean']:+.2f} over {p['count']} events"})
    chart["line"] = " ".join(line)
    step = max(1, math.ceil(n / 10))
    for i in range(0, n, step):
        chart["xticks"].append({"x": round(left + (i + 0.5) * slot, 2), "label": _period_label(periods[i], interval)})
    for k in range(5):
        v = ymax * k / 4
        chart["yticks"].append({"y": round(y(v), 2), "label": f"{v:g}"})
    for v in (-10, -5, 0, 5, 10):
        chart["gticks"].append({"y": round(g(v), 2), "label": f"{v:+d}" if v else "0"})
    chart["zero"] = round(g(0), 2)
    return chart


def _period_label(period: str, interval: str) -> str:
    if interval == "month":
        return period[:7]
    if interval == "year":
        return period[:4]
    return period


# ---------------------------------------------------------------------------------------------- network
def network_chart(net: dict[str, Any], width: int = 1000, height: int = 860) -> dict[str, Any]:
    """Nodes on a circle (grouped by country), directed curved edges whose width grows with the event
    count and whose colour is the mean Goldstein score."""
    nodes = sorted(net["nodes"], key=lambda n: (n.get("country") or "~", -n["count"], n["id"]))
    cx, cy = width / 2, height / 2
    radius = min(width, height) / 2 - 170
    top = max((n["count"] for n in nodes), default=1)
    pos: dict[str, dict[str, Any]] = {}
    out_nodes = []
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * i / max(1, len(nodes)) - math.pi / 2
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        r = 5 + 11 * math.sqrt(node["count"] / top)
        lx, ly = cx + (radius + r + 6) * math.cos(angle), cy + (radius + r + 6) * math.sin(angle)
        right = math.cos(angle) >= -1e-9
        # labels run outwards along the radius, never upside down
        rotate = math.degrees(angle) if right else math.degrees(angle) + 180
        item = {"id": node["id"], "country": node.get("country"), "count": node["count"], "x": round(x, 1),
                "y": round(y, 1), "r": round(r, 1), "lx": round(lx, 1), "ly": round(ly, 1),
                "anchor": "start" if right else "end", "rotate": round(rotate, 1),
                "label": _shorten(node["id"] + (f" [{node['country']}]" if node.get("country") and node["id"] != node["country"] else ""), 26)}
        pos[node["id"]] = item
        out_nodes.append(item)
    top_edge = max((e["count"] for e in net["edges"]), default=1)
    edges = []
    for e in net["edges"]:
        a, b = pos.get(e["source"]), pos.get(e["target"])
        if not a or not b:
            continue
        dx, dy = b["x"] - a["x"], b["y"] - a["y"]
        length = math.hypot(dx, dy) or 1
        mx, my = (a["x"] + b["x"]) / 2, (a["y"] + b["y"]) / 2
        # bend to the left of the direction of travel, so A->B and B->A do not overlap
        qx, qy = mx - dy / length * length * 0.18, my + dx / length * length * 0.18
        # start and end on the circles' rims
        sx, sy = _towards(a["x"], a["y"], qx, qy, a["r"] + 1)
        ex, ey = _towards(b["x"], b["y"], qx, qy, b["r"] + 3)
        edges.append({
            "source": e["source"], "target": e["target"], "count": e["count"], "goldstein": e["goldstein_mean"],
            "d": f"M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {ex:.1f},{ey:.1f}",
            "width": round(1.2 + 5 * math.sqrt(e["count"] / top_edge), 2),
            "colour": goldstein_colour(e["goldstein_mean"]),
            "label": f"{e['source']} → {e['target']}: {e['count']} event(s), mean Goldstein "
                     f"{'n/a' if e['goldstein_mean'] is None else format(e['goldstein_mean'], '+.2f')}",
        })
    return {"width": width, "height": height, "nodes": out_nodes, "edges": edges}


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _towards(x: float, y: float, tx: float, ty: float, dist: float) -> tuple[float, float]:
    dx, dy = tx - x, ty - y
    length = math.hypot(dx, dy) or 1
    return x + dx / length * dist, y + dy / length * dist


# ---------------------------------------------------------------------------------------------- map
@functools.lru_cache(maxsize=1)
def world() -> dict[str, Any]:
    """The offline base map (see tools/build_world_outline.py)."""
    return json.loads((STATIC / "world.json").read_text(encoding="utf-8"))


def map_chart(points: list[dict[str, Any]], whole_world: bool = False) -> dict[str, Any]:
    """Country outlines and one circle per event location, in the equirectangular 360 x 180 box; the view
    fits the points (at least 60 x 30 degrees) unless ``whole_world``."""
    xs = [p["longitude"] + 180 for p in points]
    ys = [90 - p["latitude"] for p in points]
    if whole_world or not points:
        vx, vy, vw, vh = 0.0, 0.0, 360.0, 180.0
    else:
        x0, x1, y0, y1 = min(xs) - 8, max(xs) + 8, min(ys) - 6, max(ys) + 6
        vw = max(60.0, x1 - x0, (y1 - y0) * 2)
        vh = vw / 2
        vx = min(max(0.0, (x0 + x1) / 2 - vw / 2), 360 - vw) if vw < 360 else 0.0
        vy = min(max(0.0, (y0 + y1) / 2 - vh / 2), 180 - vh) if vh < 180 else 0.0
        vw, vh = min(vw, 360.0), min(vh, 180.0)
    top = max((p["count"] for p in points), default=1)
    scale = vw / 360
    marks = []
    for p, x, y in zip(points, xs, ys):
        marks.append({"x": round(x, 3), "y": round(y, 3), "r": round(scale * (2.2 + 5 * math.sqrt(p["count"] / top)), 3),
                      "colour": goldstein_colour(p["goldstein_mean"]), "name": p["name"], "country": p["country"],
                      "count": p["count"], "goldstein": p["goldstein_mean"],
                      "label": f"{p['name'] or '?'} ({p['country'] or '?'}): {p['count']} event(s), mean Goldstein "
                               f"{'n/a' if p['goldstein_mean'] is None else format(p['goldstein_mean'], '+.2f')}"})
    involved = {p["country"] for p in points if p.get("country")}
    countries = [{"iso3": c["iso3"], "name": c["name"], "d": c["d"], "involved": c["iso3"] in involved}
                 for c in world()["countries"]]
    return {"viewbox": f"{vx:.2f} {vy:.2f} {vw:.2f} {vh:.2f}", "countries": countries, "marks": marks,
            "stroke": round(0.35 * scale, 3), "whole_world": whole_world or not points,
            "graticule": [round(v, 1) for v in range(0, 361, 30)], "lat_lines": [round(v, 1) for v in range(0, 181, 30)]}
