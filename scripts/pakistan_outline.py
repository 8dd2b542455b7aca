"""Build src/hifazat/geodata/data/pakistan.geojson: a simplified outline of Pakistan and its
provinces/territories, shipped so the map shows where things are even when no tile server answers.

Hand-drawn from general geographic knowledge (coasts, rivers and ranges named below), simplified to a few
dozen vertices per area. It is a wayfinding aid for an operations map, NOT an authoritative boundary; the
Line of Control and the Actual Ground Position Line are drawn approximately.

Each shared boundary is written once as a line and reused by both neighbours, so the areas tile without
gaps or overlaps. Run: .venv/bin/python scripts/pakistan_outline.py
"""

from __future__ import annotations

import json
from pathlib import Path

from shapely.geometry import Polygon, mapping
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

Line = list[tuple[float, float]]  # (longitude, latitude)

# --- shared boundaries -----------------------------------------------------------------------------------
COAST_SD: Line = [  # Sir Creek to the mouth of the Hub river, past the Indus delta and Karachi
    (68.20, 23.65),
    (67.85, 23.72),
    (67.55, 23.85),
    (67.35, 24.15),
    (67.22, 24.50),
    (67.10, 24.70),
    (67.00, 24.78),
    (66.85, 24.82),
    (66.70, 24.85),
]
COAST_BA: Line = [  # Hub river mouth west along the Makran coast to Gwater bay (Iran)
    (66.70, 24.85),
    (66.62, 25.10),
    (66.55, 25.40),
    (66.10, 25.45),
    (65.50, 25.35),
    (64.65, 25.17),
    (64.10, 25.30),
    (63.50, 25.22),
    (63.00, 25.20),
    (62.60, 25.15),
    (62.35, 25.02),
    (62.00, 25.08),
    (61.60, 25.18),
]
IRAN: Line = [  # Gwater bay north to the Koh-i-Malik Siah tripoint
    (61.60, 25.18),
    (61.70, 25.80),
    (61.85, 26.25),
    (62.30, 26.50),
    (63.20, 26.65),
    (63.30, 27.10),
    (62.80, 27.25),
    (62.78, 28.25),
    (61.90, 28.55),
    (61.40, 29.20),
    (60.87, 29.86),
]
AFGHAN_BA: Line = [  # Koh-i-Malik Siah east along the Chagai hills, past Chaman, to the Gomal
    (60.87, 29.86),
    (61.60, 29.60),
    (62.45, 29.40),
    (63.55, 29.50),
    (64.20, 29.50),
    (65.05, 29.55),
    (66.30, 29.85),
    (66.35, 30.40),
    (66.25, 30.75),
    (66.38, 30.97),
    (66.70, 31.20),
    (67.30, 31.22),
    (67.80, 31.55),
    (68.20, 31.80),
    (68.70, 31.75),
    (69.00, 31.62),
    (69.35, 31.95),
]
AFGHAN_KP: Line = [  # Gomal north through Waziristan, Kurram, Torkham, Bajaur and Chitral to the Wakhan
    (69.35, 31.95),
    (69.30, 32.45),
    (69.60, 32.85),
    (69.95, 33.05),
    (70.10, 33.20),
    (69.90, 33.55),
    (69.90, 33.95),
    (70.30, 34.00),
    (70.80, 34.05),
    (71.10, 34.15),
    (71.15, 34.45),
    (71.50, 34.95),
    (71.55, 35.30),
    (71.20, 35.80),
    (71.25, 36.10),
    (71.80, 36.40),
    (72.50, 36.85),
    (73.00, 36.90),
    (73.65, 36.90),
]
AFGHAN_GB: Line = [(73.65, 36.90), (74.00, 36.92), (74.57, 37.03)]  # Wakhan to the Kilik tripoint
CHINA: Line = [  # Kilik over Khunjerab along the Karakoram to K2
    (74.57, 37.03),
    (75.00, 37.00),
    (75.45, 36.75),
    (75.95, 36.55),
    (76.20, 36.15),
    (76.51, 35.88),
]
AGPL: Line = [(76.51, 35.88), (76.75, 35.70), (76.90, 35.40), (76.95, 35.00)]  # K2 down the Saltoro to NJ9842
LOC_GB: Line = [  # NJ9842 south-west along the Line of Control to the Neelum valley
    (76.95, 35.00),
    (76.40, 34.85),
    (75.95, 34.70),
    (75.50, 34.60),
    (75.10, 34.65),
    (74.80, 34.78),
]
LOC_JK: Line = [  # Neelum valley south past Tithwal, Chakothi, Poonch and Kotli to Chhamb
    (74.80, 34.78),
    (74.30, 34.70),
    (73.95, 34.60),
    (73.80, 34.40),
    (73.95, 34.20),
    (73.95, 34.05),
    (74.00, 33.80),
    (74.00, 33.55),
    (74.10, 33.30),
    (74.35, 33.10),
    (74.60, 32.85),
]
INDIA_PB: Line = [  # Chhamb along the working boundary, the Ravi, past Wagah, into Cholistan
    (74.60, 32.85),
    (74.75, 32.55),
    (75.38, 32.22),
    (75.05, 32.00),
    (74.65, 31.85),
    (74.58, 31.60),
    (74.62, 31.10),
    (74.50, 30.95),
    (73.95, 30.40),
    (73.40, 29.95),
    (73.10, 29.45),
    (72.35, 28.80),
    (71.90, 27.95),
    (70.90, 27.75),
    (70.30, 27.80),
]
INDIA_SD: Line = [  # Thar desert and the Rann of Kutch down to Sir Creek
    (70.30, 27.80),
    (69.60, 27.20),
    (69.50, 26.75),
    (70.15, 26.55),
    (70.10, 25.70),
    (70.65, 25.70),
    (71.10, 24.65),
    (71.05, 24.35),
    (70.00, 24.22),
    (69.00, 24.25),
    (68.75, 23.95),
    (68.20, 23.65),
]
SD_BA: Line = [  # Hub river, Kirthar range, north of Jacobabad to the Kashmore tripoint
    (66.70, 24.85),
    (66.90, 25.20),
    (67.15, 25.55),
    (67.35, 26.10),
    (67.45, 26.80),
    (67.70, 27.40),
    (67.90, 27.80),
    (68.20, 28.25),
    (68.60, 28.40),
    (69.00, 28.45),
    (69.45, 28.60),
]
SD_PB: Line = [(69.45, 28.60), (69.85, 28.35), (70.10, 28.10), (70.30, 27.80)]  # Sindh/Punjab, Ghotki
BA_PB: Line = [  # Kashmore tripoint north along the Sulaiman range to the Gomal/Taunsa area
    (69.45, 28.60),
    (69.80, 29.10),
    (70.00, 29.60),
    (70.05, 30.00),
    (70.15, 30.40),
    (70.20, 30.90),
    (70.05, 31.15),
]
BA_KP: Line = [(69.35, 31.95), (69.80, 31.55), (70.05, 31.15)]  # Zhob / South Waziristan / D.I. Khan
KP_PB: Line = [  # west bank of the Indus from D.I. Khan to Kalabagh and Attock, then to the Margallas
    (70.05, 31.15),
    (70.70, 31.35),
    (70.95, 31.65),
    (71.05, 32.10),
    (71.30, 32.40),
    (71.50, 32.90),
    (71.85, 33.25),
    (72.20, 33.70),
    (72.35, 33.88),
    (72.90, 33.78),
]
KP_IS: Line = [(72.90, 33.78), (73.15, 33.82)]  # Margalla hills
IS_PB: Line = [  # around the Islamabad Capital Territory, north of Rawalpindi, from west to east
    (72.90, 33.78),
    (72.80, 33.62),
    (72.95, 33.62),
    (73.08, 33.64),
    (73.15, 33.55),
    (73.30, 33.50),
    (73.45, 33.62),
    (73.40, 33.77),
    (73.15, 33.82),
]
KP_PB_EAST: Line = [(73.15, 33.82), (73.30, 34.00), (73.45, 34.05)]  # Haripur/Abbottabad against Murree
JK_PB: Line = [  # Jhelum river from Kohala down to Mangla, then Bhimber's southern edge to Chhamb
    (73.45, 34.05),
    (73.50, 33.80),
    (73.62, 33.45),
    (73.70, 33.10),
    (73.95, 33.00),
    (74.30, 32.85),
    (74.60, 32.85),
]
KP_JK: Line = [  # Kohala north along the Jhelum past Muzaffarabad, then Kaghan against Neelum
    (73.45, 34.05),
    (73.42, 34.30),
    (73.42, 34.45),
    (73.70, 34.68),
    (74.00, 34.85),
    (74.15, 35.00),
]
JK_GB: Line = [(74.15, 35.00), (74.50, 34.95), (74.80, 34.78)]  # Neelum valley against Astore
KP_GB: Line = [  # Babusar pass, Kohistan against Diamer, Swat against Ghizer, Shandur to the Karambar
    (74.15, 35.00),
    (73.95, 35.20),
    (73.70, 35.45),
    (73.40, 35.50),
    (73.00, 35.60),
    (72.60, 35.90),
    (72.55, 36.07),
    (72.90, 36.50),
    (73.65, 36.90),
]


