"""Verification throughput: matcalc.verify against jax.test_util.check_grads, cold and warm.

Cold means a fresh process (nothing compiled, no persistent cache): each measurement runs in its own
subprocess. Warm means the same process again, on a new seed. check_grads runs order 1 in both
modes on the record's f with respect to its differentiated argument, the other arguments fixed, on
the same inputs. Then the whole catalog, `matcalc verify --all --dtype both`, in a fresh process
with an empty persistent compilation cache, and again with the cache it left.

    python benchmarks/throughput.py            # prints markdown tables
    python benchmarks/throughput.py --quick    # two records, no whole-catalog run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

RECORDS = ("scalar_by_matrix.log_abs_det", "jacobians.tanh_layer", "hessians.quadratic_form",
           "vector_by_matrix.AXb", "scalar_by_matrix.trace_AXB", "matrix_by_scalar.inverse_affine")

_ONE = r"""
import json, sys, time
t0 = time.perf_counter()
import jax, matcalc
from jax.test_util import check_grads
record = matcalc.get(sys.argv[1])
which = sys.argv[2]
with jax.enable_x64(True):
    args = matcalc.sample_args(record, seed=0)
    i = record.argnum
    g = lambda x: record.f(*args[:i], x, *args[i + 1:])
    def run(seed):
        if which == "matcalc":
            return matcalc.verify(record, seed=seed)
        return check_grads(g, (args[i] * (1 + 1e-3 * seed),), order=1, modes=["fwd", "rev"])
    start = time.perf_counter(); run(0); cold = time.perf_counter() - start
    warm = []
    for seed in range(1, 6):
        start = time.perf_counter(); run(seed); warm.append(time.perf_counter() - start)
print(json.dumps({"cold": cold, "warm": sorted(warm)[2]}))
"""


def _measure(record: str, which: str) -> dict:
    env = dict(os.environ, MATCALC_NO_CACHE="1")
    out = subprocess.run([sys.executable, "-c", _ONE, record, which], capture_output=True, text=True, env=env,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_record(records) -> str:
    rows = ["| record | verify cold (s) | check_grads cold (s) | cold ratio | verify warm (ms) | "
            "check_grads warm (ms) | warm ratio |", "|---|---:|---:|---:|---:|---:|---:|"]
    cold_ratios, warm_ratios = [], []
    for record in records:
        ours, theirs = _measure(record, "matcalc"), _measure(record, "check_grads")
        cold_ratios.append(ours["cold"] / theirs["cold"])
        warm_ratios.append(ours["warm"] / theirs["warm"])
        rows.append(f"| `{record}` | {ours['cold']:.2f} | {theirs['cold']:.2f} | {cold_ratios[-1]:.2f} | "
                    f"{1e3 * ours['warm']:.1f} | {1e3 * theirs['warm']:.1f} | {warm_ratios[-1]:.2f} |")
    rows.append(f"| **median** | | | **{statistics.median(cold_ratios):.2f}** | | | "
                f"**{statistics.median(warm_ratios):.2f}** |")
    return "\n".join(rows)


def _catalog_run(selection: list[str]) -> list[float]:
    """Wall seconds of ``matcalc verify SELECTION --dtype both``: with an empty persistent cache, then
    with the cache it left."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, MATCALC_CACHE_DIR=cache)
        env.pop("MATCALC_NO_CACHE", None)
        times = []
        for _ in ("cold", "warm cache"):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "matcalc", "verify", *selection, "--dtype", "both"], env=env,
                           capture_output=True, check=False)
            times.append(time.perf_counter() - start)
    return times


def whole_catalog() -> str:
    """The whole catalog, and its records outside the Cookbook (the catalog the issue's targets,
    60 s cold and 15 s warm, were set for)."""
    import matcalc

    ids = [record.id for record in matcalc.catalog()]
    seed = [i for i in ids if not i.startswith("cookbook.")]
    families = sorted({i.split(".")[0] for i in seed})  # the command line takes family prefixes
    rows = ["| `matcalc verify ... --dtype both` | identities | cold, empty persistent cache (s) | warm cache (s) |",
            "|---|---:|---:|---:|"]
    for name, selection, count in (("--all", ["--all"], len(ids)), ("all but the Cookbook", families, len(seed))):
        cold, warm = _catalog_run(selection)
        rows.append(f"| {name} | {count} | {cold:.1f} | {warm:.1f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    print("# Verification throughput: matcalc.verify vs jax.test_util.check_grads (float64)\n")
    print(per_record(RECORDS[:2] if options.quick else RECORDS))
    if not options.quick:
        print("\n# The whole catalog\n")
        print(whole_catalog())


if __name__ == "__main__":
    main()
