"""Verify catalog records against their references and collect a report.

A record with an ``Erratum`` is two claims, both checked every run: its closed form (the corrected
one) passes every reference, and the printed form fails, with a diagnosis containing the phrase
the erratum states. If the printed form ever passes, the record fails: the erratum would be wrong.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from matcalc.checker.compare import OUT_OF_MEMORY, compare
from matcalc.checker.cost import too_large
from matcalc.checker.errors import InputError
from matcalc.checker.problems import record_problem
from matcalc.checker.result import CheckResult
from matcalc.vocabulary.catalog import get
from matcalc.vocabulary.context import MATMUL_PRECISION, RunContext
from matcalc.vocabulary.layout import expected_shape
from matcalc.vocabulary.records import Identity


def verify(
    record_or_id: Identity | str,
    *,
    dtype: str = "float64",
    seed: int = 0,
    device: str | None = None,
    references: Sequence[str] | None = None,
    dims: Mapping[str, int] | None = None,
    check_printed: bool = True,
    max_dense: float | None = None,
) -> CheckResult:
    """Check one identity's closed form on seeded inputs against its references.

    ``dims`` sets sizes of symbolic dimensions (``{"n": 1024}``; fixed sizes such as ``"4 m"``'s 4
    stay). ``max_dense`` is the size budget of the full references, in elements (see ``compare``:
    default ``DEFAULT_MAX_DENSE``, 0 for probes only, ``math.inf`` for all); those over it are
    listed in ``result.skipped``. A record whose f or closed form alone would hold an array over
    ``cost.MAX_ARRAY_ELEMENTS`` at these sizes, or that runs out of memory, is not run: the result
    is not ok and says why (``not_run``), and a report counts it apart from the failures.

    For an erratum, also check that the printed form fails as stated (unless ``check_printed`` is
    False: at degenerate sizes, such as every dimension 1, a printed transpose can coincide with the
    truth, and the erratum's claim is about the sizes it states).
    """
    record = get(record_or_id) if isinstance(record_or_id, str) else record_or_id
    context = RunContext(dtype, seed, device)
    start = time.perf_counter()

    def check(closed_form: Callable) -> CheckResult:
        problem = record_problem(record, context, dims)
        # The closed form takes the tangents after the arguments (a differential's, a directional's).
        why = too_large({"f": problem.f}, problem.args) or too_large({"the closed form": closed_form},
                                                                      problem.args + problem.tangents)
        if why is not None:
            return _not_run(record, problem, context, why)
        try:
            return compare(
                problem,
                closed_form,
                context,
                layout=record.layout,
                references=references,
                label=record.id,
                arg_names=list(record.args),
                real_analytic=record.real_analytic,
                sources=tuple(map(str, record.sources)),
                max_dense=max_dense,
            )
        except MemoryError as err:  # out of memory: the sizes, not the identity
            return _not_run(record, problem, context, str(err) or type(err).__name__)
        except InputError as err:
            if not str(err).startswith(OUT_OF_MEMORY):  # a record the engine refuses is a defect: it fails
                return dataclasses.replace(_not_run(record, problem, context, str(err)), not_run=None,
                                           diagnosis=f"refused: {err}")
            return _not_run(record, problem, context, str(err))

    result = context.run(lambda: check(record.closed_form))
    result = dataclasses.replace(result, status=record.status)
    if record.erratum is not None and check_printed and result.errors:  # (no errors: not run at these sizes)
        result = _with_printed(result, context.run(lambda: check(record.erratum.printed)), record)
    return dataclasses.replace(result, seconds=time.perf_counter() - start)


def _not_run(record: Identity, problem, context: RunContext, why: str) -> CheckResult:
    """A failed result with no reference run: the record cannot be checked at these sizes."""
    names = record.kind.reference_names(record.real_analytic)
    try:  # shapes only (abstract evaluation): what the closed form would have been compared as
        want = tuple(expected_shape(record.layout, *record.kind.layout_shapes(problem)))
    except MemoryError:
        want = ()
    return CheckResult(
        ok=False, not_run=why, errors={}, tolerances={}, diagnosis=f"not run: {why}", label=record.id,
        kind=record.kind.value,
        layout=record.layout.value, expected_shape=want, shape=(), dtype=context.dtype, seed=context.seed,
        domain=", ".join(f"{n}: {a.domain.name}" for n, a in record.args.items()),
        args={n: tuple(a.shape) for n, a in zip(record.args, problem.args)}, sources=tuple(map(str, record.sources)),
        device=context.platform, matmul_precision=context.matmul_precision,
        skipped={name: "not run (see the diagnosis)" for name in names})


def _with_printed(corrected: CheckResult, printed: CheckResult, record: Identity) -> CheckResult:
    """The erratum's claim: the corrected form passes, the printed form fails as stated."""
    expected = record.erratum.diagnosis
    fails_as_stated = not printed.ok and expected in (printed.diagnosis or "")
    diagnosis = corrected.diagnosis
    if printed.ok:
        diagnosis = "the printed form passes: the erratum claimed for it is wrong"
    elif not fails_as_stated:
        diagnosis = f"the printed form fails, but its diagnosis ({printed.diagnosis}) lacks {expected!r}"
    return dataclasses.replace(corrected, ok=corrected.ok and fails_as_stated, diagnosis=diagnosis,
                               printed=printed, status="erratum")


@dataclasses.dataclass(frozen=True)
class Report:
    """Results of verifying a selection of the catalog."""

    results: tuple[CheckResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """Nothing failed, and something ran: records not run at these sizes are counted apart."""
        return not self.failed and len(self.not_run) < len(self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if not r and r.not_run is None)

    @property
    def not_run(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.not_run is not None)

    @property
    def passed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r)

    def to_json(self) -> dict:
        return {
            "results": [r.to_json() for r in self.results],
            "summary": {
                "total": len(self.results),
                "passed": len(self.passed),
                "failed": len(self.failed),
                "not_run": len(self.not_run),
                "seconds": round(self.seconds, 3),
                "matmul_precision": MATMUL_PRECISION,
            },
        }


# Starting a worker (a Python process importing JAX) costs seconds: fewer checks run here.
PARALLEL_MIN_TASKS = 16


def verify_all(
    records: Iterable[Identity],
    *,
    dtypes: Sequence[str] = ("float64",),
    seed: int = 0,
    device: str | None = None,
    progress: Callable[[CheckResult], None] | None = None,
    dims: Mapping[str, int] | None = None,
    max_dense: float | None = None,
    jobs: int = 1,
    worker_setup: Callable[[], object] | None = None,
) -> Report:
    """Verify each record in each dtype (``dims`` and ``max_dense`` as for ``verify``); ``progress``
    is called after each result, in order.

    ``jobs > 1`` verifies in that many worker processes (from ``PARALLEL_MIN_TASKS`` checks on;
    catalog records only, named by id: a
    record made elsewhere holds functions that cannot be sent to another process, so then it runs
    here). Compiling dominates verification and is mostly single-threaded, so on two cores two
    workers take about half the time. ``worker_setup`` (a picklable function, such as the CLI's
    compilation-cache setup) runs first in each worker.
    """
    start = time.perf_counter()
    records = list(records)
    tasks = [(record, dtype) for dtype in dtypes for record in records]  # dtype outer: one x64 switch
    options = dict(seed=seed, device=device, dims=dims, max_dense=max_dense)
    in_catalog = all(_catalog_record(record) for record in records)
    if jobs > 1 and in_catalog and len(tasks) >= PARALLEL_MIN_TASKS:
        results = _verify_in_workers(tasks, options, jobs, worker_setup, progress)
    else:
        results = []
        for record, dtype in tasks:
            results.append(verify(record, dtype=dtype, **options))
            if progress:
                progress(results[-1])
    return Report(tuple(results), time.perf_counter() - start)


def _catalog_record(record: Identity) -> bool:
    try:
        return get(record.id) is record
    except KeyError:
        return False


def _verify_task(task: tuple[str, str], options: dict) -> CheckResult:
    record_id, dtype = task
    return verify(record_id, dtype=dtype, **options)


def _verify_in_workers(tasks, options: dict, jobs: int, worker_setup, progress) -> list[CheckResult]:
    """``verify`` of each (record, dtype) in ``jobs`` spawned processes, results in task order.

    Spawned, not forked: a forked JAX runtime (its threads, its device client) is not safe to use.
    Each worker takes one task at a time, so none idles while another has a queue. A record's
    other dtype goes to the worker that checked it first, where its float64 references are
    already compiled (``references.finite``: they serve both dtypes); a worker with none of its own
    left takes any. What one worker compiled, another finds in the persistent cache when there is one.
    """
    import concurrent.futures
    import contextlib
    import functools
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    run = functools.partial(_verify_task, options=options)
    queue = list(range(len(tasks)))  # indices of tasks not yet sent, in order
    home: dict[str, int] = {}  # record id -> the worker that checked it first
    results: list[CheckResult | None] = [None] * len(tasks)
    reported = 0
    with contextlib.ExitStack() as stack:
        workers = [stack.enter_context(concurrent.futures.ProcessPoolExecutor(
            1, mp_context=context, initializer=worker_setup)) for _ in range(jobs)]
        running: dict = {}  # future -> (task index, worker)

        def send(worker: int) -> None:
            if not queue:
                return
            own = [i for i in queue if home.get(tasks[i][0].id, worker) == worker]
            index = (own or queue)[0]
            queue.remove(index)
            record, dtype = tasks[index]
            home.setdefault(record.id, worker)
            running[workers[worker].submit(run, (record.id, dtype))] = (index, worker)

        for worker in range(jobs):
            send(worker)
        while running:
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                index, worker = running.pop(future)
                results[index] = future.result()
                send(worker)
            while reported < len(results) and results[reported] is not None:
                if progress:
                    progress(results[reported])
                reported += 1
    return results
