"""Wall-clock timing for the studies and benchmarks."""

from __future__ import annotations

import math
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
