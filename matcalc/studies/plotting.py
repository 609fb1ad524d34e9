"""Figures for the studies: matplotlib is an optional extra, drawn on a bare Agg canvas."""

from __future__ import annotations

from typing import Any


def new_figure(**options: Any) -> Any:
    """A matplotlib ``Figure`` attached to an Agg canvas.

    Not pyplot: no display is needed and the process-wide matplotlib backend is left alone.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'matcalc[plot]'") from err
    figure = Figure(**options)
    FigureCanvasAgg(figure)
    return figure
