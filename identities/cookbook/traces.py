"""Matrix Cookbook 2012-11-15, Section 2.5 "Derivatives of Traces": displays (after 98) to (128).

Every display is a scalar-by-matrix gradient, (df/dX)_ij = df/dX_ij, shaped like X. Inputs are
general and non-square wherever the trace allows, so that a transposed term cannot hide. Matrix
functions are computed without truncating a series: exp by JAX's Pade scaling-and-squaring
``expm``, sin and cos from the exponential of a real 2n x 2n block matrix, the resolvent
(I - X)^{-1} by an LU solve, integer powers by repeated products (or inverses, for k < 0).
"""

import jax.numpy as jnp
from jax.scipy.linalg import expm

from identities._sources import cookbook
from matcalc import Display, Erratum, Identity, Kind
from matcalc.checker.cost import SizeError

_power = jnp.linalg.matrix_power


def _gradient(name, eq, title, latex, f, closed_form, args, notes="", **fields):
    """The gradient with respect to X of a trace, citing one display of 2.5. Every f here is a
    polynomial, rational or exponential expression in X, so it extends analytically to complex X."""
    return Identity(
        id=f"cookbook.traces.{name}", title=title, latex=latex, f=f, closed_form=closed_form, wrt="X",
        args=args, kind=Kind.GRADIENT, sources=(cookbook(eq),), notes=notes, real_analytic=True, **fields,
    )


def _right_solve(M, P):
    """M P^{-1}, by a solve with P^T."""
    return jnp.linalg.solve(P.T, M.T).T


def _sin_cos(X):
    """(sin X, cos X) as matrix functions, read off exp([[0, X], [-X, 0]]) = [[cos X, sin X], [-sin X, cos X]].

    The block matrix is K (x) X with K^2 = -I, so its exponential is I (x) cos X + K (x) sin X. It is
    real for real X and analytic in X (the complex-step reference applies), and expm does not
    truncate a series.
    """
    n = X.shape[0]
    zero = jnp.zeros_like(X)
    e = expm(jnp.block([[zero, X], [-X, zero]]))
    return e[:n, n:], e[:n, :n]


def _resolvent(X):
    """(I - X)^{-1} = sum_k X^k (the series converges for spectral radius < 1), by one LU solve."""
    eye = jnp.eye(X.shape[0], dtype=X.dtype)
    return jnp.linalg.solve(eye - X, eye)


def _grad_A_power(A, X, k):
    """(122) as printed: sum_{r=0}^{k-1} (X^r A X^{k-r-1})^T; k is a Python int (k terms)."""
    return sum(_power(X, r) @ A @ _power(X, k - r - 1) for r in range(k)).T


# (125)-(127): the Cookbook assumes B and C symmetric. In (125) and (126) X is tall (n x m, n > m)
# so that X^T C X is invertible and, in (126), the trace is not constant (square X: tr(C^{-1} B)).
def _tr_inv_quad(P, Q):
    """tr(P^{-1} Q), by a solve."""
    return jnp.trace(jnp.linalg.solve(P, Q))


def _tr_inv_XtCX_XtBX(X, C, B):
    """(126)'s f, for tall X only: square X makes the trace the constant tr(C^{-1} B), wide X makes
    X^T C X singular. X's row count is fixed (4), so at m >= 4 the record does not apply; it says
    so while being traced (``SizeError``: reported as not run at these sizes)."""
    rows, cols = X.shape
    if rows <= cols:
        why = (f"X^T C X is {cols} x {cols} of rank {rows}, singular" if rows < cols
               else "the trace is the constant tr(C^{-1} B), and both sides vanish")
        raise SizeError(f"(126) needs X tall, but X is {rows} x {cols} ({why}); the record fixes X's rows at {rows} "
                        f"so that X stays tall down to m = 1, which takes m < {rows}")
    return _tr_inv_quad(X.T @ C @ X, X.T @ B @ X)


