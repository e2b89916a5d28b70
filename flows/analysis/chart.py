"""The picture sent with the plan: remaining debt month by month, one band per platform.

Chinese labels use the Noto Sans CJK SC font shipped inside the mplfonts package, registered with
matplotlib's font manager at chart time, so nothing is downloaded and no system font is needed.
The figure is drawn on a bare Agg canvas (no pyplot, so no figure is left open), and cleared after use.
matplotlib is imported on the first chart, not with the engine: it is about 30 MB of resident memory
that a bot process only needs once someone asks for a plan (see bench/README.md, memory).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from flows.analysis.result import Analysis
from flows.core.texts import render

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FALLBACK_FAMILY = "DejaVu Sans"
_DPI = 110


@cache
def cjk_font_family() -> str:
    """Register the CJK font shipped with mplfonts and return its family name.

    Returns:
        The family name matplotlib knows the font by.

    Raises:
        FileNotFoundError: When mplfonts is installed without its fonts.
    """
    import mplfonts
    from matplotlib import font_manager

    path = Path(mplfonts.__file__).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(path)
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


def _yuan_tick(value: float, _position: float) -> str:
    return f"{value:,.0f}"


def chart_png(analysis: Analysis) -> bytes:
    """Draw the remaining debt per platform, month by month, as a PNG.

    Uses the plan when there is one; otherwise the same rule run to the horizon, titled to say it
    does not clear the debt.

    Args:
        analysis: The result of `analyse`.

    Returns:
        PNG bytes.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    family = cjk_font_family()
    months = analysis.schedule or analysis.projection
    keys = [loan.key for loan in analysis.loans if loan.balance > 0 and loan.role != "held"]
    start = {loan.key: loan.balance for loan in analysis.loans}
    x = [0, *(month.month for month in months)]
    # Floats only for drawing; every figure shown in text comes from the Decimal plan.
    bands = [[float(start[key]), *(float(month.remaining[key]) for month in months)] for key in keys]

    feasible = analysis.months_to_clear is not None
    title = render(
        "analysis/chart_title", feasible=feasible, months=analysis.months_to_clear, horizon=analysis.horizon_months,
        pace=analysis.pace_months,
    )
    buffer = io.BytesIO()
    with matplotlib.rc_context({"font.family": [family, FALLBACK_FAMILY], "axes.unicode_minus": False}):
        fig = Figure(figsize=(8, 4.5), dpi=_DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        if keys:
            ax.stackplot(x, bands, labels=keys, alpha=0.85)
            ax.legend(loc="upper right", fontsize=9)
        ax.set_title(title)
        ax.set_xlabel(render("analysis/chart_xlabel"))
        ax.set_ylabel(render("analysis/chart_ylabel"))
        ax.yaxis.set_major_formatter(FuncFormatter(_yuan_tick))
        ax.set_xlim(0, max(x[-1], 1))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(buffer, format="png")
        fig.clear()
    return buffer.getvalue()


def chart_caption(analysis: Analysis) -> str:
    """Return the caption to send with the chart.

    Args:
        analysis: The result of `analyse`.

    Returns:
        One short sentence from scripts_zh/analysis/chart_caption.j2.
    """
    return render(
        "analysis/chart_caption", feasible=analysis.months_to_clear is not None, horizon=analysis.horizon_months
    )
