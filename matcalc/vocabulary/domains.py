"""Input domains: where an identity's arguments live, and how to move within them.

Each domain can ``sample`` a seeded, well-conditioned point, give a ``tangent`` that keeps the
point in the domain (finite differences perturb only along those), ``project`` a derivative onto
the domain's tangent space (gradients on structured matrices are compared after projection), and
say whether it ``contains`` an array. ``conditioning`` feeds the tolerance of a check.
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

    def contains(self, x: Array, rtol: float = 1e-6) -> bool:
        x = np.asarray(x)
        return bool(np.all(np.isfinite(x))) and (self.ranks is None or x.ndim in self.ranks)

    def conditioning(self, x: Array) -> float:
        """How much this argument amplifies rounding errors (1 for well-posed entries)."""
        return 1.0


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
    """Square matrices U diag(s) V^T with s in [1, 3]: condition number at most 3, det of either sign."""

    name: ClassVar[str] = "invertible"
    description: ClassVar[str] = f"square, condition number <= {SPECTRUM_HIGH / SPECTRUM_LOW:g}"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True
    max_condition: ClassVar[float] = 1e3  # `contains` accepts well-conditioned user inputs too

    def _sample(self, key, shape, dtype):
        ku, kv, ks = jax.random.split(key, 3)
        n = shape[0]
        u, v = _haar_orthogonal(ku, n, dtype), _haar_orthogonal(kv, n, dtype)
        return (u * _spectrum(ks, n, dtype)) @ v.T

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x)
        return (
            super().contains(x)
            and x.shape[0] == x.shape[1]
            and np.linalg.cond(x.astype(np.float64)) <= self.max_condition
        )

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))


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
    """Symmetric positive definite Q diag(l) Q^T with l in [1, 3]."""

    name: ClassVar[str] = "spd"
    description: ClassVar[str] = f"X = X^T > 0, condition number <= {SPECTRUM_HIGH / SPECTRUM_LOW:g}"

    def _sample(self, key, shape, dtype):
        kq, kl = jax.random.split(key)
        q = _haar_orthogonal(kq, shape[0], dtype)
        return _sym((q * _spectrum(kl, shape[0], dtype)) @ q.T)

    def contains(self, x, rtol=1e-6):
        return super().contains(x, rtol) and bool(np.all(np.linalg.eigvalsh(np.asarray(x, np.float64)) > 0))

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))


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
    description: ClassVar[str] = f"X = X^T, condition number <= {SPECTRUM_HIGH / SPECTRUM_LOW:g}"
    max_condition: ClassVar[float] = 1e3

    def _sample(self, key, shape, dtype):
        kq, kl, ks = jax.random.split(key, 3)
        sign = jnp.where(jax.random.bernoulli(ks, 0.5, shape[:1]), 1, -1).astype(dtype)
        q = _haar_orthogonal(kq, shape[0], dtype)
        return _sym((q * (sign * _spectrum(kl, shape[0], dtype))) @ q.T)

    def contains(self, x, rtol=1e-6):
        return super().contains(x, rtol) and np.linalg.cond(np.asarray(x, np.float64)) <= self.max_condition

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))


@dataclasses.dataclass(frozen=True)
class SymmetricEntries(Domain):
    """The n(n+1)/2 independent entries of a symmetric X, stored as its lower triangle L:
    X = L + tril(L, -1)^T. A gradient by L is the derivative by the independent entries (the
    Matrix Cookbook's structured-matrix convention, its 2.8), not sym(G) on symmetric matrices.
    X is drawn from ``base``; tangents and projected gradients keep the lower triangle."""

    name: ClassVar[str] = "symmetric_entries"
    description: ClassVar[str] = "lower triangle L of X = L + tril(L, -1)^T, X symmetric invertible"
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


@dataclasses.dataclass(frozen=True)
class SPDEntries(SymmetricEntries):
    """The independent entries (lower triangle) of a symmetric positive definite X, cond <= 3."""

    name: ClassVar[str] = "spd_entries"
    description: ClassVar[str] = "lower triangle L of X = L + tril(L, -1)^T, X SPD"
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
    rank when wide (X^T X, resp. X X^T, invertible), condition number at most 3."""

    name: ClassVar[str] = "full_rank"
    description: ClassVar[str] = f"rank min(rows, cols), condition number <= {SPECTRUM_HIGH / SPECTRUM_LOW:g}"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    max_condition: ClassVar[float] = 1e3

    def _sample(self, key, shape, dtype):
        ku, kv, ks = jax.random.split(key, 3)
        r = min(shape)
        u = _haar_orthogonal(ku, shape[0], dtype)[:, :r]
        v = _haar_orthogonal(kv, shape[1], dtype)[:, :r]
        return (u * _spectrum(ks, r, dtype)) @ v.T

    def contains(self, x, rtol=1e-6):
        return super().contains(x) and np.linalg.cond(np.asarray(x, np.float64)) <= self.max_condition

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))


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
    description: ClassVar[str] = "square, real eigenvalues >= 3/4 apart, |eigenvalues| >= 1"

    def _sample(self, key, shape, dtype):
        kv, kl = jax.random.split(key)
        v = Invertible()._sample(kv, shape, dtype)
        return jnp.linalg.solve(v.T, (v * _separated_spectrum(kl, shape[0], dtype)).T).T

    def contains(self, x, rtol=1e-6):
        if not super().contains(x, rtol):
            return False
        x = np.asarray(x, np.float64)
        return _min_gap(np.linalg.eigvals(x)) > rtol * np.linalg.norm(x, 2)


@dataclasses.dataclass(frozen=True)
class SymmetricDistinctEigenvalues(Symmetric):
    """Q diag(l) Q^T with l from ``_separated_spectrum``: eigenvalues at least 3/4 apart, so each
    eigenvalue and (up to sign) each unit eigenvector is a smooth function of X."""

    name: ClassVar[str] = "symmetric_distinct_eigenvalues"
    description: ClassVar[str] = "X = X^T, eigenvalues >= 3/4 apart"

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


@dataclasses.dataclass(frozen=True)
class PositiveDefinitePart(Domain):
    """S + K with S symmetric positive definite (eigenvalues in [1, 3]) and K skew-symmetric
    Gaussian: not symmetric, but x^T A x >= |x|^2, so X^T A X is invertible for every X of full
    column rank."""

    name: ClassVar[str] = "positive_definite_part"
    description: ClassVar[str] = "square, (A + A^T)/2 positive definite, A not symmetric"
    ranks: ClassVar[tuple[int, ...]] = (2,)
    square: ClassVar[bool] = True

    def _sample(self, key, shape, dtype):
        ks, kk = jax.random.split(key)
        g = jax.random.normal(kk, shape, dtype)
        return SPD()._sample(ks, shape, dtype) + (g - g.T) / 2

    def contains(self, x, rtol=1e-6):
        x = np.asarray(x, np.float64)
        return super().contains(x) and x.shape[0] == x.shape[1] and bool(np.all(np.linalg.eigvalsh((x + x.T) / 2) > 0))

    def conditioning(self, x):
        return float(np.linalg.cond(np.asarray(x, np.float64)))


DOMAINS.update({d.name: d for d in (Origin(), FullRank(), DistinctEigenvalues(), SymmetricDistinctEigenvalues(),
                                    PositiveDefinitePart())})