def _printed_125(X, C, A):
    P = X.T @ C @ X
    return -_right_solve(_right_solve(C @ X, P) @ (A + A.T), P)


def _printed_126(X, C, B):
    P = X.T @ C @ X
    return -2 * _right_solve(_right_solve(C @ X, P) @ (X.T @ B @ X), P) + 2 * _right_solve(B @ X, P)


def _printed_127(A, X, C, B):
    P = A + X.T @ C @ X
    return -2 * _right_solve(_right_solve(C @ X, P) @ (X.T @ B @ X), P) + 2 * _right_solve(B @ X, P)


def _corrected_127(A, X, C, B):
    """General A: P = A + X^T C X is not symmetric, and each term gets its transposed twin.

    -C X (N + N^T) + B X (P^{-1} + P^{-T}), N = P^{-1} X^T B X P^{-1} (B and C symmetric).
    """
    P = A + X.T @ C @ X
    Q = X.T @ B @ X
    CX, BX = C @ X, B @ X
    N_terms = _right_solve(_right_solve(CX, P) @ Q, P) + _right_solve(_right_solve(CX, P.T) @ Q.T, P.T)
    return -N_terms + _right_solve(BX, P) + _right_solve(BX, P.T)


_SYM_BC = "The Cookbook assumes B and C symmetric for (125)-(127)."
# The trace needs X^T C X (+ A) invertible, which the text leaves implicit. C is drawn SPD and X of
# full column rank (condition number <= 3): X^T C X is then SPD with condition number <= 27. An
# indefinite symmetric C can make X^T C X singular (3% of Gaussian draws give cond > 1e3), and the
# check would then flake in float32.
_C_SPD = ("C is drawn SPD and X of full column rank (cond <= 3), so X^T C X is SPD and well conditioned: the "
          "text's implicit invertibility, made robust (the formula uses only C = C^T).")

