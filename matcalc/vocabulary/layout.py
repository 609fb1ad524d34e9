"""Conversions between derivative layouts, all to and from JAX's canonical ``out.shape + in.shape``.

- ``jax``: ``J[o..., i...] = d out[o...] / d in[i...]`` (what ``jax.jacrev`` returns).
- ``numerator``: vector-by-vector, an ``(out.size, in.size)`` matrix ``J[i, j] = dy_i/dx_j``.
- ``denominator``: its transpose, ``(in.size, out.size)``, ``J[j, i] = dy_i/dx_j``.
- ``vec``: ``d vec F / d (vec X)^T`` with **column-major** vec (Magnus-Neudecker), an
  ``(out.size, in.size)`` matrix; the layout of vec(AXB) = (B^T kron A) vec X.
- ``diagonal``: an elementwise map (out.shape == in.shape), stored as its diagonal ``d[i] = dy_i/dx_i``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import jax
import jax.numpy as jnp

from matcalc.vocabulary.records import Kind, Layout, parse_shape

if TYPE_CHECKING:
    from matcalc.vocabulary.records import Identity

Array = jax.Array
Shape = tuple[int, ...]


def _check_applicable(layout: Layout, out_shape: Shape, in_shape: Shape) -> None:
    if layout in (Layout.NUMERATOR, Layout.DENOMINATOR) and (len(out_shape) > 1 or len(in_shape) > 1):
        raise ValueError(
            f"layout {layout.value!r} is for scalars and vectors; got out {out_shape}, in {in_shape}: "
            "use 'jax' or 'vec' for matrices"
        )
    if layout is Layout.DIAGONAL and tuple(out_shape) != tuple(in_shape):
        raise ValueError(f"layout 'diagonal' needs out.shape == in.shape (an elementwise map); got {out_shape} vs {in_shape}")


def expected_shape(layout: Layout | str, out_shape: Shape, in_shape: Shape) -> Shape:
    """The shape a derivative of ``out_shape`` by ``in_shape`` has in ``layout``."""
    layout = Layout(layout)
    out_shape, in_shape = tuple(out_shape), tuple(in_shape)
    _check_applicable(layout, out_shape, in_shape)
    n_out, n_in = math.prod(out_shape), math.prod(in_shape)
    return {
        Layout.JAX: out_shape + in_shape,
        Layout.NUMERATOR: (n_out, n_in),
        Layout.DENOMINATOR: (n_in, n_out),
        Layout.VEC: (n_out, n_in),
        Layout.DIAGONAL: out_shape,
    }[layout]


def _colmajor_flat(j: Array, out_ndim: int, in_ndim: int) -> Array:
    """Reverse the out axes and the in axes, so a row-major reshape flattens each column-major."""
    perm = tuple(reversed(range(out_ndim))) + tuple(reversed(range(out_ndim, out_ndim + in_ndim)))
    return jnp.transpose(j, perm)


def to_jax(j: Array, layout: Layout | str, out_shape: Shape, in_shape: Shape) -> Array:
    """Convert a derivative in ``layout`` to the canonical ``out_shape + in_shape``."""
    layout = Layout(layout)
    out_shape, in_shape = tuple(out_shape), tuple(in_shape)
    want = expected_shape(layout, out_shape, in_shape)
    j = jnp.asarray(j)
    if j.shape != want:
        raise ValueError(
            f"a derivative in layout {layout.value!r} of out {out_shape} by in {in_shape} "
            f"has shape {want}, got {j.shape}"
        )
    if layout in (Layout.JAX, Layout.NUMERATOR):
        return j.reshape(out_shape + in_shape)
    if layout is Layout.DENOMINATOR:
        return j.T.reshape(out_shape + in_shape)
    if layout is Layout.VEC:
        reversed_shape = tuple(reversed(out_shape)) + tuple(reversed(in_shape))
        return _colmajor_flat(j.reshape(reversed_shape), len(out_shape), len(in_shape))
    n = math.prod(out_shape)
    return (jnp.eye(n, dtype=j.dtype) * j.reshape(n)).reshape(out_shape + in_shape)


def from_jax(j: Array, layout: Layout | str, out_shape: Shape, in_shape: Shape) -> Array:
    """Convert a canonical ``out_shape + in_shape`` derivative to ``layout``.

    For ``diagonal`` this keeps only the diagonal: check that the off-diagonal part vanishes
    separately (``off_diagonal``).
    """
    layout = Layout(layout)
    out_shape, in_shape = tuple(out_shape), tuple(in_shape)
    _check_applicable(layout, out_shape, in_shape)
    j = jnp.asarray(j)
    n_out, n_in = math.prod(out_shape), math.prod(in_shape)
    if j.shape != out_shape + in_shape:
        raise ValueError(f"expected a 'jax' layout derivative of shape {out_shape + in_shape}, got {j.shape}")
    if layout is Layout.JAX:
        return j
    if layout is Layout.NUMERATOR:
        return j.reshape(n_out, n_in)
    if layout is Layout.DENOMINATOR:
        return j.reshape(n_out, n_in).T
    if layout is Layout.VEC:
        return _colmajor_flat(j, len(out_shape), len(in_shape)).reshape(n_out, n_in)
    return jnp.diagonal(j.reshape(n_out, n_out)).reshape(out_shape)


def off_diagonal(j: Array, shape: Shape) -> Array:
    """The part of an elementwise map's ``jax`` Jacobian off its diagonal (zero when elementwise)."""
    n = math.prod(shape)
    flat = j.reshape(n, n)
    return flat - jnp.diag(jnp.diagonal(flat))


