"""Wall-clock timing for the studies and benchmarks."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any


def best_of(run: Callable[[], Any], repeats: int) -> float:
    """Seconds of the fastest of ``repeats`` calls of ``run``.

    The minimum is the least noisy estimate of the cost itself: every source of interference
    (scheduling, caches, other processes) only adds time.
    """
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def median_of(run: Callable[[], Any], budget: float = 1.0, least: int = 3, most: int = 25) -> float:
    """Median seconds of calls of ``run``: at least ``least``, then more while they fit in about
    ``budget`` seconds, up to ``most``.

    On a loaded machine the median is robust to the occasional slow call without depending, as the
    minimum does, on a single lucky one.
    """
    times: list[float] = []
    while len(times) < least or (len(times) < most and sum(times) < budget):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
