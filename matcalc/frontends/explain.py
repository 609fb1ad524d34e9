"""Human-readable views of a record: its description and a worked example on sampled inputs."""

from __future__ import annotations

import jax
import numpy as np

from matcalc.references import oracles
from matcalc.checker.check import precision_scope
from matcalc.vocabulary.records import Identity, Kind
from matcalc.vocabulary.layout import from_jax, index_formula
from matcalc.vocabulary.sampling import record_dims, sample_args, sample_tangents
from matcalc.vocabulary.records import resolve_shape

EXAMPLE_DIMS = {"m": 2, "n": 3, "p": 2, "q": 3, "k": 2, "r": 3, "s": 2}  # small, still non-square


def describe(record: Identity) -> str:
    """Formula, kind, layout with its index formula, shapes, conditions and sources."""
    dims = record_dims(record)
    lines = [
        f"{record.id}: {record.title}",
        f"  formula:  {record.latex}",
        f"  kind:     {record.kind.value}, with respect to {record.wrt}",
        f"  layout:   {record.layout.value}: {index_formula(record)}",
        "  shapes:   " + ", ".join(f"{n} [{a.shape}]" for n, a in record.args.items()) + f" -> f [{record.out}]",
        "  default sizes: " + ", ".join(f"{d}={dims[d]}" for d in sorted(_used_dims(record))),
        "  domains:  " + ", ".join(f"{n}: {a.domain.name} ({a.domain.description})" for n, a in record.args.items()),
        f"  sources:  {'; '.join(map(str, record.sources))}",
    ]
    if record.notes:
        lines.append(f"  notes:    {record.notes}")
    return "\n".join(lines)


def _used_dims(record: Identity) -> set[str]:
    specs = [a.shape for a in record.args.values()] + [record.out]
    return {d for spec in specs for d in spec.split() if not d.isdigit()}


def worked_example(record: Identity, *, seed: int = 0, dtype: str = "float64") -> str:
    """The closed form and jacrev's answer (in the record's layout) on small sampled inputs."""
    with precision_scope(dtype == "float64"):
        args = sample_args(record, seed=seed, dtype=dtype, dims=EXAMPLE_DIMS)
        tangents = sample_tangents(record, args, seed=seed)
        closed = np.asarray(record.closed_form(*args, *tangents))
        names = list(record.args)
        problem = oracles.Problem(record.f, args, record.kind, tuple(names.index(n) for n in record.varying),
                                  tuple(a.domain for a in record.args.values()), jax.random.PRNGKey(seed), tangents)
        truth = oracles.truth(problem)
        if record.kind in (Kind.JACOBIAN, Kind.HESSIAN):
            x_shape = resolve_shape(record.in_shape, record_dims(record, EXAMPLE_DIMS))
            out_shape = x_shape if record.kind is Kind.HESSIAN else tuple(np.shape(record.f(*args)))
            truth = from_jax(truth, record.layout, out_shape, x_shape)
        truth = np.asarray(truth)
    lines = [f"worked example ({dtype}, seed {seed}):"]
    with np.printoptions(precision=4, suppress=True, linewidth=100):
        for name, value in zip(names, args):
            lines.append(f"  {name} =\n{_indent(np.asarray(value))}")
        for i, t in enumerate(tangents):
            label = f"d{names[i]}" if record.kind is Kind.DIFFERENTIAL else "v"
            lines.append(f"  {label} =\n{_indent(np.asarray(t))}")
        lines.append(f"  closed form {closed.shape} =\n{_indent(closed)}")
        ref = "jax.jvp" if record.kind in (Kind.DIFFERENTIAL, Kind.DIRECTIONAL) else "jax.jacrev"
        lines.append(f"  {ref} {truth.shape} =\n{_indent(truth)}")
    err = np.linalg.norm(closed - truth) / max(np.linalg.norm(truth), 1e-300) if closed.shape == truth.shape else np.inf
    lines.append(f"  relative error: {err:.2e}")
    return "\n".join(lines)


def _indent(a: np.ndarray) -> str:
    return "\n".join("    " + line for line in str(a).splitlines())