RECORDS = (
    _gradient(
        "trace_function_exp", "after 98", "Gradient of tr(exp X): F = exp, f = F' = exp",
        r"\frac{\partial}{\partial X} \operatorname{tr} e^{X} = (e^{X})^\top",
        lambda X: jnp.trace(expm(X)), lambda X: expm(X).T, {"X": "n n"},
        notes="An instance of dTr(F(X))/dX = f(X)^T with the entire function F = exp; expm is JAX's Pade "
        "scaling-and-squaring (no truncated series), so general X needs no restriction.",
    ),
    _gradient(
        "trace_function_resolvent", "after 98", "Gradient of tr((I - X)^{-1}): F(x) = 1/(1-x), f = 1/(1-x)^2",
        r"\frac{\partial}{\partial X} \operatorname{tr}(I - X)^{-1} = \left((I - X)^{-2}\right)^\top",
        lambda X: jnp.trace(_resolvent(X)), lambda X: (_resolvent(X) @ _resolvent(X)).T, {"X": ("n n", "small")},
        notes="An instance of dTr(F(X))/dX = f(X)^T with F(x) = sum_k x^k = 1/(1-x), whose series has radius 1: "
        "on the 'small' domain (|X_ij| <= 0.1, so ||X||_2 <= 0.1 n < 1 for n < 10) it converges; "
        "F is computed exactly by an LU solve, not by truncating it.",
    ),
    _gradient(
        "trace_X", 99, "Gradient of tr(X)", r"\frac{\partial}{\partial X} \operatorname{tr}(X) = I",
        jnp.trace, lambda X: jnp.eye(X.shape[0], dtype=X.dtype), {"X": "n n"},
    ),
    _gradient(
        "trace_XA", 100, "Gradient of tr(XA)", r"\frac{\partial}{\partial X} \operatorname{tr}(XA) = A^\top",
        lambda X, A: jnp.trace(X @ A), lambda X, A: A.T, {"X": "m n", "A": "n m"},
    ),
    _gradient(
        "trace_AXtB", 102, "Gradient of tr(A X^T B)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X^\top B) = BA",
        lambda A, X, B: jnp.trace(A @ X.T @ B), lambda A, X, B: B @ A, {"A": "p n", "X": "m n", "B": "m p"},
    ),
    _gradient(
        "trace_AXt", 104, "Gradient of tr(A X^T)", r"\frac{\partial}{\partial X} \operatorname{tr}(A X^\top) = A",
        lambda A, X: jnp.trace(A @ X.T), lambda A, X: A, {"A": "m n", "X": "m n"},
    ),
    _gradient(
        "trace_kron_AX", 105, "Gradient of tr(A (x) X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A \otimes X) = \operatorname{tr}(A)\, I",
        lambda A, X: jnp.trace(jnp.kron(A, X)), lambda A, X: jnp.trace(A) * jnp.eye(X.shape[0], dtype=X.dtype),
        {"A": "p p", "X": "n n"},
        notes="A and X square (of different sizes), where tr(A (x) X) = tr(A) tr(X); for non-square factors "
        "the Kronecker product's diagonal does not pair diagonals.",
    ),
    _gradient(
        "trace_X2", 106, "Gradient of tr(X^2)", r"\frac{\partial}{\partial X} \operatorname{tr}(X^2) = 2X^\top",
        lambda X: jnp.trace(X @ X), lambda X: 2 * X.T, {"X": "n n"},
    ),
    _gradient(
        "trace_X2B", 107, "Gradient of tr(X^2 B)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^2 B) = (XB + BX)^\top",
        lambda X, B: jnp.trace(X @ X @ B), lambda X, B: (X @ B + B @ X).T, {"X": "n n", "B": "n n"},
    ),
    _gradient(
        "trace_XtBX", 108, "Gradient of tr(X^T B X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^\top B X) = BX + B^\top X",
        lambda X, B: jnp.trace(X.T @ B @ X), lambda X, B: B @ X + B.T @ X, {"X": "m n", "B": "m m"},
    ),
    _gradient(
        "trace_BXXt", 109, "Gradient of tr(B X X^T)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(B X X^\top) = BX + B^\top X",
        lambda B, X: jnp.trace(B @ X @ X.T), lambda B, X: B @ X + B.T @ X, {"B": "m m", "X": "m n"},
    ),
    _gradient(
        "trace_XXtB", 110, "Gradient of tr(X X^T B)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X X^\top B) = BX + B^\top X",
        lambda X, B: jnp.trace(X @ X.T @ B), lambda X, B: B @ X + B.T @ X, {"X": "m n", "B": "m m"},
    ),
    _gradient(
        "trace_BXtX", 112, "Gradient of tr(B X^T X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(B X^\top X) = X B^\top + XB",
        lambda B, X: jnp.trace(B @ X.T @ X), lambda B, X: X @ B.T + X @ B, {"B": "n n", "X": "m n"},
    ),
    _gradient(
        "trace_XtXB", 113, "Gradient of tr(X^T X B)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^\top X B) = X B^\top + XB",
        lambda X, B: jnp.trace(X.T @ X @ B), lambda X, B: X @ B.T + X @ B, {"X": "m n", "B": "n n"},
    ),
    _gradient(
        "trace_AXBX", 114, "Gradient of tr(AXBX)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(AXBX) = A^\top X^\top B^\top + B^\top X^\top A^\top",
        lambda A, X, B: jnp.trace(A @ X @ B @ X),
        lambda A, X, B: A.T @ X.T @ B.T + B.T @ X.T @ A.T,
        {"A": "n m", "X": "m n", "B": "n m"},
        notes="X is m x n and A, B are n x m: the smallest non-square shapes that make AXBX square.",
    ),
    _gradient(
        "trace_XtX", 115, "Gradient of tr(X^T X)", r"\frac{\partial}{\partial X} \operatorname{tr}(X^\top X) = 2X",
        lambda X: jnp.trace(X.T @ X), lambda X: 2 * X, {"X": "m n"},
    ),
    _gradient(
        "trace_XXt", 115, "Gradient of tr(X X^T)", r"\frac{\partial}{\partial X} \operatorname{tr}(X X^\top) = 2X",
        lambda X: jnp.trace(X @ X.T), lambda X: 2 * X, {"X": "m n"},
        notes="Also the real case of (132), tr(X X^H) = ||X||_F^2.",
    ),
    _gradient(
        "trace_BtXtCXB", 116, "Gradient of tr(B^T X^T C X B)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(B^\top X^\top C X B) = C^\top X B B^\top + C X B B^\top",
        lambda B, X, C: jnp.trace(B.T @ X.T @ C @ X @ B),
        lambda B, X, C: C.T @ X @ B @ B.T + C @ X @ B @ B.T,
        {"B": "n p", "X": "m n", "C": "m m"},
    ),
    _gradient(
        "trace_XtBXC", 117, "Gradient of tr(X^T B X C)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^\top B X C) = BXC + B^\top X C^\top",
        lambda X, B, C: jnp.trace(X.T @ B @ X @ C),
        lambda X, B, C: B @ X @ C + B.T @ X @ C.T,
        {"X": "m n", "B": "m m", "C": "n n"},
    ),
    _gradient(
        "trace_AXBXtC", 118, "Gradient of tr(A X B X^T C)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X B X^\top C) = A^\top C^\top X B^\top + C A X B",
        lambda A, X, B, C: jnp.trace(A @ X @ B @ X.T @ C),
        lambda A, X, B, C: A.T @ C.T @ X @ B.T + C @ A @ X @ B,
        {"A": "p m", "X": "m n", "B": "n n", "C": "m p"},
    ),
    _gradient(
        "trace_affine_gram", 119, "Gradient of tr[(AXB + C)(AXB + C)^T]",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[(AXB + C)(AXB + C)^\top\right] = 2A^\top (AXB + C) B^\top",
        lambda A, X, B, C: jnp.trace((A @ X @ B + C) @ (A @ X @ B + C).T),
        lambda A, X, B, C: 2 * A.T @ (A @ X @ B + C) @ B.T,
        {"A": "p m", "X": "m n", "B": "n q", "C": "p q"},
        notes="The gradient of ||AXB + C||_F^2; A = B = I, C = 0 gives (132).",
    ),
    _gradient(
        "trace_kron_XX", 120, "Gradient of tr(X (x) X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X \otimes X) = 2 \operatorname{tr}(X)\, I",
        lambda X: jnp.trace(jnp.kron(X, X)), lambda X: 2 * jnp.trace(X) * jnp.eye(X.shape[0], dtype=X.dtype),
        {"X": "n n"},
    ),
    _gradient(
        "trace_X_times_trace_X", 120, "Gradient of tr(X) tr(X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X)\operatorname{tr}(X) = 2 \operatorname{tr}(X)\, I",
        lambda X: jnp.trace(X) * jnp.trace(X), lambda X: 2 * jnp.trace(X) * jnp.eye(X.shape[0], dtype=X.dtype),
        {"X": "n n"},
    ),
    _gradient(
        "trace_power", 121, "Gradient of tr(X^k), k = 3",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^k) = k (X^{k-1})^\top, \quad k = 3",
        lambda X: jnp.trace(_power(X, 3)), lambda X: 3 * _power(X, 2).T, {"X": "n n"},
        notes="k = 3: a polynomial in X (no series), so general X needs no restriction.",
    ),
    _gradient(
        "trace_power_negative", 121, "Gradient of tr(X^k), k = -2",
        r"\frac{\partial}{\partial X} \operatorname{tr}(X^k) = k (X^{k-1})^\top, \quad k = -2",
        lambda X: jnp.trace(_power(X, -2)), lambda X: -2 * _power(X, -3).T, {"X": ("n n", "invertible")},
        notes="'Integer k' includes negative k for invertible X: d tr(X^k) = k tr(X^{k-1} dX) for every integer k.",
    ),
    _gradient(
        "trace_A_power", 122, "Gradient of tr(A X^k), k = 3",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X^k) = \sum_{r=0}^{k-1} (X^r A X^{k-r-1})^\top, \quad k = 3",
        lambda A, X: jnp.trace(A @ _power(X, 3)), lambda A, X: _grad_A_power(A, X, 3), {"A": "n n", "X": "n n"},
        notes="k = 3: a polynomial in X (no series); the sum over r has k terms.",
    ),
    _gradient(
        "trace_BtXtCXXtCXB", 123, "Gradient of tr[B^T X^T C X X^T C X B]",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[B^\top X^\top C X X^\top C X B\right] = "
        r"C X X^\top C X B B^\top + C^\top X B B^\top X^\top C^\top X + C X B B^\top X^\top C X "
        r"+ C^\top X X^\top C^\top X B B^\top",
        lambda B, X, C: jnp.trace(B.T @ X.T @ C @ X @ X.T @ C @ X @ B),
        lambda B, X, C: (
            C @ X @ X.T @ C @ X @ B @ B.T
            + C.T @ X @ B @ B.T @ X.T @ C.T @ X
            + C @ X @ B @ B.T @ X.T @ C @ X
            + C.T @ X @ X.T @ C.T @ X @ B @ B.T
        ),
        {"B": "n p", "X": "m n", "C": "m m"},
        notes="C is general (not symmetric): the C and C^T terms differ.",
    ),
    _gradient(
        "trace_AXinvB", 124, "Gradient of tr(A X^{-1} B), first printed form",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X^{-1} B) = -(X^{-1} B A X^{-1})^\top",
        lambda A, X, B: jnp.trace(A @ jnp.linalg.solve(X, B)),
        lambda A, X, B: -_right_solve(jnp.linalg.solve(X, B) @ A, X).T,
        {"A": "p n", "X": ("n n", "invertible"), "B": "n p"},
        notes="X^{-1} B and (X^{-1} B A) X^{-1} by solves, no explicit inverse.",
    ),
    _gradient(
        "trace_AXinvB_expanded", 124, "Gradient of tr(A X^{-1} B), second printed form",
        r"\frac{\partial}{\partial X} \operatorname{tr}(A X^{-1} B) = -X^{-\top} A^\top B^\top X^{-\top}",
        lambda A, X, B: jnp.trace(A @ jnp.linalg.solve(X, B)),
        lambda A, X, B: -_right_solve(jnp.linalg.solve(X.T, A.T) @ B.T, X.T),
        {"A": "p n", "X": ("n n", "invertible"), "B": "n p"},
    ),
    _gradient(
        "trace_inv_XtCX_A", 125, "Gradient of tr[(X^T C X)^{-1} A]",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[(X^\top C X)^{-1} A\right] = "
        r"-\left(C X (X^\top C X)^{-1}\right)(A + A^\top)(X^\top C X)^{-1}",
        lambda X, C, A: _tr_inv_quad(X.T @ C @ X, A), _printed_125,
        {"X": ("n m", "full_rank"), "C": ("n n", "spd"), "A": "m m"},
        notes=f"{_SYM_BC} {_C_SPD} X is tall (n x m, n > m); A is general.",
    ),
    _gradient(
        "trace_inv_XtCX_XtBX", 126, "Gradient of tr[(X^T C X)^{-1} (X^T B X)]",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[(X^\top C X)^{-1}(X^\top B X)\right] = "
        r"-2 C X (X^\top C X)^{-1} X^\top B X (X^\top C X)^{-1} + 2 B X (X^\top C X)^{-1}",
        _tr_inv_XtCX_XtBX, _printed_126,
        {"X": ("4 m", "full_rank"), "C": ("4 4", "spd"), "B": ("4 4", "symmetric")},
        notes=f"{_SYM_BC} {_C_SPD} For square invertible X the trace is the constant tr(C^{{-1}} B) and both "
        "sides vanish; a tall X (4 x m, m < 4) makes the check meaningful, the gradient being nonzero. The row "
        "count is fixed so that X stays tall at small sizes, m = 1 included: at 1 x 1 the truth is exactly 0 "
        "and the check would compare rounding with rounding. The price: at m >= 4 (such as --size 512) X is "
        "square or wide and the identity does not apply; f says so while traced, and the record is reported "
        "not run at those sizes.",
    ),
    _gradient(
        "trace_inv_A_XtCX_XtBX", 127, "Gradient of tr[(A + X^T C X)^{-1} (X^T B X)], general A (corrected)",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[P^{-1} X^\top B X\right] = "
        r"-C X (N + N^\top) + B X (P^{-1} + P^{-\top}),\ P = A + X^\top C X,\ N = P^{-1} X^\top B X P^{-1}",
        lambda A, X, C, B: _tr_inv_quad(A + X.T @ C @ X, X.T @ B @ X), _corrected_127,
        {"A": ("4 4", "positive_definite_part"), "X": ("r 4", "full_rank"), "C": ("r r", "spd"),
         "B": ("r r", "symmetric")},
        notes=f"{_SYM_BC} A is not symmetric (the text does not assume it): SPD plus a skew part, so A + X^T C X "
        "has a positive definite symmetric part and is invertible for X of any shape. A is fixed at 4 x 4: at "
        "1 x 1 (every size 1) A is symmetric and the printed form holds, and at 2 x 2 or 3 x 3 its few "
        "antisymmetric entries are sometimes small enough (0.05% to 9% of seeds) that the printed form's "
        "error falls inside float32's diagnosis threshold and reads as a rescaling.",
        erratum=Erratum(
            kind="missing condition",
            counterexample="A 2 x 2 not symmetric, X 1 x 2, C and B 1 x 1 (a 1 x 1 A is symmetric)",
            printed=_printed_127,
            printed_latex=r"-2 C X (A + X^\top C X)^{-1} X^\top B X (A + X^\top C X)^{-1} + 2 B X (A + X^\top C X)^{-1}",
            diagnosis="unrelated",
            explanation="The printed form treats P = A + X^T C X as symmetric (P^{-T} = P^{-1}), which needs A "
            "symmetric; the text assumes only B and C symmetric. For general A each of the two terms is the "
            "average of itself and its P -> P^T twin.",
            condition="A symmetric (then A + X^T C X is symmetric)",
            holds_in="cookbook.traces.trace_inv_A_XtCX_XtBX_symmetric_A",
        ),
    ),
    _gradient(
        "trace_inv_A_XtCX_XtBX_symmetric_A", 127,
        "Gradient of tr[(A + X^T C X)^{-1} (X^T B X)], A symmetric (as printed)",
        r"\frac{\partial}{\partial X} \operatorname{tr}\left[(A + X^\top C X)^{-1}(X^\top B X)\right] = "
        r"-2 C X (A + X^\top C X)^{-1} X^\top B X (A + X^\top C X)^{-1} + 2 B X (A + X^\top C X)^{-1}",
        lambda A, X, C, B: _tr_inv_quad(A + X.T @ C @ X, X.T @ B @ X), _printed_127,
        {"A": ("m m", "spd"), "X": ("n m", "full_rank"), "C": ("n n", "spd"), "B": ("n n", "symmetric")},
        notes=f"The printed form under the condition it needs: A symmetric as well as B and C. A is drawn SPD "
        f"so that A + X^T C X is SPD (invertible) for X of any shape. {_C_SPD}",
    ),
    _gradient(
        "trace_sin", 128, "Gradient of tr(sin X)",
        r"\frac{\partial}{\partial X} \operatorname{tr}(\sin X) = \cos(X)^\top",
        lambda X: jnp.trace(_sin_cos(X)[0]), lambda X: _sin_cos(X)[1].T, {"X": "n n"},
        notes="sin and cos as matrix functions (entire), from expm of the real block matrix [[0, X], [-X, 0]]: "
        "no truncated series, so general X needs no restriction.",
    ),
)

