"""A catalog record at a point: its ``Problem`` and its closed form's value, built in one place
for every entry point (verify, show, fd-study)."""

from __future__ import annotations

from collections.abc import Mapping

import jax

from matcalc.references.problem import Problem, is_operator
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.records import Identity
from matcalc.vocabulary.sampling import draw_args, draw_tangents

Array = jax.Array


def record_problem(record: Identity, context: RunContext, dims: Mapping[str, int] | None = None) -> Problem:
    """The record's f at seeded inputs from its domains (call inside ``context.scope()``)."""
    args = draw_args(record, context, dims)
    names = list(record.args)
    return Problem(
        f=record.f,
        args=args,
        kind=record.kind,
        argnums=tuple(names.index(n) for n in record.varying),
        domains=tuple(a.domain for a in record.args.values()),
        key=context.key_for("references"),
        tangents=draw_tangents(record, context, args),
    )


def closed_form_value(record: Identity, problem: Problem, closed_form=None, *, dense: bool = False) -> Array:
    """The closed form (the record's, or another with its signature) at the problem's point.

    With ``dense``, a structured operator is materialized in the record's layout (an array as
    the layout describes it: the diagonal itself for ``diagonal``, the Kronecker matrix for ``vec``).
    """
    value = (closed_form or record.closed_form)(*problem.args, *problem.tangents)
    return value.as_dense(record.layout) if dense and is_operator(value) else value
