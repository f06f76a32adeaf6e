"""Charts drawn on the server as inline SVG: bars and columns laid out here, drawn by `reports/_chart.html`
(and as PNG by `chart_png`, for the Word report).

A small module of our own rather than a charting library: the portal's CSP forbids inline style and script,
which general SVG libraries emit (a <style> element, style="" attributes, a <script> with their settings);
these charts need only bars, so the layout is a few lines, the colours come from portal.css classes (and so
follow the portal's theme), and each chart carries its numbers as a table for screen readers and for print.
Each area draws its own charts from its own queries with these; the reports only put them together.
"""
import functools
import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from flask import current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from .figures_cache import cached_figure
from .periods import Period

WIDTH = 640
BAR = 18  # height of one bar
GAP = 12  # between the groups of bars
CHAR = 14  # width of a Chinese character at the chart's font size
LEGEND = 28
VALUE_ROOM = 64  # right of the longest bar, for its value
# The PNG's colours: portal.css's light theme (the chart's text, muted text, grid, and its three series).
INK, MUTED, GRID_INK = "#373c44", "#646b79", "#e7eaf0"
SERIES_INK = ("#0172ad", "#6cb4dc", "#1d6a54")
PNG_SCALE = 2  # pixels per SVG unit: a 640-wide chart is 1280 px, about 200 dpi across a page's text width
# A taller chart is drawn smaller (in quarter steps of the scale), as it is printed smaller to fit a page: the same
# resolution on paper, and a worker never holds a picture larger than 1280 × 1400 (1.8 MB, drawn in bands).
PNG_MAX_HEIGHT = 1400
PNG_BAND = 128  # rows of the RGB canvas drawn at a time (`_draw_png`)
# Where Debian and Ubuntu put a CJK font (fonts-wqy-microhei, fonts-noto-cjk); CHART_FONT names another.
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
log = logging.getLogger(__name__)


@dataclass
class Rect:
    """A bar: its place, its series (for the colour class) and what it reads."""

    x: float
    y: float
    width: float
    height: float
    series: int
    text: str
    text_x: float
    text_y: float


@dataclass
class Label:
    """A text on the chart: an axis or row label."""

    x: float
    y: float
    text: str
    anchor: str = "end"


@dataclass
class Chart:
    """A chart ready to draw: its SVG box, bars, labels and legend, and the same numbers as a table."""

    key: str
    title: str
    summary: str
    height: float
    header: list[str]
    rows: list[list[str]]
    rects: list[Rect] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[tuple[float, str]] = field(default_factory=list)
    grid: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    markup: Markup | None = field(default=None, repr=False, compare=False)
    png: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw: the chart says so instead."""
        return not self.rows

    def svg_shapes(self) -> Markup:
        """The grid, legend, labels and bars as SVG elements for `reports/_chart.html`, written here: a chart holds
        hundreds of numbers, which a template would escape one by one; only the texts need escaping."""
        parts = []
        for y, text in self.grid:
            parts.append(f'<line class="grid" x1="44" x2="{self.width - 8}" y1="{round(y, 1)}" y2="{round(y, 1)}"/>'
                         f'<text class="axis" x="38" y="{round(y + 4, 1)}" text-anchor="end">{escape(text)}</text>')
        for index, (x, name) in enumerate(self.legend):
            parts.append(f'<rect class="s{index}" x="{x}" y="6" width="14" height="14"/>'
                         f'<text class="legend" x="{x + 20}" y="18">{escape(name)}</text>')
        for label in self.labels:
            parts.append(f'<text class="label" x="{round(label.x, 1)}" y="{round(label.y, 1)}" text-anchor="{label.anchor}">'
                         f'{escape(label.text)}</text>')
        anchor = ' text-anchor="middle"' if self.grid else ""
        for r in self.rects:
            text = escape(r.text)
            parts.append(f'<rect class="s{r.series}" x="{round(r.x, 1)}" y="{round(r.y, 1)}" width="{round(r.width, 1)}" '
                         f'height="{round(r.height, 1)}"><title>{text}</title></rect>'
                         f'<text class="value" x="{round(r.text_x, 1)}" y="{round(r.text_y, 1)}"{anchor}>{text}</text>')
        return Markup("\n".join(parts))

    def table_rows(self) -> Markup:
        """The rows of the chart's table of numbers (`reports/_chart.html`), written here for the same reason."""
        return Markup("\n".join(
            f'<tr><th scope="row">{escape(label)}</th>{"".join(f"""<td class="num">{escape(cell)}</td>""" for cell in cells)}</tr>'
            for label, *cells in self.rows))


def chart_markup(chart: Chart) -> Markup:
    """The chart drawn by `reports/_chart.html`, once per chart: a cached chart is drawn once per data version and locale."""
    if chart.markup is None:
        chart.markup = Markup(render_template("reports/_chart.html", chart=chart))
    return chart.markup


