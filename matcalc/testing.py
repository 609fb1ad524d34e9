"""pytest helpers: each raises ``AssertionError`` carrying the full report when a check fails.

    from matcalc.testing import assert_gradient

    def test_my_gradient():
        assert_gradient(f, my_grad, X)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from matcalc.checker import check
from matcalc.checker.result import CheckResult


def _asserting(checker: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    @functools.wraps(checker)
    def assert_ok(*args, **kwargs) -> CheckResult:
        result = checker(*args, **kwargs)
        if not result.ok:
            raise AssertionError(str(result))
        return result

    assert_ok.__doc__ = f"Like ``{checker.__name__}``, but raise AssertionError with the report on failure."
    return assert_ok


assert_gradient = _asserting(check.check_gradient)
assert_jacobian = _asserting(check.check_jacobian)
assert_hessian = _asserting(check.check_hessian)
assert_differential = _asserting(check.check_differential)
