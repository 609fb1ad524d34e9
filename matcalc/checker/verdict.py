"""From comparisons to a verdict: errors against scales the problem sets, references that abstain,
and the rule that a pass needs an autodiff and an AD-independent reference to agree.

Every error is ``||candidate - reference||`` over a scale. The scale is the reference's norm, raised
to the rounding level of what was computed when that is larger:

- a sum that cancels (a directional derivative <grad f, v>, the inner products of the vjp test) is
  known to about eps times its terms, not to eps times its value;
- a derivative that is zero (a constant function, Cookbook (126) with square X) comes out of autodiff
  as rounding noise of about eps |f| / |x|: when every reference, the float64 finite difference
  included, says "zero at that level", the truth is taken to be zero.

Rounding-level scales only ever admit an absolute error of a few eps times the terms, so they never
let a relative error of the tolerance's size through where the value itself is resolved.

A reference abstains (is *inconclusive*) when it cannot tell a 1% error from its own: a finite
difference whose error estimate is that large (its step crosses a singularity, or round-off
dominates), or every reference when the conditioning at the point pushes the tolerance that high.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

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
            zero_scale: float, independent: Sequence[str]) -> Measured:
    """Each reference's relative error and tolerance, and which references abstain."""
    norms = {n: norm(c.reference) for n, c in comparisons.items()}
    estimates = {n: norm(c.error) for n, c in comparisons.items()}
    zero_level = ZERO_FACTOR * eps * zero_scale
    zero_truth = zero_level > 0 and all(
        norms[n] <= max(zero_level, FD_SAFETY * estimates[n]) for n in comparisons) and any(
        n in independent for n in comparisons)
    errors, tolerances, inconclusive = {}, {}, {}
    for name, c in comparisons.items():
        rounding = ROUNDING_FACTOR * eps * max(terms, norm(c.scale)) + (zero_level if zero_truth else 0.0)
        denominator = norms[name] + rounding / tol
        diff = norm(np.asarray(c.candidate, np.float64) - np.asarray(c.reference, np.float64))
        errors[name] = 0.0 if diff <= atol else diff / denominator if denominator > 0 else float("inf")
        tolerances[name] = max(tol, FD_SAFETY * estimates[name] / denominator if denominator > 0 else 0.0)
        if tolerances[name] > TOL_CAP:
            inconclusive[name] = (f"its own error estimate ({estimates[name] / max(denominator, 1e-300):.1e} relative) "
                                  "cannot tell a 1% error from its own here: a step crosses a singularity or "
                                  "round-off dominates")
    return Measured(errors, tolerances, inconclusive, zero_truth)


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
