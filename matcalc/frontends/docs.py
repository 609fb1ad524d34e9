"""Generate ``docs/catalog.md`` and ``docs/cookbook.md`` from the records and a recorded verification run.

The pages are pure functions of the records and the recorded run (``docs/verification.json``), so a
test can regenerate them and compare: the catalog cannot drift from the code. The run keeps, per
record, a content hash of its definition, the environment it was verified in and its errors rounded
to one significant digit. ``make docs`` re-verifies only records whose hash changed (or all, with
``--force``), so adding one record rewrites only that record's lines.
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import jax

from matcalc.checker.result import CheckResult
from matcalc.checker.verify import verify
from matcalc.vocabulary.context import DTYPES, MATMUL_PRECISION
from matcalc.vocabulary.records import Identity
from matcalc.vocabulary.sampling import record_dims

SEED = 0


def _code(fn: Callable) -> str:
    """A function's source (the lines that define it), else its bytecode and constants."""
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((code.co_code, code.co_consts, code.co_names)) if code else repr(fn)


def record_hash(record: Identity) -> str:
    """A content hash of everything that defines the record: change any of it and it is re-verified."""
    definition = dict(record.to_json(), dims=dict(record.dims), real_analytic=record.real_analytic,
                      convention=record.convention, f=_code(record.f), closed_form=_code(record.closed_form))
    if record.erratum is not None:
        e = record.erratum
        definition["erratum"] = [e.kind, e.printed_latex, e.diagnosis, e.explanation, e.condition, e.holds_in,
                                 _code(e.printed)]
    return hashlib.sha256(json.dumps(definition, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _rounded(errors: dict[str, float]) -> dict[str, float | str]:
    """One significant digit: stable across machines and runs, still telling 1e-16 from 1e-9."""
    return {k: float(f"{v:.0e}") if v == v and v != float("inf") else str(v) for k, v in errors.items()}


def verify_record(record: Identity, progress: Callable[[CheckResult], None] | None = None) -> dict:
    """The recorded entry of one record: its hash, environment, and per-dtype outcome and errors."""
    device = jax.devices()[0]
    entry: dict = {"hash": record_hash(record), "environment": f"JAX {jax.__version__}, {device.platform}"}
    for dtype in DTYPES:
        result = verify(record, dtype=dtype, seed=SEED)
        if progress:
            progress(result)
        entry[dtype] = {"ok": result.ok, "errors": _rounded(result.errors)}
        if result.printed is not None:
            entry[dtype]["printed"] = {"errors": _rounded(result.printed.errors), "diagnosis": result.printed.diagnosis}
    return entry


def record_run(records: Iterable[Identity], previous: dict | None = None, *, force: bool = False,
               progress: Callable[[CheckResult], None] | None = None) -> dict:
    """The run for ``records``: entries whose hash is unchanged are kept, the others verified now."""
    kept = (previous or {}).get("results", {})
    results = {}
    for record in records:
        old = kept.get(record.id)
        fresh = old is not None and not force and old.get("hash") == record_hash(record)
        results[record.id] = old if fresh else verify_record(record, progress)
    return {"meta": {"seed": SEED, "matmul_precision": MATMUL_PRECISION}, "results": results}


def section_of(record: Identity) -> str:
    """The seed section a record belongs to (its first seed source), else its Cookbook subsection."""
    seeds = [s for s in record.sources if s.work == "seed"]
    if seeds:
        return seeds[0].where
    return f"Matrix Cookbook, Section 2: {record.id.split('.')[1]}"


def _anchor(text: str) -> str:
    return "".join(c for c in text.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def _shapes(record: Identity) -> str:
    dims = record_dims(record)
    cells = []
    for name, arg in record.args.items():
        sizes = "×".join(str(dims.get(d, d)) for d in arg.shape.split()) or "scalar"
        cells.append(f"`{name}`: `[{arg.shape}]` ({sizes})")
    return ", ".join(cells) + f" → `[{record.out}]`"


def _domains(record: Identity) -> str:
    return ", ".join(f"`{n}` {a.domain.name}" for n, a in record.args.items())


def _errors(record: Identity, run: dict) -> str:
    recorded = run.get("results", {}).get(record.id)
    if not recorded:
        return "_not in the recorded verification run: run `make docs`_"
    return format_errors(record, recorded)


def format_errors(record: Identity, recorded: dict) -> str:
    """"passed; relative error float64 / float32: jacrev 1e-16 / 2e-8, ..." from a recorded entry."""
    cells = []
    for ref in record.kind.reference_names(record.real_analytic):
        figures = []
        for dtype in DTYPES:
            err = recorded.get(dtype, {}).get("errors", {}).get(ref)
            figures.append("–" if err is None else f"{float(err):.1e}")
        cells.append(f"{ref} {' / '.join(figures)}")
    status = "passed" if all(recorded.get(d, {}).get("ok") for d in DTYPES) else "**FAILED**"
    return f"{status}; relative error float64 / float32: " + ", ".join(cells)


def _entry(record: Identity, run: dict) -> list[str]:
    lines = [
        f"### `{record.id}`: {record.title}",
        "",
        "$$",
        record.latex,
        "$$",
        "",
        f"- **kind** {record.kind.value}, with respect to `{record.wrt}`; **layout** `{record.layout.value}`: "
        f"`{record.index_formula}`",
        f"- **shapes** {_shapes(record)}",
        f"- **domain** {_domains(record)}",
        f"- **sources** {'; '.join(map(str, record.sources))}",
        f"- **verified** {_errors(record, run)}",
    ]
    if record.notes:
        lines.append(f"- **notes** {record.notes}")
    return lines + [""]


def render_catalog(records: Sequence[Identity], run: dict) -> str:
    """The whole catalog page, grouped by the seed's sections in catalog order."""
    sections: dict[str, list[Identity]] = {}
    for record in records:
        sections.setdefault(section_of(record), []).append(record)
    meta = run.get("meta", {})
    environments = sorted({e.get("environment", "?") for e in run.get("results", {}).values()})
    lines = [
        "# The matcalc catalog",
        "",
        "<!-- Generated by `make docs` from the records in identities/ and docs/verification.json. Do not edit. -->",
        "",
        f"{len(records)} identities, each verified in float64 and float32 against the references of its kind "
        "(see the README). Errors are relative Frobenius-norm errors of the closed form against each reference, "
        f"rounded to one significant digit, as recorded in docs/verification.json ({'; '.join(environments)}; "
        f"seed {meta.get('seed', '?')}, matmul precision {meta.get('matmul_precision', '?')}). "
        "Default sizes are shown in parentheses.",
        "",
        "## Contents",
        "",
    ]
    lines += [f"- [{title}](#{_anchor(title)}) ({len(recs)})" for title, recs in sections.items()]
    lines.append("")
    for title, recs in sections.items():
        lines += [f"## {title}", ""]
        for record in recs:
            lines += _entry(record, run)
    return "\n".join(lines).rstrip() + "\n"


def load_run(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_docs(records: Sequence[Identity], docs_dir: Path, *, verify_now: bool, force: bool = False,
               progress: Callable[[CheckResult], None] | None = None) -> dict:
    """Write ``catalog.md`` and ``cookbook.md``; with ``verify_now``, first bring ``verification.json``
    up to date (re-verifying changed records only, or all with ``force``)."""
    from matcalc.frontends.cookbook import render_cookbook
    from matcalc.vocabulary.catalog import coverage

    docs_dir.mkdir(parents=True, exist_ok=True)
    run_path = docs_dir / "verification.json"
    run = load_run(run_path)
    if verify_now:
        run = record_run(records, run, force=force, progress=progress)
        run_path.write_text(json.dumps(run, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    (docs_dir / "catalog.md").write_text(render_catalog(records, run), encoding="utf-8")
    (docs_dir / "cookbook.md").write_text(render_cookbook(coverage(), records, run), encoding="utf-8")
    return run
