"""Input domains: where an identity's arguments live, and how to move within them.

Each domain can ``sample`` a seeded, well-conditioned point, give a ``tangent`` that keeps the
point in the domain (finite differences perturb only along those), ``project`` a derivative onto
the domain's tangent space (gradients on structured matrices are compared after projection), and
say whether it ``contains`` an array. ``conditioning`` feeds the tolerance of a check, and
``radius`` says how far a finite difference may step from the point along a direction.

Samples are well conditioned (condition number <= 3); ``contains`` accepts users' points far
beyond, up to ``max_condition`` of their dtype: whether a check at that conditioning can still
tell a 1% error is the tolerance's business (the check says "inconclusive" when it cannot).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

# Sampled singular values / eigenvalues lie in [LOW, HIGH]: condition number at most HIGH / LOW.
SPECTRUM_LOW, SPECTRUM_HIGH = 1.0, 3.0
# A matrix is numerically invertible (SPD, of full rank) while rounding it to its dtype moves its
# inverse by less than 1%: condition number below 1e-2 / eps (4.5e13 in float64, 8.4e4 in float32).
MAX_CONDITION_EPS = 1e-2


def max_condition(dtype) -> float:
    """The largest condition number ``contains`` accepts for a matrix of this (floating) dtype."""
    dtype = np.dtype(dtype) if np.issubdtype(np.dtype(dtype), np.floating) else np.dtype(np.float64)
    return MAX_CONDITION_EPS / float(np.finfo(dtype).eps)


# What the conditioned domains' descriptions say of their limits.
_CONDITION_LIMITS = (f"condition number < {MAX_CONDITION_EPS:g}/eps ({max_condition(np.float64):.1e} in float64, "
                     f"{max_condition(np.float32):.1e} in float32; samples <= {SPECTRUM_HIGH / SPECTRUM_LOW:g})")


def _direction_norms(directions: np.ndarray) -> np.ndarray:
    """Frobenius norm of each direction of a batch (k,) + shape: at least its spectral norm."""
    d = np.asarray(directions, np.float64)
    return np.sqrt(np.sum(d.reshape(len(d), -1) ** 2, axis=1))


def _spectral_radius(distance: float, directions: np.ndarray) -> np.ndarray:
    """How far x moves along each direction before a spectral quantity ``distance`` away from its
    limit can reach it: by Weyl's inequality (and its analogue for singular values) X + tD moves
    each eigenvalue or singular value by at most |t| ||D||_2 <= |t| ||D||_F."""
    norms = _direction_norms(directions)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(norms > 0, max(float(distance), 0.0) / norms, np.inf)


def _entry_radius(distance: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """How far x moves along each direction before an entry at ``distance`` from its limit reaches it."""
    d = np.abs(np.asarray(directions, np.float64)).reshape(len(directions), -1)
    distance = np.broadcast_to(np.maximum(np.asarray(distance, np.float64), 0.0).ravel(), d.shape[1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, distance / np.where(d > 0, d, 1.0), np.inf).min(axis=1, initial=np.inf)


def _smallest_singular_value(x) -> float:
    return float(np.linalg.svd(np.asarray(x, np.float64), compute_uv=False)[-1])


def _sym(a: Array) -> Array:
    return (a + jnp.swapaxes(a, -1, -2)) / 2


def _haar_orthogonal(key: Array, n: int, dtype) -> Array:
    """A Haar-distributed orthogonal n x n matrix (QR of a Gaussian, signs fixed)."""
    q, r = jnp.linalg.qr(jax.random.normal(key, (n, n), dtype))
    return q * jnp.sign(jnp.diagonal(r))


def _spectrum(key: Array, n: int, dtype) -> Array:
    return jax.random.uniform(key, (n,), dtype, SPECTRUM_LOW, SPECTRUM_HIGH)


@dataclasses.dataclass(frozen=True)
class Domain:
    """Unconstrained real arrays of any shape (the default): Gaussian samples."""

    name: ClassVar[str] = "general"
    description: ClassVar[str] = "any real array"
    ranks: ClassVar[tuple[int, ...] | None] = None  # allowed ndims; None: any
    square: ClassVar[bool] = False
    # What a scalar of the domain is, as SymPy assumptions (symbolic checks simplify with them).
    sympy_assumptions: ClassVar[Mapping[str, bool]] = MappingProxyType({"real": True})

    def check_rank(self, ndim: int, spec: str) -> None:
        """Raise if a shape ``spec`` of rank ``ndim`` cannot carry this domain."""
        if self.ranks is not None and ndim not in self.ranks:
            raise ValueError(f"domain {self.name!r} needs an array of rank {self.ranks}, got shape {spec!r}")

    def _check_shape(self, shape: tuple[int, ...]) -> None:
        self.check_rank(len(shape), str(shape))
        if self.square and len(shape) == 2 and shape[0] != shape[1]:
            raise ValueError(f"domain {self.name!r} needs a square matrix, got shape {shape}")

    def sample(self, key: Array, shape: tuple[int, ...], dtype) -> Array:
        self._check_shape(shape)
        return self._sample(key, tuple(shape), dtype)

    def _sample(self, key: Array, shape: tuple[int, ...], dtype) -> Array:
        return jax.random.normal(key, shape, dtype)

    def tangent(self, key: Array, x: Array) -> Array:
        """A random direction that keeps x in the domain to first order."""
        return self.project(jax.random.normal(key, x.shape, x.dtype), x)

    def project(self, g: Array, x: Array) -> Array:
        """Project g (trailing axes shaped like x) onto the tangent space at x."""
        return g

    @property
    def tangent_projects_a_normal(self) -> bool:
        """``tangent`` is ``project`` of a standard normal draw (not overridden): the probes then
        draw the normal on the host (``references.problem.gaussians``) and only project it."""
        return type(self).tangent is Domain.tangent

    @property
    def projects_to_itself(self) -> bool:
        """``project`` is the identity (not overridden): every direction is a tangent."""
        return type(self).project is Domain.project

    def contains(self, x: Array, rtol: float = 1e-6) -> bool:
        x = np.asarray(x)
        return bool(np.all(np.isfinite(x))) and (self.ranks is None or x.ndim in self.ranks)

    def conditioning(self, x: Array) -> float:
        """How much this argument amplifies rounding errors (1 for well-posed entries).

        The general domain measures none, not even for a square matrix: f need not invert it
        (sum(X**2) at a singular X is perfectly conditioned, and cond(X) would make its check
        inconclusive for nothing). What f does with its inputs the checker measures instead, at
        the point, whatever the domain (``checker.tolerance.rounding_noise``)."""
        return 1.0

    def radius(self, x: Array, directions: Array) -> np.ndarray:
        """For each direction d of a batch (k,) + x.shape, how far x + t d may move (|t| < radius)
        and stay inside the domain, where its functions are smooth; inf where nothing is known.
        Finite differences keep their points well inside it."""
        return np.full(len(directions), np.inf)

    def _well_conditioned(self, x: Array) -> bool:
        """Whether the condition number is below ``max_condition`` of x's dtype."""
        return bool(self.conditioning(x) < max_condition(np.asarray(x).dtype))


