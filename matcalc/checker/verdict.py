"""From comparisons to a verdict: errors against scales the problem sets, references that abstain,
and the rule that a pass needs an autodiff and an AD-independent reference to agree.

Every error is ``||candidate - reference||`` over a scale. The scale is the reference's norm, raised
to the rounding level of what was computed when that is larger:

- a sum that cancels (a directional derivative <grad f, v>, the inner products of the vjp test) is
  known to about eps times its terms, not to eps times its value;
- a derivative that is zero (a constant function, Cookbook (126) with square X) comes out of autodiff
  as rounding noise of about eps |f| / |x|: when every reference, the float64 finite difference
  included, says "zero at that level" (or at the level of its own error), the truth is taken to be
  zero.

Rounding-level scales only ever admit an absolute error of a few eps times the terms, so they never
let a relative error of the tolerance's size through where the value itself is resolved.

Every reference is trusted to ``FD_SAFETY`` times its own error: a finite difference's estimate,
and for autodiff its rounding noise, measured at the point (``tolerance.rounding_noise``: the
references run again a few ulps away). Measuring costs three runs of the check's compiled program,
so it is done only where it could change the verdict: an autodiff reference fails by less than
``TOL_CAP``, or every autodiff result is small enough to be noise around a zero truth. Autodiff
noise of Cookbook (126) at a Gaussian X (3e-11, against eps |f| / |x| = 6e-14) is then the level at
which the truth is zero; a candidate off by more than ten times the noise still fails.

A reference abstains (is *inconclusive*) when it cannot tell a 1% error from its own: a finite
difference whose error estimate is that large (its step crosses a singularity, or round-off
dominates), an autodiff reference whose measured noise is, or every reference when the
conditioning at the point pushes the tolerance that high.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from matcalc.checker.tolerance import FD_SAFETY
from matcalc.references.problem import Comparison, norm

ROUNDING_FACTOR = 10.0  # an error within this many eps of the terms is rounding
ZERO_FACTOR = 1e3  # a derivative within this many eps of |f| / |x| is zero at rounding level
# The largest tolerance a reference may use: it still rejects a 1% error (a factor of 2, or 1.05, always).
TOL_CAP = 1e-2


@dataclasses.dataclass(frozen=True)
class Measured:
    errors: dict[str, float]
    tolerances: dict[str, float]
    inconclusive: dict[str, str]  # reference -> why it abstained
    zero_truth: bool = False


def measure(comparisons: Mapping[str, Comparison], *, tol: float, atol: float, eps: float, terms: float,
            zero_scale: float, independent: Sequence[str],
            noise: Callable[[], Mapping[str, float]] | None = None) -> Measured:
    """Each reference's relative error and tolerance, and which references abstain.

    ``noise`` measures the autodiff references' rounding noise at the point (name -> absolute
    error; see ``tolerance.rounding_noise``); it is called only when it could change the verdict.
    """
    first = _measured(comparisons, tol=tol, atol=atol, eps=eps, terms=terms, zero_scale=zero_scale,
                      independent=independent, noise={})
    if noise is None or not _noise_could_matter(first, comparisons, tol=tol, eps=eps, terms=terms,
                                                zero_scale=zero_scale, independent=independent):
        return first
    return _measured(comparisons, tol=tol, atol=atol, eps=eps, terms=terms, zero_scale=zero_scale,
                     independent=independent, noise=noise())


def _noise_could_matter(first: Measured, comparisons: Mapping[str, Comparison], *, tol: float, eps: float,
                        terms: float, zero_scale: float, independent: Sequence[str]) -> bool:
    """Whether an autodiff reference fails where its own noise could explain it.

    The noise can only ever make a reference pass with a tolerance up to ``TOL_CAP``: a failing
    error above it stays a failure, unless the truth is zero at the noise's level. For that, every
    autodiff result must be within ``FD_SAFETY`` times its noise, which itself is at most ``TOL_CAP``
    times the denominator it would be measured against (the zero level over the tolerance).
    """
    autodiff = [n for n in comparisons if n not in independent and n not in first.inconclusive]
    failing = [n for n in autodiff if not first.errors[n] <= first.tolerances[n]]
    if not failing:
        return False
    if any(first.errors[n] <= TOL_CAP for n in failing):
        return True
    level = ZERO_FACTOR * eps * zero_scale + ROUNDING_FACTOR * eps * max(
        [terms] + [norm(comparisons[n].scale) for n in autodiff])
    return all(norm(comparisons[n].reference) <= 2 * TOL_CAP * level / tol for n in autodiff)


def _measured(comparisons: Mapping[str, Comparison], *, tol: float, atol: float, eps: float, terms: float,
              zero_scale: float, independent: Sequence[str], noise: Mapping[str, float]) -> Measured:
    norms = {n: norm(c.reference) for n, c in comparisons.items()}
    # A reference's own error: its estimate (NaN, from points where f is not finite: unbounded), or
    # for autodiff the rounding noise measured at the point.
    estimates = {n: max(_unbounded_if_nan(norm(c.error)), noise.get(n, 0.0)) for n, c in comparisons.items()}
    zero_level = ZERO_FACTOR * eps * zero_scale
    # |f| / |x| is only a heuristic scale: near x = 0 (a point on the 'origin' domain, or a small x
    # where f is not small) it is huge, and would call any derivative zero. So a zero truth also needs
    # an AD-independent reference that cannot tell its own value from zero (within FD_SAFETY times
    # its error estimate): a finite difference that resolves a nonzero slope vetoes it.
    zero_truth = zero_level > 0 and all(
        norms[n] <= max(zero_level, FD_SAFETY * estimates[n]) for n in comparisons) and any(
        n in independent and norms[n] <= FD_SAFETY * estimates[n] for n in comparisons)
    errors, tolerances, inconclusive = {}, {}, {}
    for name, c in comparisons.items():
        rounding = ROUNDING_FACTOR * eps * max(terms, norm(c.scale)) + (zero_level if zero_truth else 0.0)
        denominator = norms[name] + rounding / tol
        diff = norm(np.asarray(c.candidate, np.float64) - np.asarray(c.reference, np.float64))
        errors[name] = 0.0 if diff <= atol else diff / denominator if denominator > 0 else float("inf")
        # An estimate over a zero denominator (a reference of exactly 0, nothing to scale by) is
        # an unbounded relative error: that reference abstains, it does not vote with the bare tol.
        own = estimates[name] / denominator if denominator > 0 else (float("inf") if estimates[name] > 0 else 0.0)
        tolerances[name] = max(tol, FD_SAFETY * own)
        if tolerances[name] > TOL_CAP:
            relative = estimates[name] / max(denominator, 1e-300)
            inconclusive[name] = (
                f"its rounding noise at this point ({relative:.1e} relative, measured a few ulps away) cannot tell "
                "a 1% error from its own: the derivative is ill-conditioned here" if name in noise and name not in
                independent else
                f"its own error estimate ({relative:.1e} relative) cannot tell a 1% error from its own here: a "
                "step crosses a singularity or round-off dominates")
    return Measured(errors, tolerances, inconclusive, zero_truth)


def _unbounded_if_nan(value: float) -> float:
    return float("inf") if np.isnan(value) else value


def decide(names: Sequence[str], measured: Measured, independent: Sequence[str],
           requested: Sequence[str]) -> tuple[bool, str | None]:
    """(ok, why not) for the references that ran.

    A pass needs no failing reference, and at least one conclusive passing reference in each family
    that was asked for: autodiff and AD-independent (fd, complex step). A check every reference of a
    family abstained from is inconclusive, never a pass.
    """
    conclusive = [n for n in names if n not in measured.inconclusive]
    failing = [n for n in conclusive if not measured.errors[n] <= measured.tolerances[n]]
    if failing:
        return False, None
    for family, members in (("autodiff", [n for n in requested if n not in independent]),
                            ("AD-independent", [n for n in requested if n in independent])):
        if members and not any(n in conclusive for n in members):
            reasons = "; ".join(f"{n}: {measured.inconclusive.get(n, 'skipped')}" for n in members)
            return False, f"inconclusive: no {family} reference could vote ({reasons})"
    return True, None


def rule_suspect(names: Sequence[str], measured: Measured, independent: Sequence[str]) -> str | None:
    """When autodiff fails while the AD-independent references agree with the candidate, the
    suspect is f's own derivative rule (a custom_jvp or custom_vjp), not the candidate."""
    conclusive = [n for n in names if n not in measured.inconclusive]
    failing = [n for n in conclusive if not measured.errors[n] <= measured.tolerances[n]]
    agreeing = [n for n in conclusive if n in independent and measured.errors[n] <= measured.tolerances[n]]
    # Autodiff is shown to disagree with the agreeing references only when it misses the candidate by
    # well over their own tolerance: a candidate off by 6e-8 (float32 arithmetic) fails autodiff's 1e-10
    # while fd, resolving 2e-8 along three random directions, cannot tell the two apart. (The margin
    # covers the difference between fd's probe measure and autodiff's full one.)
    resolved = FD_SAFETY * max((measured.tolerances[n] for n in agreeing), default=0.0)
    if failing and agreeing and all(n not in independent and measured.errors[n] > resolved for n in failing):
        return (f"f's derivative rule looks wrong: the candidate agrees with {', '.join(agreeing)} "
                f"(independent of autodiff), but {', '.join(failing)} disagree; check f's custom_jvp/custom_vjp "
                "rules with matcalc.check_rules(f, *args)")
    return None
