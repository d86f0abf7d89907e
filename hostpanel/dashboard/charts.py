"""Geometry of the dashboard's SVG charts: plain numbers for the templates to draw.

Nothing here reads the database; the views hand in the values.
"""

from dataclasses import dataclass
from datetime import date

from django.utils import formats

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36  # margins around the plot area
DIVISIONS = 4  # horizontal grid lines above zero
LABEL_EVERY = 7  # days between two day labels (counted back from today)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int
    day: date


@dataclass(frozen=True)
class Series:
    key: str  # received, spam, viruses: also the CSS class
    label: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)

    @property
    def total(self) -> int:
        return sum(p.value for p in self.points)


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class DayLabel:
    x: float
    text: str
    anchor: str = "middle"  # the last one ends at its day, so that it stays inside


@dataclass(frozen=True)
class LineChart:
    days: list[date]
    series: list[Series]
    ticks: list[Tick]
    labels: list[DayLabel]
    top_value: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    def rows(self):
        """``(day, [value of each series])``, newest first: the table alternative."""
        return [(day, [s.points[i].value for s in self.series])
                for i, day in reversed(list(enumerate(self.days)))]


def nice_top(maximum: int, divisions: int = DIVISIONS) -> int:
    """The top of the y axis: ``divisions`` steps of 1, 2 or 5 × 10^k covering ``maximum``."""
    needed = max(maximum, 1) / divisions
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= needed:
                return factor * magnitude * divisions
        magnitude *= 10


def line_chart(days: list[date], series: list[tuple[str, str, list[int]]]) -> LineChart:
    """One point per day and series, on a shared y axis starting at zero.

    ``series``: ``(key, label, values)``, one value per day of ``days`` (oldest first).
    """
    top_value = nice_top(max((max(values, default=0) for _k, _l, values in series), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(days), 1)

    def x(index: int) -> float:
        return round(LEFT + step * (index + 0.5), 2)

    def y(value: int) -> float:
        return round(TOP + plot_height * (1 - value / top_value), 2)

    drawn = [Series(key, label, [Point(x(i), y(v), v, day)
                                 for i, (day, v) in enumerate(zip(days, values, strict=True))])
             for key, label, values in series]
    ticks = [Tick(y(top_value * n // DIVISIONS), top_value * n // DIVISIONS)
             for n in range(DIVISIONS + 1)]
    last = len(days) - 1
    labels = [DayLabel(x(i), formats.date_format(day, "MONTH_DAY_FORMAT"),
                       "end" if i == last and i else "middle")
              for i, day in enumerate(days) if (last - i) % LABEL_EVERY == 0]
    return LineChart(days=days, series=drawn, ticks=ticks, labels=labels, top_value=top_value)
