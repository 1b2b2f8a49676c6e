"""The burn-up chart every embedding format shares: accessible SVG, PNG sharp enough to print, same input same bytes."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest

from reporting.render.charts import burnup_png, burnup_svg

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INCH_PER_METRE = 39.3701


def indicator(target=24, reached=(2, 4, 5, None, 7), months=12, **extra) -> dict:
    labels = [f"2025-{m:02d}" for m in range(1, months + 1)]
    achieved = [*reached, *[None] * (months - len(reached))]
    return {
        "key": "joint_patrols",
        "label": "Joint patrols",
        "unit": "patrols",
        "target": target,
        "series": {
            "labels": labels,
            "achieved": achieved,
            "target_line": [round(target * (i + 1) / months, 2) for i in range(months)],
        },
        **extra,
    }


def png_chunks(data: bytes) -> dict[bytes, bytes]:
    chunks, at = {}, len(PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.setdefault(kind, body)
        at += 12 + length
    return chunks


def png_dpi(data: bytes) -> tuple[int, int, float]:
    """(width px, height px, dots per inch written in pHYs)."""
    chunks = png_chunks(data)
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    per_metre_x, per_metre_y, unit = struct.unpack(">IIB", chunks[b"pHYs"])
    assert unit == 1 and per_metre_x == per_metre_y  # metres, square pixels
    return width, height, per_metre_x / INCH_PER_METRE


def test_it_draws_an_svg_element_with_a_title_for_screen_readers():
    svg = burnup_svg(indicator())
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == "Joint patrols: 7 of 24 patrols reached by May 2025"
    assert root.findall(f".//{SVG}path")  # lines and glyphs as paths: no font needed to show it


def test_the_svg_draws_its_text_as_paths_so_every_reader_shows_the_same_glyphs():
    root = ET.fromstring(burnup_svg(indicator()))
    assert not root.findall(f".//{SVG}text")
    assert any("DejaVuSans" in (element.get("id") or "") for element in root.iter())


def test_the_same_indicator_gives_the_same_svg_and_png():
    assert burnup_svg(indicator()) == burnup_svg(indicator())
    assert burnup_png(indicator()) == burnup_png(indicator())
    assert burnup_svg(indicator()) != burnup_svg(indicator(target=30))


def test_charts_drawn_in_parallel_threads_equal_charts_drawn_one_by_one():
    inputs = [indicator(target=t) for t in (10, 20, 30, 40)] * 2
    alone = [burnup_svg(i) for i in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(burnup_svg, inputs))
    assert together == alone


def test_the_png_is_16_cm_wide_at_200_dpi_or_more():
    data = burnup_png(indicator())
    assert data.startswith(PNG_SIGNATURE)
    width, height, dpi = png_dpi(data)
    assert round(dpi) == 200
    assert width / (16 / 2.54) == pytest.approx(200, abs=0.5) and height / (6 / 2.54) == pytest.approx(200, abs=0.5)
    _, _, sharper = png_dpi(burnup_png(indicator(), dpi=300))
    assert round(sharper) == 300


def test_an_indicator_without_a_series_draws_nothing():
    assert burnup_svg(indicator(series=None)) == ""
    assert burnup_png(indicator(series=None)) == b""


def test_an_indicator_nothing_was_reached_for_yet_still_draws_its_target():
    chart = indicator(reached=())
    root = ET.fromstring(burnup_svg(chart))
    assert root.find(f"{SVG}title").text == "Joint patrols: burn-up towards the target of 24 patrols"
    assert burnup_png(chart).startswith(PNG_SIGNATURE)
