"""Charts drawn on the server as inline SVG: bars and columns laid out here, drawn by `reports/_chart.html`.

A small module of our own rather than a charting library: the portal's CSP forbids inline style and script,
which general SVG libraries emit (a <style> element, style="" attributes, a <script> with their settings);
these charts need only bars, so the layout is a few lines, the colours come from portal.css classes (and so
follow the portal's theme), and each chart carries its numbers as a table for screen readers and for print.
Each area draws its own charts from its own queries with these; the reports only put them together.
"""
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .figures_cache import cached_figure
from .periods import Period

WIDTH = 640
BAR = 18  # height of one bar
GAP = 12  # between the groups of bars
CHAR = 14  # width of a Chinese character at the chart's font size
LEGEND = 28
VALUE_ROOM = 64  # right of the longest bar, for its value


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

    @property
    def empty(self) -> bool:
        """True when there is nothing to draw: the chart says so instead."""
        return not self.rows


def chart_markup(chart: Chart) -> Markup:
    """The chart drawn by `reports/_chart.html`, once per chart: a cached chart is drawn once per data version and locale."""
    if chart.markup is None:
        chart.markup = Markup(render_template("reports/_chart.html", chart=chart))
    return chart.markup


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
