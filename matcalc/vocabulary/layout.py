"""Conversions between derivative layouts, all to and from JAX's canonical ``out.shape + in.shape``.

- ``jax``: ``J[o..., i...] = d out[o...] / d in[i...]`` (what ``jax.jacrev`` returns).
- ``numerator``: vector-by-vector, an ``(out.size, in.size)`` matrix ``J[i, j] = dy_i/dx_j``.
- ``denominator``: its transpose, ``(in.size, out.size)``, ``J[j, i] = dy_i/dx_j``.
- ``vec``: ``d vec F / d (vec X)^T`` with **column-major** vec (Magnus-Neudecker), an
  ``(out.size, in.size)`` matrix; the layout of vec(AXB) = (B^T kron A) vec X.
- ``diagonal``: an elementwise map (out.shape == in.shape), stored as its diagonal ``d[i] = dy_i/dx_i``.
"""

from __future__ import annotations

import enum
import math

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array
Shape = tuple[int, ...]


class Layout(str, enum.Enum):
    """How a derivative's axes are arranged."""

    JAX = "jax"  # out.shape + in.shape, what jax.jacrev returns
    NUMERATOR = "numerator"  # vector-by-vector: J[i, j] = dy_i / dx_j
    DENOMINATOR = "denominator"  # vector-by-vector: J[j, i] = dy_i / dx_j
    VEC = "vec"  # d vec F / d (vec X)^T, column-major vec (Magnus-Neudecker)
    DIAGONAL = "diagonal"  # elementwise map: d[i] = dy_i / dx_i


def resolve_layout(layout: Layout | str) -> Layout:
    try:
        return Layout(layout)
    except ValueError:
        raise ValueError(f"unknown layout {layout!r}; known: {[l.value for l in Layout]}") from None


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
    layout = resolve_layout(layout)
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


def _colmajor_flat(j, out_ndim: int, in_ndim: int):
    """Reverse the out axes and the in axes, so a row-major reshape flattens each column-major."""
    perm = tuple(reversed(range(out_ndim))) + tuple(reversed(range(out_ndim, out_ndim + in_ndim)))
    return np.transpose(j, perm) if isinstance(j, np.ndarray) else jnp.transpose(j, perm)


def flatten(j, n_out_axes: int, column_major: bool):
    """A derivative's out axes and in axes each flattened into one: an (out.size, in.size) matrix.

    Row-major by default (numerator layout); column-major gives the ``vec`` layout. NumPy arrays
    stay NumPy (the diagnosis works on host copies), JAX arrays stay JAX.
    """
    rows = math.prod(j.shape[:n_out_axes])
    if column_major:
        j = _colmajor_flat(j, n_out_axes, j.ndim - n_out_axes)
    return j.reshape(rows, -1)


def to_jax(j: Array, layout: Layout | str, out_shape: Shape, in_shape: Shape) -> Array:
    """Convert a derivative in ``layout`` to the canonical ``out_shape + in_shape``."""
    layout = resolve_layout(layout)
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
    layout = resolve_layout(layout)
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
        return flatten(j, len(out_shape), column_major=True)
    return jnp.diagonal(j.reshape(n_out, n_out)).reshape(out_shape)


def off_diagonal(j: Array, shape: Shape) -> Array:
    """The part of an elementwise map's ``jax`` Jacobian off its diagonal (zero when elementwise)."""
    n = math.prod(shape)
    flat = j.reshape(n, n)
    return flat - jnp.diag(jnp.diagonal(flat))


def vec(x: Array) -> Array:
    """Column-major vec: stack the columns of x."""
    return jnp.ravel(x, order="F")
