"""Partial derivatives of the seed's f(x, y) = x^2 y^2: first, second, and the Hessian.

A partial differentiates one argument and holds the others constant, so each is a ``derivative``
record with ``wrt`` naming the argument. The second partials differentiate the first partials'
closed forms again; the mixed ones agree (Schwarz), and the 2 x 2 Hessian collects all four.
"""

import jax.numpy as jnp

from identities._sources import HESSIAN, PARTIALS
from matcalc import Identity, Kind


def x2y2(x, y):
    """The seed's example f(x, y) = x^2 y^2."""
    return x**2 * y**2


def x2y2_vector(z):
    """The same f as a function of the 2-vector z = (x, y)."""
    return x2y2(z[0], z[1])


def df_dx(x, y):
    return 2 * x * y**2


def df_dy(x, y):
    return 2 * x**2 * y


def d2f_dx2(x, y):
    return 2 * y**2


def d2f_mixed(x, y):
    """Both mixed partials, d/dx (df/dy) and d/dy (df/dx)."""
    return 4 * x * y


def d2f_dy2(x, y):
    return 2 * x**2


_XY = {"x": "", "y": ""}
_MIXED = "The mixed partials agree (Schwarz: f is twice continuously differentiable): both are 4xy."


def _partial(name, title, latex, f, closed_form, wrt, notes=""):
    return Identity(
        real_analytic=True,
        id=f"partials.x2y2.{name}",
        title=title,
        latex=latex,
        f=f,
        closed_form=closed_form,
        wrt=wrt,
        args=_XY,
        kind=Kind.DERIVATIVE,
        sources=(PARTIALS,),
        notes=notes,
    )


def _hessian(z):
    x, y = z[0], z[1]
    mixed = d2f_mixed(x, y)
    return jnp.stack([jnp.stack([d2f_dx2(x, y), mixed]), jnp.stack([mixed, d2f_dy2(x, y)])])


RECORDS = (
    _partial(
        "d_dx",
        "Partial of x^2 y^2 by x",
        r"\frac{\partial}{\partial x} x^2 y^2 = 2 x y^2",
        x2y2,
        df_dx,
        "x",
        notes="y is held constant.",
    ),
    _partial(
        "d_dy",
        "Partial of x^2 y^2 by y",
        r"\frac{\partial}{\partial y} x^2 y^2 = 2 x^2 y",
        x2y2,
        df_dy,
        "y",
        notes="x is held constant.",
    ),
    _partial(
        "d2_dx2",
        "Second partial of x^2 y^2 by x, x",
        r"\frac{\partial}{\partial x}\left(\frac{\partial f}{\partial x}\right)"
        r" = \frac{\partial^2 f}{\partial x^2} = \frac{\partial}{\partial x} 2 x y^2 = 2 y^2",
        df_dx,
        d2f_dx2,
        "x",
        notes="f here is the first partial 2xy^2 (record partials.x2y2.d_dx), differentiated again.",
    ),
    _partial(
        "d2_dx_dy",
        "Mixed partial of x^2 y^2: d/dx (df/dy)",
        r"\frac{\partial}{\partial x}\left(\frac{\partial f}{\partial y}\right)"
        r" = \frac{\partial^2 f}{\partial x \partial y} = \frac{\partial}{\partial x} 2 x^2 y = 4 x y",
        df_dy,
        d2f_mixed,
        "x",
        notes="f here is the first partial 2x^2y (record partials.x2y2.d_dy). " + _MIXED,
    ),
    _partial(
        "d2_dy_dx",
        "Mixed partial of x^2 y^2: d/dy (df/dx)",
        r"\frac{\partial}{\partial y}\left(\frac{\partial f}{\partial x}\right)"
        r" = \frac{\partial^2 f}{\partial y \partial x} = \frac{\partial}{\partial y} 2 x y^2 = 4 x y",
        df_dx,
        d2f_mixed,
        "y",
        notes="f here is the first partial 2xy^2 (record partials.x2y2.d_dx). " + _MIXED,
    ),
    _partial(
        "d2_dy2",
        "Second partial of x^2 y^2 by y, y",
        r"\frac{\partial}{\partial y}\left(\frac{\partial f}{\partial y}\right)"
        r" = \frac{\partial^2 f}{\partial y^2} = \frac{\partial}{\partial y} 2 x^2 y = 2 x^2",
        df_dy,
        d2f_dy2,
        "y",
        notes="f here is the first partial 2x^2y (record partials.x2y2.d_dy), differentiated again.",
    ),
    Identity(
        id="partials.x2y2.hessian",
        title="Hessian of x^2 y^2",
        latex=r"\nabla^2 (x^2 y^2) = \begin{pmatrix} 2y^2 & 4xy \\ 4xy & 2x^2 \end{pmatrix}",
        f=x2y2_vector,
        closed_form=_hessian,
        wrt="z",
        args={"z": "2"},
        kind=Kind.HESSIAN,
        sources=(PARTIALS, HESSIAN),
        notes="z = (x, y); H[i, j] = d^2 f / dz_i dz_j. Symmetric because the mixed partials agree: "
        "the four second partials of the partials.x2y2.d2_* records, collected.",
    ),
)