def chart_png(chart: Chart) -> bytes | None:
    """The chart as a PNG (white ground, the SVG's layout at PNG_SCALE), once per chart like `chart_markup`;
    None when it is empty or the server has no CJK font to write its labels with."""
    if chart.png is None and not chart.empty:
        path = _font_path(current_app.config.get("CHART_FONT"))
        if path is not None:
            scale = min(PNG_SCALE, math.floor(PNG_MAX_HEIGHT / chart.height * 4) / 4) or 0.25
            chart.png = _draw_png(chart, scale, *_png_fonts(path, scale))
    return chart.png


@functools.cache
def _font_path(configured: str | None) -> str | None:
    """CHART_FONT or the first CJK font found that FreeType opens; None without one."""
    from PIL import ImageFont  # Pillow loads with the first Word report, not in every worker

    for path in (configured,) if configured else CJK_FONTS:
        try:
            ImageFont.truetype(path, 14, layout_engine=ImageFont.Layout.BASIC)
            return path
        except OSError:
            continue
    log.warning("No CJK font found (%s): the Word report goes without its charts.", configured or ", ".join(CJK_FONTS))
    return None


def _png_fonts(path: str, scale: float):
    """The labels' and the values' fonts at a scale, made for one chart and dropped with it."""
    # Each FreeType face maps the font file on its own (about 1 MB of a CJK font resident once drawn with): kept,
    # a worker would hold them for every size and scale it ever drew. A face opens in a third of a millisecond.
    from PIL import ImageFont

    # Chinese needs no shaping: the basic layout, not libraqm's
    return tuple(ImageFont.truetype(path, round(size * scale), layout_engine=ImageFont.Layout.BASIC) for size in (14, 13))


def _draw_png(chart: Chart, k: float, font, small) -> bytes:
    from PIL import Image, ImageDraw

    width, height = round(chart.width * k), round(chart.height * k)
    shapes = _png_shapes(chart, k, font, small)
    palette, picture = _png_palette(), None
    # Drawn in bands of about PNG_BAND rows, each quantized into the picture: the RGB canvas takes 4 bytes a pixel,
    # a tall chart's whole canvas 7 MB on top of the picture's 1 byte a pixel. A band ends only between texts and
    # lines (each is drawn whole in one band, at the same fraction of a pixel); a bar is cut at whole rows.
    for top, bottom in _png_bands(shapes, height):
        canvas = Image.new("RGB", (width, bottom - top), "white")
        draw = ImageDraw.Draw(canvas)
        for first, last, paint, _whole in shapes:
            if first < bottom and last > top:
                paint(draw, top)
        band = canvas.quantize(palette=palette, dither=Image.Dither.NONE)
        if picture is None:
            picture = Image.new("P", (width, height))
            picture.putpalette(band.getpalette())
        picture.paste(band, (0, top))
    out = io.BytesIO()
    # On a palette of the inks blended into white (what anti-aliased edges on a white ground are): a third of the
    # RGB file, and without the 20 MB an adaptive quantizer takes for a tall chart.
    picture.save(out, "PNG", compress_level=6)
    return out.getvalue()


def _png_shapes(chart: Chart, k: float, font, small) -> list[tuple[int, int, Callable, bool]]:
    """What the PNG draws, in order: the rows each shape may touch (a text or line with a margin, a bar from its
    first row to its last), how to draw it on a band starting at a row, and whether it must be drawn whole."""
    shapes = []

    def text(x: float, y: float, words: str, fill: str, face, anchor: str) -> None:
        ascent, descent = face.getmetrics()  # the anchors here are on the baseline
        shapes.append((math.floor(y) - ascent - 2, math.ceil(y) + descent + 2,
                       lambda draw, top: draw.text((x, y - top), words, fill=fill, font=face, anchor=anchor), True))

    def bar(x0: float, y0: float, x1: float, y1: float, fill: str) -> None:
        x1 = max(x0, x1)  # a bar narrower than a pixel at this scale is one pixel wide (Pillow refuses x1 < x0)
        first, last = math.floor(y0), math.floor(y1)  # the rows Pillow fills for these corners
        shapes.append((first, last + 1, lambda draw, top: draw.rectangle([x0, first - top, x1, last - top], fill=fill), False))

    line = max(1, round(k))
    for y, label in chart.grid:
        shapes.append((math.floor(y * k) - line - 1, math.ceil(y * k) + line + 1,
                       lambda draw, top, y=y: draw.line([(44 * k, y * k - top), ((chart.width - 8) * k, y * k - top)],
                                                        fill=GRID_INK, width=line), True))
        text(38 * k, (y + 4) * k, label, MUTED, small, "rs")
    for index, (x, name) in enumerate(chart.legend):
        bar(x * k, 6 * k, (x + 14) * k - 1, 20 * k - 1, SERIES_INK[index % len(SERIES_INK)])
        text((x + 20) * k, 18 * k, name, INK, font, "ls")
    for label in chart.labels:
        text(label.x * k, label.y * k, label.text, INK, font, "rs" if label.anchor == "end" else "ms")
    for r in chart.rects:
        if r.width > 0 and r.height > 0:
            bar(r.x * k, r.y * k, (r.x + r.width) * k - 1, (r.y + r.height) * k - 1, SERIES_INK[r.series % len(SERIES_INK)])
        text(r.text_x * k, r.text_y * k, r.text, MUTED, small, "ms" if chart.grid else "ls")
    return shapes