def rev(line: Line) -> Line:
    return list(reversed(line))


def ring(*lines: Line) -> Line:
    """Join lines end to start into a closed ring; each line must start where the previous one ended."""
    out: Line = []
    for line in lines:
        if out:
            assert out[-1] == line[0], f"gap between {out[-1]} and {line[0]}"
            out.extend(line[1:])
        else:
            out.extend(line)
    assert out[0] == out[-1], f"ring not closed: {out[0]} != {out[-1]}"
    return out


AREAS: dict[str, tuple[str, Line]] = {
    "PK-SD": ("Sindh", ring(SD_BA, SD_PB, INDIA_SD, COAST_SD)),
    "PK-BA": ("Balochistan", ring(COAST_BA, IRAN, AFGHAN_BA, BA_KP, rev(BA_PB), rev(SD_BA))),
    "PK-PB": (
        "Punjab",
        ring(BA_PB, KP_PB, IS_PB, KP_PB_EAST, JK_PB, INDIA_PB, rev(SD_PB)),
    ),
    "PK-IS": ("Islamabad Capital Territory", ring(KP_IS, rev(IS_PB))),
    "PK-KP": (
        "Khyber Pakhtunkhwa",
        ring(rev(AFGHAN_KP), BA_KP, KP_PB, KP_IS, KP_PB_EAST, KP_JK, KP_GB),
    ),
    "PK-JK": ("Azad Jammu and Kashmir", ring(JK_PB, LOC_JK[::-1], rev(JK_GB), rev(KP_JK))),
    "PK-GB": (
        "Gilgit-Baltistan",
        ring(rev(KP_GB), JK_GB, rev(LOC_GB), rev(AGPL), rev(CHINA), rev(AFGHAN_GB)),
    ),
}

