"""Trend charts of home readings, drawn with matplotlib (the Agg backend, no display),
with the targets marked. Rendering is CPU work: callers run `render_trend_png` in a
thread (asyncio.to_thread), never on the event loop. Each call builds its own Figure
(no pyplot state), so threads do not share anything."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Fonts that carry Chinese, in order of preference; without one the labels are drawn
# in English (the caption beside the picture carries the resident's language).
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Source Han Sans SC")


@dataclass(frozen=True)
class ChartPoint:
    at: datetime
    systolic: int | None = None
    diastolic: int | None = None
    glucose: float | None = None
    flagged: bool = False  # above target or low


@dataclass(frozen=True)
class ChartLabels:
    title: str
    unit: str
    systolic: str = ""
    diastolic: str = ""
    glucose: str = ""
    target: str = ""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    available = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in available), None)
    if found is None:
        # matplotlib keeps its font list in a cache made when it first ran: a CJK font
        # installed since then is not in it. Look on disk once and add what is there.
        for path in font_manager.findSystemFonts():
            if "cjk" in path.lower() or "wqy" in path.lower():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        available = {f.name for f in font_manager.fontManager.ttflist}
        found = next((name for name in CJK_FONTS if name in available), None)
    return found


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def render_trend_png(
    kind: str,
    points: list[ChartPoint],
    labels: ChartLabels,
    *,
    targets: tuple[float, ...],
    tz: ZoneInfo,
) -> bytes:
    """A PNG of the readings over time. For blood pressure `targets` are (systolic,
    diastolic), for glucose (fasting target,)."""
    font = cjk_font()
    fig = Figure(figsize=(7.0, 4.0), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    props = font_manager.FontProperties(family=font, size=11) if font else font_manager.FontProperties(size=11)
    title_props = props.copy()
    title_props.set_size(15)
    times = mdates.date2num([p.at.astimezone(tz) for p in points])
    if kind == "bp":
        sys_values = [_num(p.systolic) for p in points]
        dia_values = [_num(p.diastolic) for p in points]
        ax.plot(times, sys_values, marker="o", linewidth=2.2, color="#c0392b", label=labels.systolic)
        ax.plot(times, dia_values, marker="s", linewidth=2.2, color="#2471a3", label=labels.diastolic)
        for value, colour in zip(targets, ("#c0392b", "#2471a3"), strict=False):
            ax.axhline(value, linestyle="--", linewidth=1.2, color=colour, alpha=0.6)
        ax.axhspan(0, targets[0], alpha=0.05, color="#27ae60")
        low = min([*dia_values, targets[-1]]) - 15
        high = max([*sys_values, targets[0]]) + 15
        ax.set_ylim(max(low, 30), high)
        flagged = [(t, _num(p.systolic)) for t, p in zip(times, points, strict=True) if p.flagged]
    else:
        values = [_num(p.glucose) for p in points]
        ax.plot(times, values, marker="o", linewidth=2.2, color="#8e44ad", label=labels.glucose)
        ax.axhline(targets[0], linestyle="--", linewidth=1.2, color="#27ae60", alpha=0.8)
        ax.axhspan(0, targets[0], alpha=0.05, color="#27ae60")
        top = max([*values, targets[0]]) + 2
        ax.set_ylim(0, top)
        flagged = [(t, _num(p.glucose)) for t, p in zip(times, points, strict=True) if p.flagged]
    if flagged:
        ax.scatter([t for t, _ in flagged], [v for _, v in flagged], s=140, facecolors="none",
                   edgecolors="#e67e22", linewidths=2.0, zorder=5)  # fmt: skip
    ax.plot([], [], linestyle="--", color="grey", label=labels.target)
    ax.set_title(labels.title, fontproperties=title_props)
    ax.set_ylabel(labels.unit, fontproperties=props)
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len({p.at.astimezone(tz).date() for p in points}) // 7 or 1), tz=tz))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d", tz=tz))
    ax.legend(loc="upper left", prop=props)
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
