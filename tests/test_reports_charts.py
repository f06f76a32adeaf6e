"""The chart layout: bars scale to the largest value, rates to 100 %, labels stay text, nothing inline; the PNG drawn lean."""
import gc
from fractions import Fraction

import pytest
from flask import render_template

from portal import charts
from portal.charts import WIDTH, _font_path, bars, chart_png, columns


def test_bars_scale_to_the_largest_value(app):
    with app.test_request_context():
        chart = bars("t", "标题", ["甲", "乙"], [("经济发展", [10, 5], ["10", "5"]), ("其他", [0, 2], ["0", "2"])])
        widths = [r.width for r in chart.rects]
        assert widths[0] == max(widths) and widths[1] == widths[0] / 2 and widths[2] == 0
        assert all(r.x + r.width <= WIDTH for r in chart.rects)
        assert chart.rows == [["经济发展", "10", "5"], ["其他", "0", "2"]] and len(chart.legend) == 2
        assert "经济发展 10、5" in chart.summary


def test_columns_draw_rates_and_skip_empty_months(app):
    with app.test_request_context():
        chart = columns("t", "出席率", [("1月", Fraction(1, 2), "50%"), ("2月", None, "—"), ("3月", Fraction(1), "100%")], "出席率")
        assert [r.text for r in chart.rects] == ["50%", "100%"]
        assert chart.rects[1].height == 2 * chart.rects[0].height
        assert [label.text for label in chart.labels] == ["1月", "2月", "3月"]


def test_a_chart_label_is_text_not_markup(app):
    with app.test_request_context():
        chart = bars("t", "<b>标题</b>", ["甲"], [('<script>alert(1)</script>', [1], ["1"])])
        svg = render_template("reports/_chart.html", chart=chart)
        assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
        assert "style=" not in svg


def test_an_empty_chart_says_so(app):
    with app.test_request_context():
        html = render_template("reports/_chart.html", chart=bars("t", "标题", ["甲"], []))
        assert "<svg" not in html and 'class="empty"' in html


def test_drawn_charts_keep_no_font_face(app):
    """Each FreeType face maps the CJK font file on its own (about 1 MB resident once drawn with): a worker that drew
    charts at two scales holds none of their faces afterwards, and draws the same picture again."""
    from PIL import ImageFont

    with app.test_request_context():
        if _font_path(app.config.get("CHART_FONT")) is None:
            pytest.skip("no CJK font on this machine")
        short = bars("s", "标题", ["甲"], [("经济发展", [3], ["3"])])
        tall = bars("t", "标题", ["甲"], [(f"社区{n}", [n], [str(n)]) for n in range(60)])  # drawn at a smaller scale
        pictures = [chart_png(short), chart_png(tall)]
        assert all(pictures)
        gc.collect()
        path = _font_path(app.config.get("CHART_FONT"))
        assert not [face for face in gc.get_objects() if isinstance(face, ImageFont.FreeTypeFont) and face.path == path]
        short.png = None
        assert chart_png(short) == pictures[0]


def test_a_chart_png_is_the_same_drawn_in_bands(app, monkeypatch):
    """The canvas is drawn a band of rows at a time (a tall chart's whole RGB canvas took 7 MB): the same picture as in
    one piece, and a bar narrower than a pixel at a small scale is drawn one pixel wide instead of failing the report."""
    with app.test_request_context():
        if _font_path(app.config.get("CHART_FONT")) is None:
            pytest.skip("no CJK font on this machine")
        made = [
            bars("t", "标题", ["意见", "采纳"], [(f"社区{n}", [500 if n else 1, n], ["500" if n else "1", str(n)]) for n in range(40)]),
            columns("c", "出席率", [(f"{n}月", Fraction(n, 12) if n % 5 else None, f"{n}%") for n in range(1, 13)], "出席率"),
        ]
        assert made[0].height > charts.PNG_MAX_HEIGHT / 2  # drawn at a scale of 1 or less: its 1-of-500 bar under a pixel
        pictures = []
        for band in (10_000, 16):
            monkeypatch.setattr(charts, "PNG_BAND", band)
            for chart in made:
                chart.png = None
            pictures.append([chart_png(chart) for chart in made])
        assert all(pictures[0]) and pictures[0] == pictures[1]
