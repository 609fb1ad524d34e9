"""Verify catalog records against their references and collect a report."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence

import jax

from matcalc.references import oracles
from matcalc.vocabulary.catalog import get
from matcalc.checker.check import compare, run_scoped
from matcalc.vocabulary.records import Identity
from matcalc.checker.result import CheckResult
from matcalc.vocabulary.sampling import sample_args, sample_tangents
from matcalc.checker.tolerance import dtype_name

MATMUL_PRECISION = "highest"  # full float32 products on GPUs (no TF32), stated in every report


def resolve_device(device: str | None) -> jax.Device | None:
    """The first device of a platform ("cpu" or "gpu"), with a clear error when there is none."""
    if device is None:
        return None
    try:
        return jax.devices(device)[0]
    except RuntimeError as err:
        raise RuntimeError(f"no {device!r} device available to JAX ({err}); try --device cpu") from None


def verify(
    record_or_id: Identity | str,
    *,
    dtype: str = "float64",
    seed: int = 0,
    device: str | None = None,
    references: Sequence[str] | None = None,
    dims: dict[str, int] | None = None,
) -> CheckResult:
    """Check one identity's closed form on seeded inputs against its references."""
    record = get(record_or_id) if isinstance(record_or_id, str) else record_or_id
    dtype = dtype_name(dtype)
    dev = resolve_device(device)
    start = time.perf_counter()

    def work() -> CheckResult:
        args = sample_args(record, seed=seed, dtype=dtype, dims=dims)
        tangents = sample_tangents(record, args, seed=seed)
        candidate = record.closed_form(*args, *tangents)
        names = list(record.args)
        problem = oracles.Problem(
            f=record.f,
            args=args,
            kind=record.kind,
            argnums=tuple(names.index(n) for n in record.varying),
            domains=tuple(a.domain for a in record.args.values()),
            key=jax.random.fold_in(jax.random.PRNGKey(seed), 20_011),
            tangents=tangents,
        )
        return compare(
            problem,
            candidate,
            layout=record.layout,
            references=references,
            label=record.id,
            seed=seed,
            arg_names=names,
            real_analytic=record.real_analytic,
            sources=tuple(map(str, record.sources)),
            device=str((dev or jax.devices()[0]).platform),
            matmul_precision=MATMUL_PRECISION,
        )

    result = run_scoped(dtype == "float64", work, dev, MATMUL_PRECISION)
    return dataclasses.replace(result, seconds=time.perf_counter() - start)


@dataclasses.dataclass(frozen=True)
class Report:
    """Results of verifying a selection of the catalog."""

    results: tuple[CheckResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r)

    def to_json(self) -> dict:
        return {
            "results": [r.to_json() for r in self.results],
            "summary": {
                "total": len(self.results),
                "passed": len(self.results) - len(self.failed),
                "failed": len(self.failed),
                "seconds": round(self.seconds, 3),
                "matmul_precision": MATMUL_PRECISION,
            },
        }


def verify_all(
    records: Iterable[Identity],
    *,
    dtypes: Sequence[str] = ("float64",),
    seed: int = 0,
    device: str | None = None,
    progress: Callable[[CheckResult], None] | None = None,
) -> Report:
    """Verify each record in each dtype; ``progress`` is called after each result."""
    start = time.perf_counter()
    results = []
    for record in records:
        for dtype in dtypes:
            result = verify(record, dtype=dtype, seed=seed, device=device)
            results.append(result)
            if progress:
                progress(result)
    return Report(tuple(results), time.perf_counter() - start)