@dataclasses.dataclass(frozen=True)
class General(Domain):
    pass


@dataclasses.dataclass(frozen=True)
class Positive(Domain):
    """Arrays with entries in [1/2, 2]: for logs, roots and reciprocals."""

    name: ClassVar[str] = "positive"
    description: ClassVar[str] = "entries > 0"
    sympy_assumptions: ClassVar[Mapping[str, bool]] = MappingProxyType({"positive": True})

    def _sample(self, key, shape, dtype):
        return jax.random.uniform(key, shape, dtype, 0.5, 2.0)

    def contains(self, x, rtol=1e-6):
        return super().contains(x) and bool(np.all(np.asarray(x) > 0))

    def radius(self, x, directions):
        return _entry_radius(x, directions)


@dataclasses.dataclass(frozen=True)
class Nonzero(Domain):
    """Arrays with |entries| in [1/2, 2], either sign: for functions singular at 0 such as ln(x^2)."""

    name: ClassVar[str] = "nonzero"
    description: ClassVar[str] = "entries != 0"
    sympy_assumptions: ClassVar[Mapping[str, bool]] = MappingProxyType({"real": True, "nonzero": True})

    def _sample(self, key, shape, dtype):
        k1, k2 = jax.random.split(key)
        sign = jnp.where(jax.random.bernoulli(k2, 0.5, shape), 1, -1).astype(dtype)
        return sign * jax.random.uniform(k1, shape, dtype, 0.5, 2.0)

    def contains(self, x, rtol=1e-6):
        return super().contains(x) and bool(np.all(np.asarray(x) != 0))

    def radius(self, x, directions):
        return _entry_radius(np.abs(x), directions)


