"""Matrix Cookbook 2012-11-15, Section 2 preamble (32)-(45): the basic assumption, the layout
conventions, and the differential rules.

Most rules are the seed's matrix differentials (identities/differentials.py), which already cite
the equation: the coverage map names those records. Recorded here: the definition (32) as the
Jacobian of X by X, the three layout definitions after (32), and the Hadamard (38) and Kronecker
(39) product rules.
"""

import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Identity, Kind, Layout


def _kron4(X, Y):
    """X kron Y with its row index split into (i, k) and its column index into (j, l):
    K[i, k, j, l] = X_ij Y_kl, the Kronecker product with shapes the catalog can name (m p n q)."""
    (m, n), (p, q) = X.shape, Y.shape
    return jnp.kron(X, Y).reshape(m, p, n, q)


RECORDS = (
    Identity(
        id="cookbook.differentials.entries_independent",
        title="The basic assumption: dX_kl / dX_ij = delta_ik delta_lj",
        latex=r"\frac{\partial X_{kl}}{\partial X_{ij}} = \delta_{ik}\,\delta_{lj}",
        f=lambda X: X,
        closed_form=lambda X: jnp.einsum("ki,lj->klij", jnp.eye(X.shape[0], dtype=X.dtype),
                                         jnp.eye(X.shape[1], dtype=X.dtype)),
        wrt="X",
        args={"X": "m n"},
        out="m n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(32),),
        notes=(
            "The definition that the entries of X are independent (no symmetry or other structure), "
            "checked as the Jacobian of the identity map, J[k, l, i, j] = dX_kl / dX_ij."
        ),
    ),
    Identity(
        id="cookbook.differentials.layout_vector_by_scalar",
        title="Layout of a vector by a scalar: [dx/dy]_i = dx_i / dy",
        latex=r"\left[\frac{\partial \mathbf{x}}{\partial y}\right]_i = \frac{\partial x_i}{\partial y},"
        r"\quad \mathbf{x}(y) = y\,a + y^2 b:\ \frac{\partial \mathbf{x}}{\partial y} = a + 2y\,b",
        f=lambda y, a, b: y * a + y**2 * b,
        closed_form=lambda y, a, b: a + 2 * y * b,
        wrt="y",
        args={"y": "", "a": "m", "b": "m"},
        out="m",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook("after 32"),),
        notes="The definition checked on x(y) = y a + y^2 b: the derivative is a vector shaped like x.",
    ),
    Identity(
        id="cookbook.differentials.layout_scalar_by_vector",
        title="Layout of a scalar by a vector: [dx/dy]_i = dx / dy_i",
        latex=r"\left[\frac{\partial x}{\partial \mathbf{y}}\right]_i = \frac{\partial x}{\partial y_i},"
        r"\quad x(\mathbf{y}) = e^{a^\top \mathbf{y}}:\ \frac{\partial x}{\partial \mathbf{y}} = e^{a^\top \mathbf{y}}\,a",
        f=lambda y, a: jnp.exp(a @ y),
        closed_form=lambda y, a: jnp.exp(a @ y) * a,
        wrt="y",
        args={"y": "n", "a": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook("after 32"),),
        notes="The definition checked on x(y) = exp(a^T y): the derivative is a vector shaped like y.",
    ),
    Identity(
        id="cookbook.differentials.layout_vector_by_vector",
        title="Layout of a vector by a vector: [dx/dy]_ij = dx_i / dy_j (numerator layout)",
        latex=r"\left[\frac{\partial \mathbf{x}}{\partial \mathbf{y}}\right]_{ij} = \frac{\partial x_i}{\partial y_j},"
        r"\quad \mathbf{x}(\mathbf{y}) = A\mathbf{y}:\ \frac{\partial \mathbf{x}}{\partial \mathbf{y}} = A",
        f=lambda y, A: A @ y,
        closed_form=lambda y, A: A,
        wrt="y",
        args={"y": "n", "A": "m n"},
        out="m",
        kind=Kind.JACOBIAN,
        layout=Layout.NUMERATOR,
        real_analytic=True,
        sources=(cookbook("after 32"),),
        notes=(
            "The definition checked on x = A y with A m x n (m != n): in the Cookbook's layout the "
            "derivative is A itself (m x n, numerator layout), not A^T."
        ),
    ),
    Identity(
        id="cookbook.differentials.hadamard",
        title="Product rule for the Hadamard product: d(X o Y) = (dX) o Y + X o dY",
        latex=r"\partial(X \circ Y) = (\partial X) \circ Y + X \circ (\partial Y)",
        f=lambda X, Y: X * Y,
        closed_form=lambda X, Y, dX, dY: dX * Y + X * dY,
        wrt="X Y",
        args={"X": "m n", "Y": "m n"},
        out="m n",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(cookbook(38),),
    ),
    Identity(
        id="cookbook.differentials.kronecker",
        title="Product rule for the Kronecker product: d(X kron Y) = (dX) kron Y + X kron dY",
        latex=r"\partial(X \otimes Y) = (\partial X) \otimes Y + X \otimes (\partial Y)",
        f=_kron4,
        closed_form=lambda X, Y, dX, dY: _kron4(dX, Y) + _kron4(X, dY),
        wrt="X Y",
        args={"X": "m n", "Y": "p q"},
        out="m p n q",
        kind=Kind.DIFFERENTIAL,
        real_analytic=True,
        sources=(cookbook(39),),
        notes=(
            "X kron Y is mp x nq; it is returned as the array K[i, k, j, l] = X_ij Y_kl of shape "
            "m p n q (a reshape of jnp.kron, no reordering) so that its shape has symbolic dimensions."
        ),
    ),
)

COVERAGE = (
    Display("32", "definition", ("cookbook.differentials.entries_independent",),
            "Entries of X are independent; checked as the Jacobian of X by X."),
    Display("after 32", "definition", (
        "cookbook.differentials.layout_vector_by_scalar",
        "cookbook.differentials.layout_scalar_by_vector",
        "cookbook.differentials.layout_vector_by_vector",
    ), "The three layout definitions, each checked on a concrete function; vector by vector is numerator layout."),
    Display("33", "verified", ("differential.constant", "differential.constant_factors"),
            "dA = 0 for constant A (seed records)."),
    Display("34", "verified", ("differential.scalar_multiple",), "Seed record; alpha constant, X varies."),
    Display("35", "verified", ("differential.sum",), "Seed record."),
    Display("36", "verified", ("differential.trace",), "Seed record; general square X."),
    Display("37", "verified", ("differential.product", "differential.constant_factors"),
            "Seed records; conformable non-square X, Y."),
    Display("38", "verified", ("cookbook.differentials.hadamard",), "Both factors vary; m x n, non-square."),
    Display("39", "verified", ("cookbook.differentials.kronecker",),
            "Both factors vary; X m x n and Y p x q of different shapes."),
    Display("40", "verified", ("differential.inverse",), "Seed record; X invertible."),
    Display("41", "verified", ("differential.det_adjugate",), "Seed record; adj(X) from cofactors, any square X."),
    Display("42", "verified", ("differential.det",), "Seed record; X invertible."),
    Display("43", "verified", ("directional.log_abs_det",),
            "Seed record, as the directional derivative tr(X^{-1} V); read as ln|det X|, det of either sign."),
    Display("44", "verified", ("differential.transpose",), "Seed record; non-square X."),
    Display("45", "out_of_scope", (),
            "complex: the catalog samples real points only; d(X^H) = (dX)^H holds through the check API's complex "
            "differentials (tests/test_complex.py). Its real specialization is (44), differential.transpose."),
)
