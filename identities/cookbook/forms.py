"""Matrix Cookbook 2012-11-15, 2.4: derivatives of matrices, vectors and scalar forms, (69)-(98).

Conventions (the Cookbook's): a scalar-by-matrix derivative has the shape of X,
(df/dX)_ij = df/dX_ij; a matrix differentiated by an entry, dF/dX_ij, and the entrywise
statements dF_kl/dX_ij are checked as the Jacobian of F by X in the 'jax' layout,
J[k, l, i, j] = dF_kl/dX_ij. J^{ij} is the single-entry matrix, (J^{ij})_kl = delta_ik delta_jl,
shaped like X (J^{ji} like X^T). The matrix powers of (90)-(92) are checked at the fixed power
n = 3 (``POWER``), where X^0 = I, X and X^2 all appear in the sums.
"""

import jax.numpy as jnp

from identities._sources import cookbook
from matcalc import Display, Erratum, Identity, Kind

POWER = 3  # the n of X^n in (90)-(92)


def _single_entries(shape, dtype):
    """E[i, j] = J^{ij}, the single-entry matrices of ``shape`` stacked: E[i, j, k, l] = delta_ik delta_jl."""
    m, n = shape
    return jnp.eye(m * n, dtype=dtype).reshape(m, n, m, n)


def _by_entry_to_jax(t):
    """Stacked dF/dX_ij, indexed [i, j, k, l], into the 'jax' layout [k, l, i, j] (out + in)."""
    return jnp.transpose(t, (2, 3, 0, 1))


def _powers(X, n=POWER):
    """[X^0, X^1, ..., X^n]."""
    powers = [jnp.eye(X.shape[0], dtype=X.dtype)]
    for _ in range(n):
        powers.append(powers[-1] @ X)
    return powers


def _entry_J_mn_A(X, A):
    """(74) as (J^{mn} A)_ij: each single-entry matrix of X's shape times A."""
    return _by_entry_to_jax(_single_entries(X.shape, X.dtype) @ A)


def _entry_J_nm_A(X, A):
    """(75) as (J^{nm} A)_ij: J^{nm} is shaped like X^T, the transpose of X's J^{mn}."""
    return _by_entry_to_jax(jnp.swapaxes(_single_entries(X.shape, X.dtype), -1, -2) @ A)


def _XtBX_by_entry(X, B):
    """(80): X^T B J^{ij} + J^{ji} B X for every (i, j)."""
    E = _single_entries(X.shape, X.dtype)
    return _by_entry_to_jax(X.T @ B @ E + jnp.swapaxes(E, -1, -2) @ (B @ X))


def _XtBX_entrywise(X, B):
    """(79): delta_lj (X^T B)_ki + delta_kj (BX)_il at [k, l, i, j]."""
    eye = jnp.eye(X.shape[1], dtype=X.dtype)
    return jnp.einsum("lj,ki->klij", eye, X.T @ B) + jnp.einsum("kj,il->klij", eye, B @ X)


def _power_by_entry(X):
    """(90): sum_r X^r J^{ij} X^{n-1-r} for every (i, j)."""
    P, E = _powers(X), _single_entries(X.shape, X.dtype)
    return _by_entry_to_jax(sum(P[r] @ E @ P[POWER - 1 - r] for r in range(POWER)))


def _grad_aXnb(a, X, b):
    """(91): sum_r (X^r)^T a b^T (X^{n-1-r})^T, each term the outer product (X^r^T a)(X^{n-1-r} b)^T."""
    P = _powers(X)
    return sum(jnp.outer(P[r].T @ a, P[POWER - 1 - r] @ b) for r in range(POWER))


def _grad_aXntXnb(a, X, b):
    """(92) corrected: sum_r (X^r)^T X^n (b a^T + a b^T) (X^{n-1-r})^T."""
    P = _powers(X)
    Xna, Xnb = P[POWER] @ a, P[POWER] @ b
    return sum(
        jnp.outer(P[r].T @ Xnb, P[POWER - 1 - r] @ a) + jnp.outer(P[r].T @ Xna, P[POWER - 1 - r] @ b)
        for r in range(POWER)
    )


def _grad_aXntXnb_printed(a, X, b):
    """(92) as printed: sum_r X^{n-1-r} a b^T (X^n)^T X^r + (X^r)^T X^n a b^T (X^{n-1-r})^T."""
    P = _powers(X)
    Xna, Xnb = P[POWER] @ a, P[POWER] @ b
    return sum(
        jnp.outer(P[POWER - 1 - r] @ a, P[r].T @ Xnb) + jnp.outer(P[r].T @ Xna, P[POWER - 1 - r] @ b)
        for r in range(POWER)
    )