@dataclasses.dataclass(frozen=True)
class Small(Domain):
    """Entries in [-0.1, 0.1]: a perturbation that keeps e.g. M + tN invertible when M is."""

    name: ClassVar[str] = "small"
    description: ClassVar[str] = "|entries| <= 0.1"

    def _sample(self, key, shape, dtype):
        return jax.random.uniform(key, shape, dtype, -0.1, 0.1)

    def contains(self, x, rtol=1e-6):
        return super().contains(x) and bool(np.all(np.abs(np.asarray(x)) <= 0.1))


@dataclasses.dataclass(frozen=True)
class Invertible(Domain):
    """Square matrices U diag(s) V^T with s in [1, 3]: condition number at most 3, det of either
    sign. ``contains`` accepts any numerically invertible matrix (``max_condition``)."""

    name: ClassVar[str] = "invertible"
    description: ClassVar[str] = f"square, {_CONDITION_LIMITS}"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        ku, kv, ks = jax.random.split(key, 3)
        n = shape[0]
        u, v = _haar_orthogonal(ku, n, dtype), _haar_orthogonal(kv, n, dtype)
        return (u * _spectrum(ks, n, dtype)) @ v.T

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        return super().contains(x) and x.shape[0] == x.shape[1] and self._well_conditioned(x)

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))

    def radius(self, x, directions):
        """X + tD stays invertible while |t| ||D||_2 < sigma_min(X)."""
        return _spectral_radius(_smallest_singular_value(x), directions)


@dataclasses.dataclass(frozen=True)
class Symmetric(Domain):
    """Symmetric matrices; tangents are symmetric and gradients are compared as sym(G)."""

    name: ClassVar[str] = "symmetric"
    description: ClassVar[str] = "X = X^T"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        return _sym(jax.random.normal(key, shape, dtype))

    def project(self, g, x):
        return _sym(g)

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        return super().contains(x) and x.shape[0] == x.shape[1] and np.allclose(x, x.T, rtol=rtol, atol=0)


@dataclasses.dataclass(frozen=True)
class SPD(Symmetric):
    """Symmetric positive definite Q diag(l) Q^T with l in [1, 3]; ``contains`` accepts any
    numerically positive definite matrix (``max_condition``)."""

    name: ClassVar[str] = "spd"
    description: ClassVar[str] = f"X = X^T > 0, {_CONDITION_LIMITS}"

    def _sample(self, key, shape, dtype):
        kq, kl = jax.random.split(key)
        q = _haar_orthogonal(kq, shape[0], dtype)
        return _sym((q * _spectrum(kl, shape[0], dtype)) @ q.T)

    def contains(self, x, rtol=1e-6):
        return (super().contains(x, rtol) and bool(np.all(np.linalg.eigvalsh(np.asarray(x, np.float64)) > 0))
                and self._well_conditioned(x))

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))

    def radius(self, x, directions):
        """X + tD stays positive definite while |t| ||D||_2 < lambda_min(X)."""
        return _spectral_radius(np.linalg.eigvalsh(np.asarray(x, np.float64))[0], directions)


@dataclasses.dataclass(frozen=True)
class Orthogonal(Domain):
    """Orthogonal matrices Q^T Q = I; tangents Q Omega with Omega skew-symmetric."""

    name: ClassVar[str] = "orthogonal"
    description: ClassVar[str] = "X^T X = I"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        return _haar_orthogonal(key, shape[0], dtype)

    def project(self, g, x):
        qtg = jnp.swapaxes(x, -1, -2) @ g
        return x @ ((qtg - jnp.swapaxes(qtg, -1, -2)) / 2)

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x, np.float64)
        return super().contains(x) and x.shape[0] == x.shape[1] and np.allclose(x.T @ x, np.eye(len(x)), atol=rtol)


@dataclasses.dataclass(frozen=True)
class Diagonal(Domain):
    """Diagonal matrices; tangents and projected gradients keep only the diagonal."""

    name: ClassVar[str] = "diagonal"
    description: ClassVar[str] = "off-diagonal entries are 0"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        return jnp.diag(Nonzero()._sample(key, shape[:1], dtype))

    def project(self, g, x):
        return g * jnp.eye(x.shape[-1], dtype=g.dtype)

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        return super().contains(x) and x.shape[0] == x.shape[1] and not np.any(x - np.diag(np.diag(x)))