_T = "cookbook.traces."
COVERAGE = (
    Display("after 98", "verified", (_T + "trace_function_exp", _T + "trace_function_resolvent"),
            "checked for F = exp (entire) and F(x) = 1/(1-x) (series radius 1, small X)"),
    Display("99", "verified", (_T + "trace_X",), "square X"),
    Display("100", "verified", (_T + "trace_XA",), "X m x n, A n x m"),
    Display("101", "verified", ("scalar_by_matrix.trace_AXB",), "shared with the seed record"),
    Display("102", "verified", (_T + "trace_AXtB",), "non-square A, X, B"),
    Display("103", "verified", ("scalar_by_matrix.trace_XtA",), "shared with the seed record"),
    Display("104", "verified", (_T + "trace_AXt",), "non-square A, X"),
    Display("105", "verified", (_T + "trace_kron_AX",), "A and X square, of different sizes"),
    Display("106", "verified", (_T + "trace_X2",), "square X"),
    Display("107", "verified", (_T + "trace_X2B",), "square X, general B"),
    Display("108", "verified", (_T + "trace_XtBX", "directional.trace_XtAX"),
            "gradient record; the seed's directional record checks the same gradient along V"),
    Display("109", "verified", (_T + "trace_BXXt",), "non-square X, general B"),
    Display("110", "verified", (_T + "trace_XXtB",), "non-square X, general B"),
    Display("111", "verified", ("scalar_by_matrix.trace_XBXt",), "shared with the seed record"),
    Display("112", "verified", (_T + "trace_BXtX",), "non-square X, general B"),
    Display("113", "verified", (_T + "trace_XtXB",), "non-square X, general B"),
    Display("114", "verified", (_T + "trace_AXBX",), "non-square X, A, B"),
    Display("115", "verified", (_T + "trace_XtX", _T + "trace_XXt"), "both printed forms, non-square X"),
    Display("116", "verified", (_T + "trace_BtXtCXB",), "non-square X and B, general C"),
    Display("117", "verified", (_T + "trace_XtBXC",), "non-square X, general B and C"),
    Display("118", "verified", (_T + "trace_AXBXtC",), "non-square X, A, C; general B"),
    Display("119", "verified", (_T + "trace_affine_gram",), "non-square A, X, B, C"),
    Display("120", "verified", (_T + "trace_kron_XX", _T + "trace_X_times_trace_X"), "both printed forms"),
    Display("121", "verified", (_T + "trace_power", _T + "trace_power_negative"),
            "k = 3 on general X and k = -2 on invertible X"),
    Display("122", "verified", (_T + "trace_A_power",), "k = 3, general A"),
    Display("123", "verified", (_T + "trace_BtXtCXXtCXB",), "non-square X and B, general C"),
    Display("124", "verified", (_T + "trace_AXinvB", _T + "trace_AXinvB_expanded"),
            "both printed forms; X invertible, A and B non-square"),
    Display("125", "verified", (_T + "trace_inv_XtCX_A",), "C symmetric (stated), tall X, general A"),
    Display("126", "verified", (_T + "trace_inv_XtCX_XtBX",),
            "B, C symmetric (stated); tall X, where the gradient is nonzero"),
    Display("127", "erratum", (_T + "trace_inv_A_XtCX_XtBX", _T + "trace_inv_A_XtCX_XtBX_symmetric_A"),
            "needs A symmetric too (unstated); the corrected form holds for general A"),
    Display("128", "verified", (_T + "trace_sin",), "sin, cos as matrix functions via expm"),
)