def _png_bands(shapes, height: int) -> list[tuple[int, int]]:
    """Rows [top, bottom) of about PNG_BAND each, cut only where no text or line lies across the cut."""
    whole = [(first, last) for first, last, _paint, drawn_whole in shapes if drawn_whole]
    bands, top = [], 0
    while top < height:
        bottom = min(top + PNG_BAND, height)
        while bottom < height and any(first < bottom < last for first, last in whole):
            bottom += 1
        bands.append((top, bottom))
        top = bottom
    return bands


@functools.cache
def _png_palette():
    from PIL import Image, ImageColor

    # White, the grid's ink (its lines are level: no edges), and each other ink blended into white in eighths from
    # a quarter: a lighter blend lies so near white that Pillow's palette lookup takes it for the ground.
    colours = [(255, 255, 255), ImageColor.getrgb(GRID_INK)]
    for ink in (INK, MUTED, *SERIES_INK):
        rgb = ImageColor.getrgb(ink)
        colours += [tuple(round(255 + (c - 255) * step / 8) for c in rgb) for step in range(2, 9)]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    return palette


def bars(key: str, title: str, series: list[str], rows: list[tuple[str, list[float], list[str]]],
         maximum: float | None = None) -> Chart:
    """Horizontal bars, one group per row and one bar per series; `rows` are (label, values, value texts)."""
    label_width = min(13, max((len(label) for label, _values, _texts in rows), default=4)) * CHAR + 12
    plot = WIDTH - label_width - VALUE_ROOM
    top = LEGEND if len(series) > 1 else 4
    largest = maximum or max((v for _label, values, _texts in rows for v in values), default=0) or 1
    group = len(series) * BAR + GAP
    chart = Chart(key, title, _summary(title, series, rows), top + len(rows) * group + 4,
                  ["", *series], [[label, *texts] for label, _values, texts in rows])
    if len(series) > 1:
        chart.legend = [(label_width + i * 150, name) for i, name in enumerate(series)]
    for index, (label, values, texts) in enumerate(rows):
        y = top + index * group
        shown = label if len(label) <= 13 else label[:12] + "…"
        chart.labels.append(Label(label_width - 8, y + len(series) * BAR / 2 + 5, shown))
        for s, (value, text) in enumerate(zip(values, texts)):
            width = plot * min(value, largest) / largest
            chart.rects.append(Rect(label_width, y + s * BAR, width, BAR - 3, s, text, label_width + width + 6, y + s * BAR + BAR - 6))
    return chart


def columns(key: str, title: str, rows: list[tuple[str, Fraction | None, str]], series: str) -> Chart:
    """Vertical columns of a rate (0–100 %), one per row; a row without a rate gets no column and reads “—”."""
    left, top, plot_height, bottom = 44, 20, 180, 28
    step = (WIDTH - left - 8) / max(len(rows), 1)
    chart = Chart(key, title, _summary(title, [series], [(label, [], [text]) for label, _rate, text in rows]),
                  top + plot_height + bottom, ["", series], [[label, text] for label, _rate, text in rows])
    chart.grid = [(top + plot_height * (1 - share), f"{round(share * 100)}%") for share in (0, 0.5, 1)]
    for index, (label, value, text) in enumerate(rows):
        x = left + index * step
        height = plot_height * float(value or 0)
        chart.labels.append(Label(x + step / 2, top + plot_height + 18, label, "middle"))
        if value is not None:
            chart.rects.append(Rect(x + step * 0.2, top + plot_height - height, step * 0.6, height, 0, text,
                                    x + step / 2, top + plot_height - height - 5))
    return chart


def _summary(title: str, series: list[str], rows) -> str:
    """The chart in one sentence, for screen readers: “title: label value, value; …”."""
    parts = ["%s %s" % (label, "、".join(texts)) for label, _values, texts in rows]
    return "%s（%s）：%s" % (title, "、".join(series), "；".join(parts) or _("no data"))


def counts_chart(key: str, title: str, series: str, counts: list[tuple[str, int]]) -> Chart:
    """One bar per label: a count."""
    return bars(key, title, [series], [(label, [n], [str(n)]) for label, n in counts])


def cached_charts(*kinds: str) -> Callable[[Callable[[Period], list[Chart]]], Callable[[Period], list[Chart]]]:
    """Cache an area's charts of a period under the versions of the kinds of data they read, and by locale
    (titles and labels are translated): treat the charts as read-only."""

    def decorator(draw: Callable[[Period], list[Chart]]) -> Callable[[Period], list[Chart]]:
        @cached_figure(*kinds)
        @functools.wraps(draw)
        def in_locale(period: Period, _locale: str) -> list[Chart]:
            return draw(period)

        @functools.wraps(draw)
        def charts(period: Period) -> list[Chart]:
            return in_locale(period, str(get_locale()))

        return charts

    return decorator