DOMAINS: dict[str, Domain] = {
    d.name: d for d in (General(), Positive(), Nonzero(), Small(), Invertible(), Symmetric(), SPD(), Orthogonal(), Diagonal())
}


def resolve_domain(domain: str | Domain) -> Domain:
    """The domain object for a name such as ``"spd"`` (or the object itself)."""
    if isinstance(domain, Domain):
        return domain
    try:
        return DOMAINS[domain]
    except KeyError:
        raise ValueError(f"unknown domain {domain!r}; known: {sorted(DOMAINS)}") from None


@dataclasses.dataclass(frozen=True)
class SymmetricInvertible(Symmetric):
    """Symmetric Q diag(l) Q^T with |l| in [1, 3] of random signs: invertible, indefinite in general."""

    name: ClassVar[str] = "symmetric_invertible"
    description: ClassVar[str] = f"X = X^T, {_CONDITION_LIMITS}"

    def _sample(self, key, shape, dtype):
        kq, kl, ks = jax.random.split(key, 3)
        sign = jnp.where(jax.random.bernoulli(ks, 0.5, shape[:1]), 1, -1).astype(dtype)
        q = _haar_orthogonal(kq, shape[0], dtype)
        return _sym((q * (sign * _spectrum(kl, shape[0], dtype))) @ q.T)

    def contains(self, x, rtol=1e-6):
        return super().contains(x, rtol) and self._well_conditioned(x)

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))

    def radius(self, x, directions):
        """X + tD stays invertible while |t| ||D||_2 < min |lambda(X)|."""
        return _spectral_radius(np.min(np.abs(np.linalg.eigvalsh(np.asarray(x, np.float64)))), directions)


@dataclasses.dataclass(frozen=True)
class SymmetricEntries(Domain):
    """The n(n+1)/2 independent entries of a symmetric X, stored as its lower triangle L:
    X = L + tril(L, -1)^T. A gradient by L is the derivative by the independent entries (the
    Matrix Cookbook's structured-matrix convention, its 2.8), not sym(G) on symmetric matrices.
    X is drawn from ``base``; tangents and projected gradients keep the lower triangle."""

    name: ClassVar[str] = "symmetric_entries"
    description: ClassVar[str] = ("lower triangle L of X = L + tril(L, -1)^T, X symmetric invertible, "
                                  f"{_CONDITION_LIMITS}")
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True
    base: ClassVar[Domain] = SymmetricInvertible()

    def _sample(self, key, shape, dtype):
        return jnp.tril(self.base._sample(key, shape, dtype))

    def project(self, g, x):
        return jnp.tril(g)

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        return (super().contains(x) and x.shape[0] == x.shape[1] and not np.any(np.triu(x, 1))
                and self.base.contains(x + np.tril(x, -1).T, rtol))

    def conditioning(self, x):
        x = np.asarray(x, np.float64)
        return self.base.conditioning(x + np.tril(x, -1).T)

    def radius(self, x, directions):
        """The base domain's radius for X = L + tril(L, -1)^T along D + tril(D, -1)^T."""
        x, d = np.asarray(x, np.float64), np.asarray(directions, np.float64)
        return self.base.radius(x + np.tril(x, -1).T, d + np.swapaxes(np.tril(d, -1), -1, -2))


@dataclasses.dataclass(frozen=True)
class SPDEntries(SymmetricEntries):
    """The independent entries (lower triangle) of a symmetric positive definite X (samples: cond <= 3)."""

    name: ClassVar[str] = "spd_entries"
    description: ClassVar[str] = f"lower triangle L of X = L + tril(L, -1)^T, X SPD, {_CONDITION_LIMITS}"
    base: ClassVar[Domain] = SPD()


DOMAINS.update({d.name: d for d in (SymmetricInvertible(), SymmetricEntries(), SPDEntries())})


@dataclasses.dataclass(frozen=True)
class Origin(Domain):
    """Unconstrained arrays, sampled at the origin: for a derivative taken at 0, such as the
    Cookbook's entrywise sum (47), which is the gradient of T -> det(X + TX) at T = 0."""

    name: ClassVar[str] = "origin"
    description: ClassVar[str] = "any real array, sampled at 0 (a derivative at the origin)"

    def _sample(self, key, shape, dtype):
        return jnp.zeros(shape, dtype)


