"""``check_rules``: check f's own autodiff (its custom_jvp / custom_vjp rules, or JAX's rules)
against the references that do not use autodiff: finite differences and the complex step.

The candidate is f's derivative as JAX computes it, in each mode that applies: reverse
(``jax.jacrev``, what ``jax.grad`` and ``jax.vjp`` use) and forward (``jax.jacfwd``, what ``jax.jvp``
uses; not through a custom_vjp). It is the job of ``jax.test_util.check_grads``, PyTorch's
``gradcheck`` and ChainRulesTestUtils' ``test_rrule``, with matcalc's diagnosis of what is wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax

from matcalc.checker.check import check_gradient, check_jacobian
from matcalc.checker.complexes import autodiff_derivative
from matcalc.checker.result import CheckResult
from matcalc.references.problem import Problem
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.kinds import Kind


@dataclasses.dataclass(frozen=True)
class RulesResult:
    """One check per mode; a mode that cannot apply is listed in ``skipped`` with the reason."""

    results: dict[str, CheckResult]
    skipped: dict[str, str]

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(self.results.values())

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"{'PASS' if self.ok else 'FAIL'} f's derivative rules, against references independent of autodiff"]
        for mode, result in self.results.items():
            lines.append(f"-- {mode} mode --")
            lines.append(str(result))
        for mode, why in self.skipped.items():
            lines.append(f"-- {mode} mode: skipped ({why})")
        return "\n".join(lines)


def check_rules(f: Callable, *args, argnum: int = 0, domain="general", complex_step: bool = False,
                holomorphic: bool = False, rtol: float | None = None, seed: int = 0) -> RulesResult:
    """Check the derivative JAX computes for ``f`` (its custom rules, if any) at ``args``.

    ``complex_step=True`` adds the complex-step reference: only for an f whose implementation
    extends analytically to complex inputs. Complex arguments or values are checked as the check_*
    functions do (JAX's convention; ``holomorphic=True`` for df/dz of a holomorphic f).
    """
    references = ["fd", "complex_step"] if complex_step else ["fd"]
    # Traced in the checks' own x64 scope, never outside one (see RunContext.run).
    scope = RunContext.for_arrays([a for a in args if hasattr(a, "dtype") or isinstance(a, float)])
    scalar = scope.run(lambda: jax.eval_shape(lambda *a: f(*a), *args).shape == ())
    check = check_gradient if scalar else check_jacobian
    forward_ok = scope.run(lambda: Kind.GRADIENT.supports_forward(
        Problem(lambda *a: f(*a), tuple(args), Kind.GRADIENT, (argnum,), (), None)))
    results, skipped = {}, {}
    for mode, transform in (("reverse", jax.jacrev), ("forward", jax.jacfwd)):
        if mode == "forward" and not forward_ok:
            skipped[mode] = "f has a custom_vjp rule, which JAX cannot push tangents through"
            continue
        derivative = scope.run(lambda: autodiff_derivative(f, argnum, transform, tuple(args), holomorphic))
        derivative.__name__ = f"jax.{transform.__name__}(f)"
        result = check(f, derivative, *args, argnum=argnum, domain=domain, rtol=rtol, seed=seed,
                       references=references, **({"holomorphic": True} if holomorphic else {}))
        if not result.ok and not (result.diagnosis or "").startswith("inconclusive"):
            worst = max(result.errors.values())
            result = dataclasses.replace(result, worst=None, diagnosis=(
                f"f's {mode}-mode derivative disagrees with {' and '.join(references)} (relative error {worst:.2e}): "
                "its derivative rule (a custom_jvp/custom_vjp, or an operation JAX differentiates "
                "differently) is wrong here, or f is not differentiable at this point"))
        results[mode] = result
    return RulesResult(results, skipped)