def _s(S, x):
    return jnp.sin(S @ x)


def _r(R, x):
    return (R @ x) ** 2


def _grad_product_rule(S, A, R, x):
    """(93) with s(x) = sin(Sx), r(x) = (Rx)∘(Rx): [ds/dx]^T A r + [dr/dx]^T A^T s, numerator-layout Jacobians."""
    ds = jnp.cos(S @ x)[:, None] * S  # m x n: ds_i/dx_j
    dr = 2 * (R @ x)[:, None] * R  # p x n: dr_i/dx_j
    return ds.T @ (A @ _r(R, x)) + dr.T @ (A.T @ _s(S, x))


def _grad_ratio(A, B, x):
    """(95) corrected: 2 A^T A x / (x^T B^T B x) - 2 (x^T A^T A x) B^T B x / (x^T B^T B x)^2."""
    Ax, Bx = A @ x, B @ x
    num, den = Ax @ Ax, Bx @ Bx
    return 2 * A.T @ Ax / den - 2 * num * (B.T @ Bx) / den**2


def _grad_ratio_printed(A, B, x):
    """(95) as printed, with x^T B B x (no transpose) in the first denominator."""
    Ax, Bx = A @ x, B @ x
    num, den = Ax @ Ax, Bx @ Bx
    return 2 * A.T @ Ax / (x @ B @ B @ x) - 2 * num * (B.T @ Bx) / den**2


_W_SYMMETRIC = "W is symmetric, as the text assumes for (84)-(88); for a general W, W is replaced by (W + W^T)/2."