@dataclasses.dataclass(frozen=True)
class FullRank(Domain):
    """U diag(s) V^T with s in [1, 3], any rectangular shape: full column rank when tall, full row
    rank when wide (X^T X, resp. X X^T, invertible), condition number at most 3 when sampled."""

    name: ClassVar[str] = "full_rank"
    description: ClassVar[str] = f"rank min(rows, cols), {_CONDITION_LIMITS}"
    ranks: ClassVar[tuple[int, ...]] = (2,)

    def _sample(self, key, shape, dtype):
        ku, kv, ks = jax.random.split(key, 3)
        r = min(shape)
        u = _haar_orthogonal(ku, shape[0], dtype)[:, :r]
        v = _haar_orthogonal(kv, shape[1], dtype)[:, :r]
        return (u * _spectrum(ks, r, dtype)) @ v.T

    def contains(self, x, rtol=1e-6):
        return super().contains(x) and self._well_conditioned(x)

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))

    def radius(self, x, directions):
        """X + tD keeps full rank while |t| ||D||_2 < its smallest singular value."""
        return _spectral_radius(_smallest_singular_value(x), directions)


def _separated_spectrum(key: Array, n: int, dtype) -> Array:
    """+-(k + u_k), k = 1..n in random order, u_k in [0, 1/4], random signs: real, |l| >= 1, and
    any two at least 3/4 apart (their magnitudes are)."""
    kp, ku, ks = jax.random.split(key, 3)
    magnitude = jax.random.permutation(kp, jnp.arange(1, n + 1, dtype=dtype)) + jax.random.uniform(ku, (n,), dtype, 0, 0.25)
    return jnp.where(jax.random.bernoulli(ks, 0.5, (n,)), 1, -1).astype(dtype) * magnitude


def _min_gap(eigenvalues: np.ndarray) -> float:
    gaps = np.abs(np.subtract.outer(eigenvalues, eigenvalues))[~np.eye(len(eigenvalues), dtype=bool)]
    return float(gaps.min()) if gaps.size else np.inf


@dataclasses.dataclass(frozen=True)
class DistinctEigenvalues(Invertible):
    """V diag(l) V^{-1}, V with condition number <= 3, l from ``_separated_spectrum``: not symmetric,
    real eigenvalues at least 3/4 apart and away from 0, so each eigenvalue is a smooth function of X."""

    name: ClassVar[str] = "distinct_eigenvalues"
    description: ClassVar[str] = ("square, real distinct eigenvalues (smallest gap > 1e-6 ||X||_2; samples: >= 3/4 "
                                  f"apart, |eigenvalues| >= 1), {_CONDITION_LIMITS}")

    def _sample(self, key, shape, dtype):
        kv, kl = jax.random.split(key)
        v = Invertible()._sample(kv, shape, dtype)
        return jnp.linalg.solve(v.T, (v * _separated_spectrum(kl, shape[0], dtype)).T).T

    def contains(self, x, rtol=1e-6):
        if not super().contains(x, rtol):
            return False
        x = np.asarray(x, np.float64)
        return _min_gap(np.linalg.eigvals(x)) > rtol * np.linalg.norm(x, 2)

    def radius(self, x, directions):
        """Invertible, and the eigenvalues stay apart: by Bauer-Fike each moves by at most
        cond(V) |t| ||D||_2 (V the eigenvectors), so less than half the smallest gap."""
        x = np.asarray(x, np.float64)
        eigenvalues, vectors = np.linalg.eig(x)
        apart = _min_gap(eigenvalues) / (2 * np.linalg.cond(vectors))
        return np.minimum(super().radius(x, directions), _spectral_radius(apart, directions))


@dataclasses.dataclass(frozen=True)
class SymmetricDistinctEigenvalues(Symmetric):
    """Q diag(l) Q^T with l from ``_separated_spectrum``: eigenvalues at least 3/4 apart, so each
    eigenvalue and (up to sign) each unit eigenvector is a smooth function of X."""

    name: ClassVar[str] = "symmetric_distinct_eigenvalues"
    description: ClassVar[str] = "X = X^T, ||X||_2 / smallest eigenvalue gap < 1e6 (samples: eigenvalues >= 3/4 apart)"

    def _sample(self, key, shape, dtype):
        kq, kl = jax.random.split(key)
        q = _haar_orthogonal(kq, shape[0], dtype)
        return _sym((q * _separated_spectrum(kl, shape[0], dtype)) @ q.T)

    def contains(self, x, rtol=1e-6):
        return super().contains(x, rtol) and self.conditioning(x) < 1 / rtol

    def conditioning(self, x):
        """Eigenvectors move by |dX| / gap: the spectral norm over the smallest gap."""
        x = np.asarray(x, np.float64)
        return max(1.0, float(np.linalg.norm(x, 2)) / _min_gap(np.linalg.eigvalsh(x)))

    def radius(self, x, directions):
        """The eigenvalues stay apart while each moves (Weyl) less than half the smallest gap."""
        return _spectral_radius(_min_gap(np.linalg.eigvalsh(np.asarray(x, np.float64))) / 2, directions)


