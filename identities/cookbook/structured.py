"""Matrix Cookbook 2012-11-15, Section 2.8 "Derivatives of Structured Matrices", (133)-(144).

Two answers to "the derivative of f by a structured X", recorded side by side:

* The Cookbook's (2.8): the partial derivatives by the *independent entries* of X (the n(n+1)/2
  entries on and below the diagonal of a symmetric X, the 2n - 1 diagonal values of a Toeplitz T,
  the n diagonal entries of a diagonal X), arranged as a matrix. These records take the
  independent entries as their argument (the lower triangle L of X = L + tril(L, -1)^T, the
  vector of diagonal values) and take the ordinary gradient by them; the closed form is the
  printed formula read at those entries. Their ``convention`` says so.
* The catalog's default: the gradient on the subspace of structured matrices under the Frobenius
  inner product, sym(G) for symmetric X (Srinivasan & Panda), which is what gradient descent on
  symmetric matrices needs. These records take X itself on the ``symmetric``/``spd`` domains.

With G the unconstrained gradient, the Cookbook's symmetric answer is G + G^T - G∘I
= 2 sym(G) - sym(G)∘I: off the diagonal it is twice sym(G). Both are right answers to different
questions; only the second is a gradient of f on symmetric matrices.
"""

import jax
import jax.numpy as jnp

from identities._sources import cookbook, paper
from matcalc import Display, Identity, Kind

ENTRIES = "independent entries (Cookbook 2.8)"
SRINIVASAN_PANDA = paper(
    "S. Srinivasan and N. Panda, 'What is the gradient of a scalar function of a symmetric matrix?', "
    "arXiv:1911.06491 (2019, revised 2023)"
)
_SYM_NOTE = (
    "The catalog's convention: the gradient of f on symmetric matrices (Frobenius inner product) is "
    "sym(G), G the unconstrained gradient. The Cookbook's answer for the same f, by the independent "
    "entries, is the record with suffix _entries."
)
_ENTRIES_NOTE = (
    "The Cookbook's convention: f is a function of the lower triangle L (the n(n+1)/2 independent "
    "entries) of X = L + tril(L, -1)^T and the result is its ordinary gradient by L, compared on "
    "the lower triangle; the printed formula is a symmetric matrix whose lower triangle is that "
    "gradient. Not the gradient on symmetric matrices, sym(G): off the diagonal it is twice that "
    "(record with suffix _sym)."
)


def _from_lower(L):
    """The symmetric matrix whose lower triangle is L."""
    return L + jnp.tril(L, -1).T


def _eye_like(X):
    return jnp.eye(X.shape[-1], dtype=X.dtype)


def _sym(G):
    return (G + G.T) / 2


def _symmetric_rule(G):
    """(138): the derivative by the independent entries of a symmetric X, G + G^T - diag(G)."""
    return G + G.T - G * _eye_like(G)


# -- Toeplitz: T_ij = t_{i-j}, 2n - 1 free diagonal values --------------------------------------


def _offsets(n):
    """i - j for an n x n matrix, traced (an iota): no NumPy table is built while tracing, so
    tracing costs nothing at any n (at n = 4096 such a table is 134 MB, the tables built from it
    more), and the cost guard sees every array the program would hold."""
    r = jnp.arange(n)
    return r[:, None] - r[None, :]


def _toeplitz(p):
    """Toeplitz T from p (2 x n): p[0] its first column (T_ij = p[0, i-j], i >= j), p[1] its first
    row (T_ij = p[1, j-i], j > i). p[1, 0] would duplicate T_00: T does not depend on it."""
    D = _offsets(p.shape[-1])
    return jnp.where(D >= 0, p[0, jnp.maximum(D, 0)], p[1, jnp.maximum(-D, 0)])


def _symmetric_toeplitz(t):
    """Symmetric Toeplitz T_ij = t_|i-j| from its first column t."""
    return t[jnp.abs(_offsets(t.shape[-1]))]


