"""A report's charts as PNG, sized for a phone held upright: large type, labels in the reader's language
(DejaVu Sans, shipped with matplotlib, has every Vietnamese letter)."""

from __future__ import annotations

from io import BytesIO

import matplotlib

matplotlib.use("Agg")  # no display on a server; must come before pyplot
from matplotlib import pyplot  # noqa: E402

from bot.documents import labels  # noqa: E402
from bot.i18n import Translator  # noqa: E402
from bot.reports.figures import CONCLUSION_KINDS, OUTCOMES  # noqa: E402

WIDTH_PX, DPI = 1080, 120  # 9 inches at 120 dpi: a phone's width, pixel for pixel
OVERVIEW_HEIGHT_PX, HAMLETS_HEIGHT_PX = 1620, 1080
_STYLE = {"font.family": "DejaVu Sans", "font.size": 17, "axes.titlesize": 21, "axes.titleweight": "bold"}
_COLOURS = ("#1f6fb4", "#2e9e5b", "#e0a020", "#c0392b", "#7f8c8d")


def _bars(axes, title: str, names: list[str], values: list[int]) -> None:
    positions = range(len(names))
    bars = axes.barh(list(positions), values, color=[_COLOURS[i % len(_COLOURS)] for i in positions])
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.set_title(title, loc="left")
    axes.bar_label(bars, padding=6, fontsize=18, fontweight="bold")
    axes.set_xlim(0, max(values + [1]) * 1.25)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)


def _png(figure) -> bytes:
    out = BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    pyplot.close(figure)
    return out.getvalue()


def overview(report, t: Translator) -> bytes:
    """Screening, conclusions by kind, assignments by outcome: three panels, one under the other."""
    f = report.figures
    with matplotlib.rc_context(_STYLE):
        figure, panels = pyplot.subplots(3, 1, figsize=(WIDTH_PX / DPI, OVERVIEW_HEIGHT_PX / DPI), layout="constrained")
        title = labels.scope_title(report, t)
        figure.suptitle(title[:1].upper() + title[1:], fontsize=22)
        _bars(panels[0], t("Concerns"), [t(label) for _, label in labels.SCREENING_LABELS],
              [getattr(f, key) for key, _ in labels.SCREENING_LABELS])
        _bars(panels[1], t("Conclusions"), [t(labels.CONCLUSION_LABELS[k]) for k in CONCLUSION_KINDS],
              [f.conclusions[k] for k in CONCLUSION_KINDS])
        _bars(panels[2], t("Assignments"), [t(labels.OUTCOME_LABELS[k]) for k in OUTCOMES], [f.outcomes[k] for k in OUTCOMES])
        return _png(figure)


def by_hamlet(report, t: Translator) -> bytes:
    """Per hamlet: received, resolved and overdue, side by side."""
    hamlets = report.figures.by_hamlet
    names = [labels.hamlet(report, t, h.hamlet_id) for h in hamlets] or ["-"]
    series = ((t("Received"), [h.received for h in hamlets]), (t("Resolved"), [h.resolved for h in hamlets]),
              (t("Overdue"), [h.overdue for h in hamlets]))
    colours = (_COLOURS[0], _COLOURS[1], _COLOURS[3])
    with matplotlib.rc_context(_STYLE):
        figure, axes = pyplot.subplots(figsize=(WIDTH_PX / DPI, HAMLETS_HEIGHT_PX / DPI), layout="constrained")
        height = 0.8 / len(series)
        for index, (name, values) in enumerate(series):
            values = values or [0]
            bars = axes.barh([i + index * height for i in range(len(names))], values, height=height, label=name,
                             color=colours[index])
            axes.bar_label(bars, padding=4, fontsize=16)
        axes.set_yticks([i + height for i in range(len(names))], names)
        axes.invert_yaxis()
        axes.set_title(t("By hamlet: %(scope)s", scope=labels.scope_title(report, t)), loc="left")
        axes.legend(loc="lower right")
        axes.xaxis.set_visible(False)
        for side in ("top", "right", "bottom"):
            axes.spines[side].set_visible(False)
        return _png(figure)
