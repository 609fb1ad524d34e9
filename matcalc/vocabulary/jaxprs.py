"""Walking a jaxpr: the bodies higher-order primitives (jit, custom_jvp/vjp calls, cond, scan, ...)
keep in their parameters, as a (closed) jaxpr or a sequence of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jax.extend.core import ClosedJaxpr, Jaxpr


def sub_jaxprs(param: Any) -> Iterator[Jaxpr]:
    """The jaxprs inside one equation parameter."""
    if isinstance(param, ClosedJaxpr):
        yield param.jaxpr
    elif isinstance(param, Jaxpr):
        yield param
    elif isinstance(param, (tuple, list)):
        for item in param:
            yield from sub_jaxprs(item)


def equations(jaxpr: Jaxpr) -> Iterator:
    """Every equation of a jaxpr and of the jaxprs nested in it, depth first."""
    for eqn in jaxpr.eqns:
        yield eqn
        for value in eqn.params.values():
            for inner in sub_jaxprs(value):
                yield from equations(inner)