def vec(x: Array) -> Array:
    """Column-major vec: stack the columns of x."""
    return jnp.ravel(x, order="F")


_LETTERS = "ijklabcdpqrs"


def index_formula(record: Identity) -> str:
    """The record's layout as an index formula, e.g. ``J[i, j, k] = d y_i / d X_jk``."""
    in_rank = len(parse_shape(record.in_shape))
    out_rank = len(parse_shape(record.out))
    name = record.varying[0]
    if record.kind is Kind.DIFFERENTIAL:
        return "dF = sum over varying args of the derivative applied to their tangents; same shape as F"
    if record.kind is Kind.DIRECTIONAL:
        return f"nabla_v f = sum_i df/d{name}_i v_i (a scalar)"
    if record.kind is Kind.HESSIAN:
        a, b = _LETTERS[:in_rank], _LETTERS[in_rank : 2 * in_rank]
        if record.layout is Layout.JAX:
            return f"H[{', '.join(a + b)}] = d^2 f / d{name}_{a or '.'} d{name}_{b or '.'}"
        return f"H = d^2 f / d vec({name}) d vec({name})^T (column-major vec)"
    o = _LETTERS[:out_rank]
    i = _LETTERS[out_rank : out_rank + in_rank]
    top = f"F_{o}" if o else "f"
    bottom = f"{name}_{i}" if i else name
    layout = record.layout
    if layout is Layout.JAX:
        idx = ", ".join(o + i)
        return f"J[{idx}] = d{top} / d{bottom}" if idx else f"d{top} / d{bottom}"
    if layout is Layout.NUMERATOR:
        return f"J[{o or '0'}, {i or '0'}] = d{top} / d{bottom}"
    if layout is Layout.DENOMINATOR:
        return f"J[{i or '0'}, {o or '0'}] = d{top} / d{bottom}"
    if layout is Layout.VEC:
        return f"J = d vec(F) / d vec({name})^T, column-major vec: J[a, b] = dvec(F)_a / dvec({name})_b"
    return f"d[{', '.join(o)}] = dF_{o} / d{name}_{o} (the diagonal; off-diagonal entries are 0)"