OUT = Path(__file__).resolve().parent.parent / "src/hifazat/geodata/data/pakistan.geojson"


def _feature(code: str, name: str, level: str, poly: Polygon) -> dict[str, object]:
    geom = mapping(orient(poly, sign=1.0))  # RFC 7946: exterior rings counter-clockwise
    coords = [[[round(x, 3), round(y, 3)] for x, y in r] for r in geom["coordinates"]]
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level},
        "geometry": {"type": "Polygon", "coordinates": coords},
    }


def build() -> dict[str, object]:
    polys = {code: Polygon(r) for code, (_, r) in AREAS.items()}
    for code, poly in polys.items():
        assert poly.is_valid, f"{code} is not a valid polygon"
    codes = sorted(polys)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            overlap = polys[a].intersection(polys[b]).area
            assert overlap < 1e-9, f"{a} and {b} overlap by {overlap}"
    country = unary_union(list(polys.values()))
    assert isinstance(country, Polygon) and not country.interiors, "areas must tile one solid outline"
    features = [_feature("PK", "Pakistan", "country", country)]
    features += [_feature(code, AREAS[code][0], "province", polys[code]) for code in codes]
    return {
        "type": "FeatureCollection",
        "properties": {
            "note": "Simplified outline for map orientation only; boundaries are approximate and not "
            "authoritative. Line of Control shown approximately."
        },
        "features": features,
    }


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")