def _alpha(A):
    """The Cookbook's alpha(A): the Toeplitz matrix whose diagonal i - j = d holds the sum of the
    same diagonal of A^T (Tr A on the main diagonal, A_n1 in the top-right corner, A_1n bottom-left)."""
    n = A.shape[-1]
    index = _offsets(n) + n - 1
    sums = jax.ops.segment_sum(A.T.ravel(), index.ravel(), num_segments=2 * n - 1)
    return sums[index]


def _at_toeplitz_entries(M):
    """A Toeplitz-structured formula read at the parameters of ``_toeplitz``: its first column and
    first row; the unused slot p[1, 0] gets 0, the derivative of f by a parameter f ignores."""
    return jnp.stack([M[:, 0], M[0, :].at[0].set(0)])


def _toeplitz_structure(n, dtype):
    """S[a, d] = dT/dp[a, d] (2 x n x n x n): the structure matrices (134) of ``_toeplitz``, built by
    comparisons of iotas (2n^3 numbers when run; nothing while tracing)."""
    D = _offsets(n)[None, None]
    d = jnp.arange(n)[None, :, None, None]
    below = D == d
    above = (D == -d) & (d > 0)
    return jnp.concatenate([below, above], axis=0).astype(dtype)


def _toeplitz_structure_trace(G):
    """Tr[G^T S^(a,d)] for every parameter (a, d) of ``_toeplitz``, S not built: S^(a,d) is the
    indicator of one diagonal (k - l = d for a = 0; k - l = -d for a = 1, d > 0; S^(1,0) = 0), so
    the trace is the sum of G over that diagonal. A segment sum by k - l: n^2 work and memory,
    where contracting with the dense S (``_toeplitz_structure``) holds 2n^3 numbers."""
    n = G.shape[-1]
    sums = jax.ops.segment_sum(G.ravel(), (_offsets(n) + n - 1).ravel(), num_segments=2 * n - 1)  # [k - l + n - 1]
    return jnp.stack([sums[n - 1:], sums[n - 1::-1].at[0].set(0)])


def _symmetric_structure(n, dtype):
    """S^{ij}_{kl} = dX_kl/dL_ij = d_ik d_jl + d_il d_jk - d_ij d_ik d_jl, in JAX layout [k, l, i, j],
    built by comparisons of iotas (n^4 numbers when run; nothing while tracing)."""
    r = jnp.arange(n)
    k, l, i, j = r[:, None, None, None], r[None, :, None, None], r[None, None, :, None], r[None, None, None, :]
    one = lambda mask: mask.astype(dtype)  # noqa: E731
    return one((i == k) & (j == l)) + one((i == l) & (j == k)) - one((i == j) & (i == k) & (j == l))


# -- a concrete composite: g(X) = sum(tanh(B X C)), G = B^T sech^2(B X C) C^T --------------------


def _tanh_sum(B, X, C):
    return jnp.sum(jnp.tanh(B @ X @ C))


def _tanh_sum_grad(B, X, C):
    """The unconstrained gradient of sum(tanh(B X C)) by X."""
    return B.T @ (1 - jnp.tanh(B @ X @ C) ** 2) @ C.T


# -- chain rule (135)-(137): g(U) = sum(tanh(U)), U = f(X) = X C X^T ----------------------------


def _outer_inner(X, C):
    return jnp.sum(jnp.tanh(X @ C @ X.T))


def _dU_dX(X, C):
    """dU/dX_ij for U = X C X^T, stacked [i, j, k, l]: J^{ij} C X^T + X C J^{ji}."""
    m = X.shape[0]
    e = jnp.eye(m, dtype=X.dtype)
    return jnp.einsum("ik,lj->ijkl", e, X @ C.T) + jnp.einsum("kj,il->ijkl", X @ C, e)


def _chain_entrywise(X, C):
    """(136): sum_kl dg/du_kl du_kl/dx_ij."""
    G = 1 - jnp.tanh(X @ C @ X.T) ** 2
    return jnp.einsum("kl,ijkl->ij", G, _dU_dX(X, C))