@dataclasses.dataclass(frozen=True)
class PositiveDefinitePart(Domain):
    """S + K with S symmetric positive definite (eigenvalues in [1, 3]) and K skew-symmetric
    Gaussian: not symmetric, but x^T A x >= |x|^2, so X^T A X is invertible for every X of full
    column rank."""

    name: ClassVar[str] = "positive_definite_part"
    description: ClassVar[str] = f"square, (A + A^T)/2 positive definite, A not symmetric, {_CONDITION_LIMITS}"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        ks, kk = jax.random.split(key)
        g = jax.random.normal(kk, shape, dtype)
        return SPD()._sample(ks, shape, dtype) + (g - g.T) / 2

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        if not (super().contains(x) and x.shape[0] == x.shape[1]):
            return False
        return bool(np.all(np.linalg.eigvalsh((x + x.T).astype(np.float64) / 2) > 0)) and self._well_conditioned(x)

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))

    def radius(self, x, directions):
        """(X + tD) keeps a positive definite symmetric part while |t| ||D||_2 < lambda_min((X + X^T)/2)."""
        x = np.asarray(x, np.float64)
        return _spectral_radius(np.linalg.eigvalsh((x + x.T) / 2)[0], directions)


DOMAINS.update({d.name: d for d in (Origin(), FullRank(), DistinctEigenvalues(), SymmetricDistinctEigenvalues(),
                                    PositiveDefinitePart())})


# -- determinants at any size -------------------------------------------------------------------
# Singular values drawn in [1, 3] give |det X| = prod(s) ~ e^{0.65 n}: 1e144 at n = 512, past the
# float64 range near n = 1100, and det(AXB), det(X)^3 or det(X)^-2 leave it already at n = 512 (so
# does a complex step's Im f ~ 1e-20 det X near 1e-300). The ``*_bounded_det`` domains draw from
# their base domain and multiply the sample by one positive factor, so that |det X| (for a
# rectangular X: the product of its min(rows, cols) singular values) lies in [DET_LOW, DET_HIGH] at
# every size. A common positive factor changes no condition number, eigenvalue gap relative to
# the norm, sign or symmetry: what the base domain promises still holds, at another scale. The
# range keeps det X away from 1, so that a closed form missing a factor det X still fails.
DET_LOW, DET_HIGH = 2.0, 4.0
_BOUNDED_DET = f"; samples then scaled by one positive factor so that |det| is in [{DET_LOW:g}, {DET_HIGH:g}] at every size"


def _log_volume(x: Array) -> Array:
    """ln of the product of x's min(rows, cols) singular values (ln |det x| for square x)."""
    rows, cols = x.shape
    if rows == cols:
        return jnp.linalg.slogdet(x)[1]
    gram = x.T @ x if rows > cols else x @ x.T
    return jnp.linalg.slogdet(gram)[1] / 2


class _BoundedDeterminant:
    """Mixin before a matrix domain: its sample, times the positive factor that puts the product
    of its singular values at a random value in [DET_LOW, DET_HIGH]."""

    def _sample(self, key, shape, dtype):
        kx, kd = jax.random.split(key)
        x = super()._sample(kx, shape, dtype)
        target = jax.random.uniform(kd, (), dtype, np.log(DET_LOW), np.log(DET_HIGH))
        return x * jnp.exp((target - _log_volume(x)) / min(shape)).astype(x.dtype)


@dataclasses.dataclass(frozen=True)
class InvertibleBoundedDet(_BoundedDeterminant, Invertible):
    name: ClassVar[str] = "invertible_bounded_det"
    description: ClassVar[str] = Invertible.description + _BOUNDED_DET


