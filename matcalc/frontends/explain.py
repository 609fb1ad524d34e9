"""Human-readable views of a record: its description and a worked example on sampled inputs."""

from __future__ import annotations

import numpy as np

from matcalc.checker.problems import closed_form_value, record_problem
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.layout import from_jax
from matcalc.vocabulary.records import Identity
from matcalc.vocabulary.sampling import record_dims

EXAMPLE_DIMS = {"m": 2, "n": 3, "p": 2, "q": 3, "k": 2, "r": 3, "s": 2}  # small, still non-square


def describe(record: Identity) -> str:
    """Formula, kind, layout with its index formula, shapes, conditions and sources."""
    dims = record_dims(record)
    lines = [
        f"{record.id}: {record.title}",
        f"  formula:  {record.latex}",
        f"  kind:     {record.kind.value}, with respect to {record.wrt}",
        f"  layout:   {record.layout.value}: {record.index_formula}",
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
    """The closed form and jacrev's answer (in the record's layout) on small sampled inputs; a closed
    form that is a structured operator is shown densified in the record's layout."""
    context = RunContext(dtype, seed)
    with context.scope():
        problem = record_problem(record, context, EXAMPLE_DIMS)
        args, tangents = problem.args, problem.tangents
        closed = np.asarray(closed_form_value(record, problem, dense=True))
        out_shape, in_shape = record.kind.layout_shapes(problem)
        truth = np.asarray(from_jax(record.kind.truth(problem), record.layout, out_shape, in_shape))
        names = list(record.args)
    lines = [f"worked example ({dtype}, seed {seed}):"]
    with np.printoptions(precision=4, suppress=True, linewidth=100):
        for name, value in zip(names, args):
            lines.append(f"  {name} =\n{_indent(np.asarray(value))}")
        for i, t in enumerate(tangents):
            label = f"d{names[i]}" if record.kind.varies_many else "v"
            lines.append(f"  {label} =\n{_indent(np.asarray(t))}")
        lines.append(f"  closed form {closed.shape} =\n{_indent(closed)}")
        lines.append(f"  {record.kind.truth_reference} {truth.shape} =\n{_indent(truth)}")
    err = np.linalg.norm(closed - truth) / max(np.linalg.norm(truth), 1e-300) if closed.shape == truth.shape else np.inf
    lines.append(f"  relative error: {err:.2e}")
    return "\n".join(lines)


def _indent(a: np.ndarray) -> str:
    return "\n".join("    " + line for line in str(a).splitlines())