RECORDS = (
    # 2.4.1 First order
    Identity(
        id="cookbook.forms.aTx",
        title="Gradient of a^T x by x",
        latex=r"\frac{\partial a^\top x}{\partial x} = a",
        f=lambda a, x: a @ x,
        closed_form=lambda a, x: a,
        wrt="x",
        args={"a": "n", "x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(69),),
        notes="The a^T x form of (69), x the second factor; the x^T a form is dot_product.y_by_w.",
    ),
    Identity(
        id="cookbook.forms.aXa",
        title="Gradient of a^T X a",
        latex=r"\frac{\partial a^\top X a}{\partial X} = a a^\top",
        f=lambda a, X: a @ X @ a,
        closed_form=lambda a, X: jnp.outer(a, a),
        wrt="X",
        args={"a": "n", "X": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(72),),
        notes="X is square (a on both sides) and general, not symmetric.",
    ),
    Identity(
        id="cookbook.forms.aXta",
        title="Gradient of a^T X^T a",
        latex=r"\frac{\partial a^\top X^\top a}{\partial X} = a a^\top",
        f=lambda a, X: a @ X.T @ a,
        closed_form=lambda a, X: jnp.outer(a, a),
        wrt="X",
        args={"a": "n", "X": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(72),),
        notes="a^T X^T a = a^T X a (a scalar equals its transpose), so both forms of (72) share a a^T.",
    ),
    Identity(
        id="cookbook.forms.X_by_entry",
        title="dX/dX_ij = J^{ij}",
        latex=r"\frac{\partial X}{\partial X_{ij}} = J^{ij}",
        f=lambda X: X,
        closed_form=lambda X: _by_entry_to_jax(_single_entries(X.shape, X.dtype)),
        wrt="X",
        args={"X": "m n"},
        out="m n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(73),),
        notes="J[k, l, i, j] = (J^{ij})_kl = delta_ik delta_lj, the Jacobian of the identity map, built from the "
        "stacked single-entry matrices that (74), (80) and (90) use too; (32) is the same Jacobian entrywise.",
    ),
    Identity(
        id="cookbook.forms.XA_entrywise",
        title="d(XA)_ij/dX_mn = delta_im A_nj",
        latex=r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = \delta_{im} (A)_{nj}",
        f=lambda X, A: X @ A,
        closed_form=lambda X, A: jnp.einsum("im,nj->ijmn", jnp.eye(X.shape[0], dtype=X.dtype), A),
        wrt="X",
        args={"X": "m n", "A": "n q"},
        out="m q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(74),),
        notes="J[i, j, m, n] = d(XA)_ij/dX_mn ('jax' layout); X is m x n, A is n x q.",
    ),
    Identity(
        id="cookbook.forms.XA_by_entry",
        title="d(XA)_ij/dX_mn = (J^{mn} A)_ij",
        latex=r"\frac{\partial (XA)_{ij}}{\partial X_{mn}} = (J^{mn} A)_{ij}",
        f=lambda X, A: X @ A,
        closed_form=_entry_J_mn_A,
        wrt="X",
        args={"X": "m n", "A": "n q"},
        out="m q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(74),),
        notes="The single-entry form of (74): J^{mn} is shaped like X.",
    ),
    Identity(
        id="cookbook.forms.XtA_entrywise",
        title="d(X^T A)_ij/dX_mn = delta_in A_mj",
        latex=r"\frac{\partial (X^\top A)_{ij}}{\partial X_{mn}} = \delta_{in} (A)_{mj}",
        f=lambda X, A: X.T @ A,
        closed_form=lambda X, A: jnp.einsum("in,mj->ijmn", jnp.eye(X.shape[1], dtype=X.dtype), A),
        wrt="X",
        args={"X": "m n", "A": "m q"},
        out="n q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(75),),
        notes="J[i, j, m, n] = d(X^T A)_ij/dX_mn ('jax' layout); X is m x n, A is m x q.",
    ),
    Identity(
        id="cookbook.forms.XtA_by_entry",
        title="d(X^T A)_ij/dX_mn = (J^{nm} A)_ij",
        latex=r"\frac{\partial (X^\top A)_{ij}}{\partial X_{mn}} = (J^{nm} A)_{ij}",
        f=lambda X, A: X.T @ A,
        closed_form=_entry_J_nm_A,
        wrt="X",
        args={"X": "m n", "A": "m q"},
        out="n q",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(75),),
        notes="The single-entry form of (75): J^{nm} is shaped like X^T (n x m), the transpose of X's J^{mn}.",
    ),
    # 2.4.2 Second order
    Identity(
        id="cookbook.forms.sum_squared",
        title="d/dX_ij of sum_{klmn} X_kl X_mn is 2 sum_kl X_kl",
        latex=r"\frac{\partial}{\partial X_{ij}} \sum_{klmn} X_{kl} X_{mn} = 2 \sum_{kl} X_{kl}",
        f=lambda X: jnp.einsum("kl,mn->", X, X),
        closed_form=lambda X: jnp.full_like(X, 2 * jnp.sum(X)),
        wrt="X",
        args={"X": "m n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(76),),
        notes="The sum is (sum X)^2; every entry of the gradient is the same, 2 sum X.",
    ),
    Identity(
        id="cookbook.forms.bilinear_affine",
        title="Gradient of (Bx + b)^T C (Dx + d)",
        latex=r"\frac{\partial}{\partial x} (Bx + b)^\top C (Dx + d) = B^\top C (Dx + d) + D^\top C^\top (Bx + b)",
        f=lambda B, b, C, D, d, x: (B @ x + b) @ C @ (D @ x + d),
        closed_form=lambda B, b, C, D, d, x: B.T @ (C @ (D @ x + d)) + D.T @ (C.T @ (B @ x + b)),
        wrt="x",
        args={"B": "m n", "b": "m", "C": "m p", "D": "p n", "d": "p", "x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(78),),
        notes="C is a general m x p matrix (non-square), so C and C^T cannot be confused.",
    ),
    Identity(
        id="cookbook.forms.XtBX_entrywise",
        title="d(X^T B X)_kl/dX_ij = delta_lj (X^T B)_ki + delta_kj (BX)_il",
        latex=r"\frac{\partial (X^\top B X)_{kl}}{\partial X_{ij}} = \delta_{lj} (X^\top B)_{ki} + \delta_{kj} (BX)_{il}",
        f=lambda X, B: X.T @ B @ X,
        closed_form=_XtBX_entrywise,
        wrt="X",
        args={"X": "m n", "B": "m m"},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(79),),
        notes="J[k, l, i, j] ('jax' layout); X is m x n (non-square), B a general m x m matrix.",
    ),
    Identity(
        id="cookbook.forms.XtBX_by_entry",
        title="d(X^T B X)/dX_ij = X^T B J^{ij} + J^{ji} B X",
        latex=r"\frac{\partial X^\top B X}{\partial X_{ij}} = X^\top B J^{ij} + J^{ji} B X",
        f=lambda X, B: X.T @ B @ X,
        closed_form=_XtBX_by_entry,
        wrt="X",
        args={"X": "m n", "B": "m m"},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(80),),
        notes="J^{ij} is shaped like X (m x n), J^{ji} like X^T (n x m); B is a general m x m matrix.",
    ),
    Identity(
        id="cookbook.forms.btXtDXc",
        title="Gradient of b^T X^T D X c",
        latex=r"\frac{\partial}{\partial X} b^\top X^\top D X c = D^\top X b c^\top + D X c b^\top",
        f=lambda b, X, D, c: b @ X.T @ D @ X @ c,
        closed_form=lambda b, X, D, c: jnp.outer(D.T @ (X @ b), c) + jnp.outer(D @ (X @ c), b),
        wrt="X",
        args={"b": "n", "X": "m n", "D": "m m", "c": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(82),),
        notes="D is a general (non-symmetric) m x m matrix; computed as outer products, no n x n b c^T.",
    ),
    Identity(
        id="cookbook.forms.Xb_plus_c_quadratic",
        title="Gradient of (Xb + c)^T D (Xb + c)",
        latex=r"\frac{\partial}{\partial X} (Xb + c)^\top D (Xb + c) = (D + D^\top)(Xb + c) b^\top",
        f=lambda X, b, c, D: (X @ b + c) @ D @ (X @ b + c),
        closed_form=lambda X, b, c, D: jnp.outer((D + D.T) @ (X @ b + c), b),
        wrt="X",
        args={"X": "m n", "b": "n", "c": "m", "D": "m m"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(83),),
        notes="D is a general (non-symmetric) m x m matrix: only its symmetric part acts.",
    ),
    Identity(
        id="cookbook.forms.weighted_residual_by_s",
        title="Gradient of (x - As)^T W (x - As) by s, W symmetric",
        latex=r"\frac{\partial}{\partial s} (x - As)^\top W (x - As) = -2 A^\top W (x - As)",
        f=lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        closed_form=lambda x, A, s, W: -2 * A.T @ (W @ (x - A @ s)),
        wrt="s",
        args={"x": "m", "A": "m n", "s": "n", "W": ("m m", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(84),),
        notes=_W_SYMMETRIC,
    ),
    Identity(
        id="cookbook.forms.weighted_distance_by_x",
        title="Gradient of (x - s)^T W (x - s) by x, W symmetric",
        latex=r"\frac{\partial}{\partial x} (x - s)^\top W (x - s) = 2 W (x - s)",
        f=lambda x, s, W: (x - s) @ W @ (x - s),
        closed_form=lambda x, s, W: 2 * W @ (x - s),
        wrt="x",
        args={"x": "n", "s": "n", "W": ("n n", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(85),),
        notes=_W_SYMMETRIC,
    ),
    Identity(
        id="cookbook.forms.weighted_distance_by_s",
        title="Gradient of (x - s)^T W (x - s) by s, W symmetric",
        latex=r"\frac{\partial}{\partial s} (x - s)^\top W (x - s) = -2 W (x - s)",
        f=lambda x, s, W: (x - s) @ W @ (x - s),
        closed_form=lambda x, s, W: -2 * W @ (x - s),
        wrt="s",
        args={"x": "n", "s": "n", "W": ("n n", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(86),),
        notes=_W_SYMMETRIC,
    ),
    Identity(
        id="cookbook.forms.weighted_residual_by_x",
        title="Gradient of (x - As)^T W (x - As) by x, W symmetric",
        latex=r"\frac{\partial}{\partial x} (x - As)^\top W (x - As) = 2 W (x - As)",
        f=lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        closed_form=lambda x, A, s, W: 2 * W @ (x - A @ s),
        wrt="x",
        args={"x": "m", "A": "m n", "s": "n", "W": ("m m", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(87),),
        notes=_W_SYMMETRIC,
    ),
    Identity(
        id="cookbook.forms.weighted_residual_by_A",
        title="Gradient of (x - As)^T W (x - As) by A, W symmetric",
        latex=r"\frac{\partial}{\partial A} (x - As)^\top W (x - As) = -2 W (x - As) s^\top",
        f=lambda x, A, s, W: (x - A @ s) @ W @ (x - A @ s),
        closed_form=lambda x, A, s, W: -2 * jnp.outer(W @ (x - A @ s), s),
        wrt="A",
        args={"x": "m", "A": "m n", "s": "n", "W": ("m m", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(88),),
        notes=_W_SYMMETRIC + " A is m x n (non-square).",
    ),
    Identity(
        id="cookbook.forms.lms_real",
        title="Gradient of (a - x^T b)^2 by x (real LMS)",
        latex=r"\frac{\partial}{\partial x} (a - x^\top b)^2 = -2 b (a - x^\top b)",
        f=lambda a, b, x: (a - x @ b) ** 2,
        closed_form=lambda a, b, x: -2 * b * (a - x @ b),
        wrt="x",
        args={"a": "", "b": "n", "x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(89),),
        notes="The real specialization of (89): x^H = x^T and the conjugate drops; (84) with A = b^T, W = 1.",
    ),
    # 2.4.3 Higher-order and non-linear
    Identity(
        id="cookbook.forms.power_by_entry",
        title="d(X^n)_kl/dX_ij = sum_r (X^r J^{ij} X^{n-1-r})_kl, at n = 3",
        latex=r"\frac{\partial (X^n)_{kl}}{\partial X_{ij}} = \sum_{r=0}^{n-1} \left(X^r J^{ij} X^{n-1-r}\right)_{kl}",
        f=lambda X: jnp.linalg.matrix_power(X, POWER),
        closed_form=_power_by_entry,
        wrt="X",
        args={"X": "n n"},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(90),),
        notes="Checked at the power n = 3 (r = 0, 1, 2: X^0 = I, X, X^2 all appear); J[k, l, i, j], 'jax' layout.",
    ),
    Identity(
        id="cookbook.forms.aXnb",
        title="Gradient of a^T X^n b, at n = 3",
        latex=r"\frac{\partial}{\partial X} a^\top X^n b = \sum_{r=0}^{n-1} (X^r)^\top a b^\top (X^{n-1-r})^\top",
        f=lambda a, X, b: a @ jnp.linalg.matrix_power(X, POWER) @ b,
        closed_form=_grad_aXnb,
        wrt="X",
        args={"a": "n", "X": "n n", "b": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(91),),
        notes="Checked at the power n = 3 on a general (non-symmetric) X.",
    ),
    Identity(
        id="cookbook.forms.aXntXnb",
        title="Gradient of a^T (X^n)^T X^n b, at n = 3",
        latex=(
            r"\frac{\partial}{\partial X} a^\top (X^n)^\top X^n b = \sum_{r=0}^{n-1} "
            r"\left[(X^r)^\top X^n b a^\top (X^{n-1-r})^\top + (X^r)^\top X^n a b^\top (X^{n-1-r})^\top\right]"
        ),
        f=lambda a, X, b: (jnp.linalg.matrix_power(X, POWER) @ a) @ (jnp.linalg.matrix_power(X, POWER) @ b),
        closed_form=_grad_aXntXnb,
        wrt="X",
        args={"a": "n", "X": "n n", "b": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(92),),
        notes="Checked at the power n = 3 on a general X. The second term is as printed; the first is corrected.",
        erratum=Erratum(
            kind="wrong formula",
            counterexample="X 2 x 2 (at 1 x 1 the transposed term equals the right one)",
            printed=_grad_aXntXnb_printed,
            printed_latex=(
                r"\sum_{r=0}^{n-1} \left[X^{n-1-r} a b^\top (X^n)^\top X^r "
                r"+ (X^r)^\top X^n a b^\top (X^{n-1-r})^\top\right]"
            ),
            diagnosis="unrelated",
            explanation=(
                "The first term, from differentiating the left factor (X^n a)^T, is printed transposed: "
                "d[(X^n a)^T] X^n b = sum_r tr(dX^T (X^r)^T X^n b a^T (X^{n-1-r})^T) gives "
                "(X^r)^T X^n b a^T (X^{n-1-r})^T, whose transpose X^{n-1-r} a b^T (X^n)^T X^r is what is "
                "printed. Already at n = 1 the printed form gives a b^T X^T + X a b^T instead of "
                "X (a b^T + b a^T) (cf. (77)); only the second term is right, so the whole is no simple "
                "rearrangement of the truth."
            ),
        ),
    ),
    Identity(
        id="cookbook.forms.product_rule_sAr",
        title="Gradient of s(x)^T A r(x) by the product rule",
        latex=(
            r"\frac{\partial}{\partial x} s^\top A r = \left[\frac{\partial s}{\partial x}\right]^\top A r"
            r" + \left[\frac{\partial r}{\partial x}\right]^\top A^\top s"
        ),
        f=lambda S, A, R, x: _s(S, x) @ A @ _r(R, x),
        closed_form=_grad_product_rule,
        wrt="x",
        args={"S": "m n", "A": "m p", "R": "p n", "x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(93),),
        notes=(
            "Checked with s(x) = sin(Sx) in R^m and r(x) = (Rx)∘(Rx) in R^p, nonlinear, and a non-square "
            "A; ds/dx = diag(cos Sx) S and dr/dx = 2 diag(Rx) R are numerator-layout Jacobians."
        ),
    ),
    Identity(
        id="cookbook.forms.ratio_of_norms",
        title="Gradient of (Ax)^T(Ax) / (Bx)^T(Bx)",
        latex=(
            r"\frac{\partial}{\partial x} \frac{(Ax)^\top (Ax)}{(Bx)^\top (Bx)} = "
            r"\frac{2 A^\top A x}{x^\top B^\top B x} - \frac{2\, x^\top A^\top A x\, B^\top B x}{(x^\top B^\top B x)^2}"
        ),
        f=lambda A, B, x: (A @ x) @ (A @ x) / ((B @ x) @ (B @ x)),
        closed_form=_grad_ratio,
        wrt="x",
        args={"A": "m n", "B": "q n", "x": ("n", "nonzero")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(94), cookbook(95)),
        notes=(
            "The left side of (94), with (95) as corrected (cookbook.forms.ratio_of_quadratics); B is q x n, "
            "q > n, so Bx != 0 for x != 0. The ratio is homogeneous of degree 0: at n = 1 it is constant "
            "and the gradient is 0."
        ),
    ),
    Identity(
        id="cookbook.forms.ratio_of_quadratics",
        title="Gradient of x^T A^T A x / x^T B^T B x",
        latex=(
            r"\frac{\partial}{\partial x} \frac{x^\top A^\top A x}{x^\top B^\top B x} = "
            r"\frac{2 A^\top A x}{x^\top B^\top B x} - \frac{2\, x^\top A^\top A x\, B^\top B x}{(x^\top B^\top B x)^2}"
        ),
        f=lambda A, B, x: (x @ A.T @ A @ x) / (x @ B.T @ B @ x),
        closed_form=_grad_ratio,
        wrt="x",
        args={"A": "m n", "B": ("n n", "invertible"), "x": ("n", "nonzero")},
        dims={"n": 8},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(94), cookbook(95)),
        notes=(
            "The right side of (94). B is square (the printed B B needs it) and general, sampled "
            "invertible (condition <= 3) so that x^T B^T B x stays away from 0. n = 8: the printed form's "
            "relative error is |x^T B^T B x / x^T B B x - 1| |A^T A x| / |A^T A x - f B^T B x|, which falls "
            "below float32's diagnosis resolution (~3%) for ~3% of draws at n = 4 and ~0.5% at n = 8; "
            "there the printed form still fails but reads as 'scaled by c' with c near 1."
        ),
        erratum=Erratum(
            kind="typo",
            counterexample="B 2 x 2, not symmetric, any m (at n = 1, B^T B = B B)",
            printed=_grad_ratio_printed,
            printed_latex=(
                r"\frac{2 A^\top A x}{x^\top B B x} - \frac{2\, x^\top A^\top A x\, B^\top B x}{(x^\top B^\top B x)^2}"
            ),
            diagnosis="unrelated",
            explanation=(
                "The first denominator is printed x^T B B x; the quotient rule gives x^T B^T B x, the "
                "denominator of the ratio, as in the second term. The two agree only for symmetric B, and "
                "x^T B B x is not even defined for the non-square B that (94) allows."
            ),
        ),
    ),
    # 2.4.4 Gradient and Hessian
    Identity(
        id="cookbook.forms.quadratic_affine_gradient",
        title="Gradient of x^T A x + b^T x",
        latex=r"\nabla_x \left(x^\top A x + b^\top x\right) = (A + A^\top) x + b",
        f=lambda A, b, x: x @ A @ x + b @ x,
        closed_form=lambda A, b, x: (A + A.T) @ x + b,
        wrt="x",
        args={"A": "n n", "b": "n", "x": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(96), cookbook(97)),
        notes="f of (96); A is a general, non-symmetric square matrix. Its Hessian (98) is hessians.quadratic_form.",
    ),
)

COVERAGE = (
    Display("69", "verified", ("dot_product.y_by_w", "cookbook.forms.aTx"), "x^T a form (seed record) and a^T x form."),
    Display("70", "verified", ("scalar_by_matrix.bilinear_aXb",), "Seed record; X non-square."),
    Display("71", "verified", ("scalar_by_matrix.bilinear_aXtb",), "Seed record; X non-square."),
    Display("72", "verified", ("cookbook.forms.aXa", "cookbook.forms.aXta"), "Both forms, X square and non-symmetric."),
    Display("73", "verified", ("cookbook.forms.X_by_entry",), "The J^{ij} form of the Jacobian of X by X; (32) states it entrywise (cookbook.differentials.entries_independent)."),
    Display("74", "verified", ("cookbook.forms.XA_entrywise", "cookbook.forms.XA_by_entry"), "Both printed forms, X non-square."),
    Display("75", "verified", ("cookbook.forms.XtA_entrywise", "cookbook.forms.XtA_by_entry"), "Both printed forms, X non-square; J^{nm} shaped like X^T."),
    Display("76", "verified", ("cookbook.forms.sum_squared",), "The sum is (sum X)^2."),
    Display("77", "verified", ("scalar_by_matrix.quadratic_btXtXc",), "Seed record; X non-square."),
    Display("78", "verified", ("cookbook.forms.bilinear_affine",), "C non-square."),
    Display("79", "verified", ("cookbook.forms.XtBX_entrywise",), "Jacobian, 'jax' layout; X non-square, B non-symmetric."),
    Display("80", "verified", ("cookbook.forms.XtBX_by_entry",), "Jacobian, 'jax' layout; X non-square, B non-symmetric."),
    Display("81", "verified", ("gradients.quadratic_form",), "Seed record (the Cookbook's B is its A); non-symmetric."),
    Display("82", "verified", ("cookbook.forms.btXtDXc",), "X non-square, D non-symmetric."),
    Display("83", "verified", ("cookbook.forms.Xb_plus_c_quadratic",), "X non-square, D non-symmetric."),
    Display("84", "verified", ("cookbook.forms.weighted_residual_by_s",), "W symmetric, as the text assumes; A non-square."),
    Display("85", "verified", ("cookbook.forms.weighted_distance_by_x",), "W symmetric, as the text assumes."),
    Display("86", "verified", ("cookbook.forms.weighted_distance_by_s",), "W symmetric, as the text assumes."),
    Display("87", "verified", ("cookbook.forms.weighted_residual_by_x",), "W symmetric, as the text assumes; A non-square."),
    Display("88", "verified", ("cookbook.forms.weighted_residual_by_A",), "W symmetric, as the text assumes; A non-square."),
    Display(
        "89",
        "out_of_scope",
        ("cookbook.forms.lms_real",),
        "complex: the catalog samples real points only. As printed it is 2 d|e|^2/d conj(x), e = a - x^H b: it "
        "passes check_gradient(..., convention='conjugate') and fails in JAX's convention (tests/test_complex.py); "
        "the real specialization is a record (cookbook.forms.lms_real).",
    ),
    Display("90", "verified", ("cookbook.forms.power_by_entry",), "At the power n = 3; X non-symmetric."),
    Display("91", "verified", ("cookbook.forms.aXnb",), "At the power n = 3; X non-symmetric."),
    Display("92", "erratum", ("cookbook.forms.aXntXnb",), "The first term is printed transposed."),
    Display("93", "verified", ("cookbook.forms.product_rule_sAr",), "With s(x) = sin(Sx), r(x) = (Rx)∘(Rx)."),
    Display(
        "94",
        "verified",
        ("cookbook.forms.ratio_of_norms", "cookbook.forms.ratio_of_quadratics"),
        "A rewriting: both sides' functions checked against the same (corrected (95)) gradient.",
    ),
    Display("95", "erratum", ("cookbook.forms.ratio_of_quadratics",), "x^T B B x should read x^T B^T B x."),
    Display(
        "96",
        "definition",
        ("cookbook.forms.quadratic_affine_gradient", "hessians.quadratic_form"),
        "Defines f = x^T A x + b^T x for (97) and (98).",
    ),
    Display("97", "verified", ("cookbook.forms.quadratic_affine_gradient",), "A non-symmetric."),
    Display("98", "verified", ("hessians.quadratic_form",), "Seed record; A non-symmetric."),
)