@dataclasses.dataclass(frozen=True)
class FullRankBoundedDet(_BoundedDeterminant, FullRank):
    name: ClassVar[str] = "full_rank_bounded_det"
    description: ClassVar[str] = FullRank.description + _BOUNDED_DET.replace("|det|", "the product of the singular values")


@dataclasses.dataclass(frozen=True)
class SPDBoundedDet(_BoundedDeterminant, SPD):
    name: ClassVar[str] = "spd_bounded_det"
    description: ClassVar[str] = SPD.description + _BOUNDED_DET


@dataclasses.dataclass(frozen=True)
class PositiveDefinitePartBoundedDet(_BoundedDeterminant, PositiveDefinitePart):
    name: ClassVar[str] = "positive_definite_part_bounded_det"
    description: ClassVar[str] = PositiveDefinitePart.description + _BOUNDED_DET


@dataclasses.dataclass(frozen=True)
class DistinctEigenvaluesBoundedDet(_BoundedDeterminant, DistinctEigenvalues):
    name: ClassVar[str] = "distinct_eigenvalues_bounded_det"
    description: ClassVar[str] = DistinctEigenvalues.description + _BOUNDED_DET


DOMAINS.update({d.name: d for d in (InvertibleBoundedDet(), FullRankBoundedDet(), SPDBoundedDet(),
                                    PositiveDefinitePartBoundedDet(), DistinctEigenvaluesBoundedDet())})


def _leading_margin(vectors: np.ndarray) -> float:
    """Over the columns, the least lead of the largest |entry| over the second largest."""
    top = np.sort(np.abs(np.asarray(vectors, np.float64)), axis=0)
    return float(np.min(top[-1] - top[-2])) if len(top) > 1 else 1.0


@dataclasses.dataclass(frozen=True)
class SymmetricLeadingEntry(SymmetricDistinctEigenvalues):
    """Q diag(l) Q^T with l from ``_separated_spectrum`` and Q = P (I + S)^{-1} (I - S): S skew with
    ||S||_2 = 1/8 and P a random permutation, so ||P^T Q - I||_2 <= 2 ||S||_2 = 1/4 and every unit
    eigenvector has one entry of magnitude >= 3/4, the others <= 1/4. A sign convention such as
    "largest-magnitude entry positive" is then constant near X. (For Haar eigenvectors at n = 512
    the two largest entries of some column are ~1e-6 apart, and a step of 1e-5 along a tangent
    swaps them: the convention flips a column, and a finite difference measures the jump.)"""

    name: ClassVar[str] = "symmetric_leading_entry"
    description: ClassVar[str] = ("X = X^T, eigenvalues apart (as symmetric_distinct_eigenvalues), each unit "
                                  "eigenvector's largest |entry| unique (samples: >= 3/4, the others <= 1/4)")
    margin: ClassVar[float] = 0.5  # sampled: |lead| - |second| >= 3/4 - 1/4

    def _sample(self, key, shape, dtype):
        kq, kl, kp = jax.random.split(key, 3)
        n = shape[0]
        g = jax.random.normal(kq, shape, dtype)
        s = (g - g.T) / 2
        norm = jnp.linalg.norm(s, 2) if n > 1 else jnp.ones((), dtype)
        s = s / (8 * jnp.maximum(norm, jnp.finfo(dtype).tiny))
        eye = jnp.eye(n, dtype=dtype)
        q = jnp.linalg.solve(eye + s, eye - s)[jax.random.permutation(kp, n)]  # Cayley, then rows permuted
        return _sym((q * _separated_spectrum(kl, n, dtype)) @ q.T)

    def contains(self, x, rtol=1e-6):
        return super().contains(x, rtol) and _leading_margin(np.linalg.eigh(np.asarray(x, np.float64))[1]) > rtol

    def radius(self, x, directions):
        """Also keep each eigenvector's largest entry the largest: by Davis-Kahan a unit eigenvector
        moves by at most 2 sqrt(2) |t| ||D||_2 / gap while |t| ||D||_2 < gap / 2, so less than half
        its lead while |t| ||D||_2 < lead * gap / (4 sqrt(2))."""
        x = np.asarray(x, np.float64)
        values, vectors = np.linalg.eigh(x)
        lead = _leading_margin(vectors) * _min_gap(values) / (4 * np.sqrt(2))
        return np.minimum(super().radius(x, directions), _spectral_radius(lead, directions))


DOMAINS.update({d.name: d for d in (SymmetricLeadingEntry(),)})