def _chain_trace(X, C):
    """(137): Tr[(dg/dU)^T dU/dX_ij] for every (i, j)."""
    G = 1 - jnp.tanh(X @ C @ X.T) ** 2
    return jnp.trace(G.T @ _dU_dX(X, C), axis1=-2, axis2=-1)


def _inv(X):
    return jnp.linalg.inv(X)


RECORDS = (
    # (133) structured chain rule, shown on a Toeplitz argument: df/dp = Tr[G^T dT/dp].
    Identity(
        id="cookbook.structured.chain_rule_toeplitz",
        title="Structured chain rule (133): derivative of sum tanh(B T C) by the 2n - 1 values of a Toeplitz T",
        latex=(r"\frac{df}{dT_{ij}} = \sum_{kl}\frac{\partial f}{\partial T_{kl}}\frac{\partial T_{kl}}{\partial T_{ij}}"
               r"= \operatorname{Tr}\Big[\Big[\frac{\partial f}{\partial T}\Big]^\top S^{ij}\Big],\quad "
               r"f = \textstyle\sum \tanh(BTC)"),
        f=lambda B, p, C: _tanh_sum(B, _toeplitz(p), C),
        closed_form=lambda B, p, C: _toeplitz_structure_trace(_tanh_sum_grad(B, _toeplitz(p), C)),
        wrt="p",
        args={"B": "m n", "p": "2 n", "C": "n q"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(133), cookbook(134)),
        convention=ENTRIES,
        notes=(
            "T = toeplitz(first column p[0], first row p[1]); p[1, 0] is unused (T_00 = p[0, 0]), so its "
            "derivative is 0 and S for it is 0. G = B^T sech^2(BTC) C^T is the unconstrained gradient; the "
            "closed form contracts it with the structure matrices S^{(a,d)} = dT/dp[a, d] (ones on one diagonal): "
            "Tr[G^T S^{(a,d)}] is the sum of G over that diagonal, taken as such (a segment sum by k - l), so "
            "that the 2n^3 entries of S are never built."
        ),
    ),
    # (134) the structure matrices, checked as the Jacobian of the parametrization.
    Identity(
        id="cookbook.structured.structure_matrix_symmetric",
        title="Structure matrix (134) of a symmetric X: dX/dX_ij = J^ij + J^ji - J^ij J^ij",
        latex=r"\frac{\partial X}{\partial X_{ij}} = S^{ij} = J^{ij} + J^{ji} - J^{ij}J^{ij} \quad (i \ge j)",
        f=_from_lower,
        closed_form=lambda L: _symmetric_structure(L.shape[-1], L.dtype),
        wrt="L",
        args={"L": ("n n", "symmetric_entries")},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(134), cookbook(138)),
        convention=ENTRIES,
        notes=(
            "J[k, l, i, j] = dX_kl / dL_ij for X = L + tril(L, -1)^T, compared for the independent entries "
            "i >= j (the domain's projection); the formula is symmetric in (i, j). For unstructured X, "
            "S^ij = J^ij is display (32)."
        ),
    ),
    Identity(
        id="cookbook.structured.structure_matrix_toeplitz",
        title="Structure matrices (134) of a Toeplitz T: ones on the diagonal of each free value",
        latex=r"\frac{\partial T}{\partial t_d} = S^{(d)} = \textstyle\sum_{i - j = d} J^{ij}",
        f=_toeplitz,
        closed_form=lambda p: jnp.moveaxis(_toeplitz_structure(p.shape[-1], p.dtype), (0, 1), (2, 3)),
        wrt="p",
        args={"p": "2 n"},
        out="n n",
        kind=Kind.JACOBIAN,
        real_analytic=True,
        sources=(cookbook(134), cookbook(143)),
        convention=ENTRIES,
        notes="J[k, l, a, d] = dT_kl / dp[a, d] for T = toeplitz(p[0], p[1]); p[1, 0] is unused: its slice is 0.",
    ),
    # (135)-(137) the chain rule for g(U), U = f(X), on unstructured X.
    Identity(
        id="cookbook.structured.chain_rule_composite",
        title="Chain rule (135): gradient of g(f(X)) = sum tanh(X C X^T)",
        latex=(r"\frac{\partial g(U)}{\partial X} = \frac{\partial g(f(X))}{\partial X} = G X C^\top + G^\top X C,"
               r"\quad U = XCX^\top,\ G = \frac{\partial g}{\partial U} = \operatorname{sech}^2 U"),
        f=_outer_inner,
        closed_form=lambda X, C: (lambda G: G @ X @ C.T + G.T @ X @ C)(1 - jnp.tanh(X @ C @ X.T) ** 2),
        wrt="X",
        args={"X": "m n", "C": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(135),),
        notes="C is a general square matrix, so U = X C X^T (m x m) is not symmetric and G^T differs from G.",
    ),
    Identity(
        id="cookbook.structured.chain_rule_entrywise",
        title="Chain rule (136), entrywise: sum_kl dg/du_kl du_kl/dx_ij for g = sum tanh(X C X^T)",
        latex=r"\frac{\partial g(U)}{\partial x_{ij}} = \sum_{k=1}^{M}\sum_{l=1}^{N}\frac{\partial g(U)}{\partial u_{kl}}\frac{\partial u_{kl}}{\partial x_{ij}}",
        f=_outer_inner,
        closed_form=_chain_entrywise,
        wrt="X",
        args={"X": "m n", "C": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(136),),
        notes="du_kl/dx_ij for U = X C X^T is materialized (m x n x m x m) to evaluate the double sum as printed.",
    ),
    Identity(
        id="cookbook.structured.chain_rule_trace",
        title="Chain rule (137): Tr[(dg/dU)^T dU/dX_ij] for g = sum tanh(X C X^T)",
        latex=r"\frac{\partial g(U)}{\partial X_{ij}} = \operatorname{Tr}\Big[\Big(\frac{\partial g(U)}{\partial U}\Big)^\top \frac{\partial U}{\partial X_{ij}}\Big]",
        f=_outer_inner,
        closed_form=_chain_trace,
        wrt="X",
        args={"X": "m n", "C": "n n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(137),),
        notes="dU/dX_ij = J^ij C X^T + X C J^ji for U = X C X^T; one trace per (i, j).",
    ),
    # (138) symmetric X: the general rule, on a composite whose G is not symmetric.
    Identity(
        id="cookbook.structured.symmetric_rule_entries",
        title="Derivative by the independent entries of a symmetric X (138): G + G^T - diag G, f = sum tanh(B X C)",
        latex=(r"\frac{df}{dX} = \Big[\frac{\partial f}{\partial X}\Big] + \Big[\frac{\partial f}{\partial X}\Big]^\top"
               r" - \operatorname{diag}\Big[\frac{\partial f}{\partial X}\Big],\quad X = L + \operatorname{tril}(L,-1)^\top"),
        f=lambda B, L, C: _tanh_sum(B, _from_lower(L), C),
        closed_form=lambda B, L, C: _symmetric_rule(_tanh_sum_grad(B, _from_lower(L), C)),
        wrt="L",
        args={"B": "m n", "L": ("n n", "symmetric_entries"), "C": "n p"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(138), cookbook(133)),
        convention=ENTRIES,
        notes=_ENTRIES_NOTE + " G = B^T sech^2(BXC) C^T is not symmetric here.",
    ),
    Identity(
        id="cookbook.structured.symmetric_rule_sym",
        title="Gradient on symmetric matrices: sym(G), f = sum tanh(B X C)",
        latex=r"\nabla_{\mathbb{S}} f(X) = \operatorname{sym}(G) = \tfrac12 (G + G^\top),\quad G = B^\top \operatorname{sech}^2(BXC)\, C^\top",
        f=_tanh_sum,
        closed_form=lambda B, X, C: _sym(_tanh_sum_grad(B, X, C)),
        wrt="X",
        args={"B": "m n", "X": ("n n", "symmetric"), "C": "n p"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(138), SRINIVASAN_PANDA),
        notes=_SYM_NOTE,
    ),
    # (139) tr(AX), X symmetric.
    Identity(
        id="cookbook.structured.symmetric_trace_AX_entries",
        title="Derivative of tr(AX) by the independent entries of a symmetric X (139)",
        latex=r"\frac{\partial \operatorname{Tr}(AX)}{\partial X} = A + A^\top - (A \circ I),\quad X = L + \operatorname{tril}(L,-1)^\top",
        f=lambda A, L: jnp.trace(A @ _from_lower(L)),
        closed_form=lambda A, L: A + A.T - A * _eye_like(A),
        wrt="L",
        args={"A": "n n", "L": ("n n", "symmetric_entries")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(139),),
        convention=ENTRIES,
        notes=_ENTRIES_NOTE + " A is general (not symmetric).",
    ),
    Identity(
        id="cookbook.structured.symmetric_trace_AX_sym",
        title="Gradient of tr(AX) on symmetric matrices: sym(A)",
        latex=r"\nabla_{\mathbb{S}} \operatorname{Tr}(AX) = \tfrac12 (A + A^\top)",
        f=lambda A, X: jnp.trace(A @ X),
        closed_form=lambda A, X: _sym(A),
        wrt="X",
        args={"A": "n n", "X": ("n n", "symmetric")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(139), SRINIVASAN_PANDA),
        notes=_SYM_NOTE + " G = A^T here.",
    ),
    # (140) det X, X symmetric invertible.
    Identity(
        id="cookbook.structured.symmetric_det_entries",
        title="Derivative of det X by the independent entries of a symmetric X (140)",
        latex=r"\frac{\partial \det X}{\partial X} = \det(X)\,\big(2X^{-1} - (X^{-1} \circ I)\big),\quad X = L + \operatorname{tril}(L,-1)^\top",
        f=lambda L: jnp.linalg.det(_from_lower(L)),
        closed_form=lambda L: (lambda X, Xi: jnp.linalg.det(X) * (2 * Xi - Xi * _eye_like(X)))(
            _from_lower(L), _inv(_from_lower(L))
        ),
        wrt="L",
        args={"L": ("n n", "symmetric_entries")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(140),),
        convention=ENTRIES,
        notes=_ENTRIES_NOTE + " X is indefinite in general (det of either sign).",
    ),
    Identity(
        id="cookbook.structured.symmetric_det_sym",
        title="Gradient of det X on symmetric matrices: det(X) X^{-1}",
        latex=r"\nabla_{\mathbb{S}} \det X = \det(X)\, X^{-1}",
        f=jnp.linalg.det,
        closed_form=lambda X: jnp.linalg.det(X) * _inv(X),
        wrt="X",
        args={"X": ("n n", "symmetric_invertible")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(140), SRINIVASAN_PANDA),
        notes=_SYM_NOTE + " G = det(X) X^{-T} is already symmetric here, so sym(G) = G.",
    ),
    # (141) ln det X, X symmetric with det > 0 (SPD samples).
    Identity(
        id="cookbook.structured.symmetric_logdet_entries",
        title="Derivative of ln det X by the independent entries of a symmetric X (141)",
        latex=r"\frac{\partial \ln\det X}{\partial X} = 2X^{-1} - (X^{-1} \circ I),\quad X = L + \operatorname{tril}(L,-1)^\top",
        f=lambda L: jnp.log(jnp.linalg.det(_from_lower(L))),
        closed_form=lambda L: (lambda Xi: 2 * Xi - Xi * _eye_like(Xi))(_inv(_from_lower(L))),
        wrt="L",
        args={"L": ("n n", "spd_entries")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(141),),
        convention=ENTRIES,
        notes=_ENTRIES_NOTE + " X is SPD, so det X > 0.",
    ),
    Identity(
        id="cookbook.structured.symmetric_logdet_sym",
        title="Gradient of ln det X on symmetric positive definite matrices: X^{-1}",
        latex=r"\nabla_{\mathbb{S}} \ln\det X = X^{-1}",
        f=lambda X: jnp.log(jnp.linalg.det(X)),
        closed_form=_inv,
        wrt="X",
        args={"X": ("n n", "spd")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(141), SRINIVASAN_PANDA),
        notes=_SYM_NOTE + " G = X^{-T} = X^{-1} is already symmetric.",
    ),
    # (142) tr(AX), X diagonal: both conventions give A∘I.
    Identity(
        id="cookbook.structured.diagonal_trace_AX_entries",
        title="Derivative of tr(AX) by the diagonal entries of a diagonal X (142)",
        latex=r"\frac{\partial \operatorname{Tr}(AX)}{\partial X} = A \circ I,\quad X = \operatorname{diag}(d)",
        f=lambda A, d: jnp.trace(A @ jnp.diag(d)),
        closed_form=lambda A, d: jnp.diagonal(A * _eye_like(A)),
        wrt="d",
        args={"A": "n n", "d": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(142),),
        convention=ENTRIES,
        notes="f is a function of the n diagonal entries d; the printed A∘I is read at them: its diagonal.",
    ),
    Identity(
        id="cookbook.structured.diagonal_trace_AX",
        title="Gradient of tr(AX) on diagonal matrices: A∘I",
        latex=r"\nabla_{\mathbb{D}} \operatorname{Tr}(AX) = A \circ I",
        f=lambda A, X: jnp.trace(A @ X),
        closed_form=lambda A, X: A * _eye_like(A),
        wrt="X",
        args={"A": "n n", "X": ("n n", "diagonal")},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(142),),
        notes=(
            "On diagonal matrices the two conventions agree: each diagonal entry is one independent entry, "
            "and projecting G = A^T onto diagonal matrices keeps exactly its diagonal."
        ),
    ),
    # (143) unconstrained Toeplitz T: alpha(A).
    Identity(
        id="cookbook.structured.toeplitz_trace_AT",
        title="Derivative of tr(AT) by the 2n - 1 values of a Toeplitz T (143): alpha(A)",
        latex=(r"\frac{\partial \operatorname{Tr}(AT)}{\partial T} = \alpha(A),\quad "
               r"\alpha(A)_{ij} = \textstyle\sum_{k - l = i - j} (A^\top)_{kl}"),
        f=lambda A, p: jnp.trace(A @ _toeplitz(p)),
        closed_form=lambda A, p: _at_toeplitz_entries(_alpha(A)),
        wrt="p",
        args={"A": "n n", "p": "2 n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(143),),
        convention=ENTRIES,
        notes=(
            "T = toeplitz(first column p[0], first row p[1]); alpha(A) is read at those entries (p[1, 0] is "
            "unused: 0). alpha(A) holds, on each diagonal, the sum of the same diagonal of A^T: Tr A on the "
            "main diagonal, A_n1 in the top-right corner. The gradient on the subspace of Toeplitz matrices "
            "would be alpha(A) divided by each diagonal's length."
        ),
    ),
    Identity(
        id="cookbook.structured.toeplitz_trace_TA",
        title="Derivative of tr(TA) by the 2n - 1 values of a Toeplitz T (143): alpha(A)",
        latex=r"\frac{\partial \operatorname{Tr}(TA)}{\partial T} = \alpha(A)",
        f=lambda A, p: jnp.trace(_toeplitz(p) @ A),
        closed_form=lambda A, p: _at_toeplitz_entries(_alpha(A)),
        wrt="p",
        args={"A": "n n", "p": "2 n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(143),),
        convention=ENTRIES,
        notes="Tr(TA) = Tr(AT): the same derivative; see cookbook.structured.toeplitz_trace_AT.",
    ),
    # (144) symmetric Toeplitz T: alpha + alpha^T - alpha∘I.
    Identity(
        id="cookbook.structured.symmetric_toeplitz_trace_AT",
        title="Derivative of tr(AT) by the n values of a symmetric Toeplitz T (144)",
        latex=r"\frac{\partial \operatorname{Tr}(AT)}{\partial T} = \alpha(A) + \alpha(A)^\top - \alpha(A) \circ I,\quad T_{ij} = t_{|i-j|}",
        f=lambda A, t: jnp.trace(A @ _symmetric_toeplitz(t)),
        closed_form=lambda A, t: _symmetric_rule(_alpha(A))[:, 0],
        wrt="t",
        args={"A": "n n", "t": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(144),),
        convention=ENTRIES,
        notes=(
            "t is the first column of T; the printed (symmetric Toeplitz) matrix is read there: entry d sums "
            "diagonals d and -d of A^T (d > 0), entry 0 is Tr A."
        ),
    ),
    Identity(
        id="cookbook.structured.symmetric_toeplitz_trace_TA",
        title="Derivative of tr(TA) by the n values of a symmetric Toeplitz T (144)",
        latex=r"\frac{\partial \operatorname{Tr}(TA)}{\partial T} = \alpha(A) + \alpha(A)^\top - \alpha(A) \circ I",
        f=lambda A, t: jnp.trace(_symmetric_toeplitz(t) @ A),
        closed_form=lambda A, t: _symmetric_rule(_alpha(A))[:, 0],
        wrt="t",
        args={"A": "n n", "t": "n"},
        kind=Kind.GRADIENT,
        real_analytic=True,
        sources=(cookbook(144),),
        convention=ENTRIES,
        notes="Tr(TA) = Tr(AT): the same derivative; see cookbook.structured.symmetric_toeplitz_trace_AT.",
    ),
)

_P = "cookbook.structured."
_ONLY_ENTRIES = "holds for the derivative by the independent entries only; on symmetric matrices the gradient is sym(G) ("

COVERAGE = (
    Display("133", "convention", (_P + "chain_rule_toeplitz", _P + "symmetric_rule_entries"),
            "structured chain rule: derivative by the independent entries, checked on a Toeplitz and a symmetric argument"),
    Display("134", "definition", (_P + "structure_matrix_symmetric", _P + "structure_matrix_toeplitz"),
            "structure matrix S^ij = dA/dA_ij, checked as the Jacobian of the parametrization (unstructured S^ij = J^ij is (32))"),
    Display("135", "definition", (_P + "chain_rule_composite",),
            "notation for the chain rule; checked on g(U) = sum tanh(U), U = X C X^T"),
    Display("136", "verified", (_P + "chain_rule_entrywise",), "entrywise chain rule on g(U) = sum tanh(U), U = X C X^T"),
    Display("137", "verified", (_P + "chain_rule_trace",), "trace form of the chain rule on the same composite"),
    Display("138", "convention", (_P + "symmetric_rule_entries", _P + "symmetric_rule_sym"),
            _ONLY_ENTRIES + "symmetric_rule_sym)"),
    Display("139", "convention", (_P + "symmetric_trace_AX_entries", _P + "symmetric_trace_AX_sym"),
            _ONLY_ENTRIES + "(A + A^T)/2)"),
    Display("140", "convention", (_P + "symmetric_det_entries", _P + "symmetric_det_sym"),
            _ONLY_ENTRIES + "det(X) X^{-1})"),
    Display("141", "convention", (_P + "symmetric_logdet_entries", _P + "symmetric_logdet_sym"),
            _ONLY_ENTRIES + "X^{-1})"),
    Display("142", "verified", (_P + "diagonal_trace_AX_entries", _P + "diagonal_trace_AX"),
            "A∘I under both conventions: the diagonal entries are the independent ones"),
    Display("143", "convention", (_P + "toeplitz_trace_AT", _P + "toeplitz_trace_TA"),
            "derivative by the 2n - 1 diagonal values of an unconstrained Toeplitz T; alpha(A) = diagonal sums of A^T"),
    Display("144", "convention", (_P + "symmetric_toeplitz_trace_AT", _P + "symmetric_toeplitz_trace_TA"),
            "derivative by the n values of a symmetric Toeplitz T"),
)
