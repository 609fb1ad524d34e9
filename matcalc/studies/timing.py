"""Wall-clock timing for the studies and benchmarks."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
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


def taking_turns(runs: Sequence[Callable[[], Any]], budget: float = 1.0, least: int = 5,
                 most: int = 25) -> list[list[float]]:
    """Seconds of each call of each of ``runs``, called in turn: at least ``least`` rounds, then
    more while they fit in about ``budget`` seconds, up to ``most``.

    Taking turns makes the runs share whatever load the machine has, so that their ratio stays
    meaningful on a busy machine.
    """
    times: list[list[float]] = [[] for _ in runs]
    while len(times[0]) < least or (len(times[0]) < most and sum(map(sum, times)) < budget):
        for run, spent in zip(runs, times):
            start = time.perf_counter()
            run()
            spent.append(time.perf_counter() - start)
    return times
