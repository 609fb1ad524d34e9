"""pytest helpers: each raises ``AssertionError`` carrying the full report when a check fails.

    from matcalc.testing import assert_gradient

    def test_my_gradient():
        assert_gradient(f, my_grad, X)

pytest shows the report and the test's own line, not matcalc's frames (``__tracebackhide__``).
When the function or derivative under check raises, its traceback starts at the user's code; an
``InputError`` (bad input) comes with its message alone. The ``matcalc`` pytest plugin
(:mod:`matcalc.frontends.pytest_plugin`) builds on these.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from matcalc.checker import check
from matcalc.checker.errors import InputError
from matcalc.checker.result import CheckResult
from matcalc.frontends.tracebacks import user_traceback


def checked(checker: Callable[..., CheckResult], *args, **kwargs) -> CheckResult:
    """``checker(*args, **kwargs)``, raising AssertionError with the report when it fails."""
    __tracebackhide__ = True
    try:
        result = checker(*args, **kwargs)
    except InputError as err:
        raise err.with_traceback(None)  # the message says it all; matcalc's frames would not
    except Exception as err:
        tb = user_traceback(err.__traceback__)
        if tb is None:  # not raised in the user's code: keep everything, it may be matcalc's bug
            raise
        raise err.with_traceback(tb)
    if not result.ok:
        raise AssertionError(str(result))
    return result


def _asserting(checker: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    @functools.wraps(checker)
    def assert_ok(*args, **kwargs) -> CheckResult:
        __tracebackhide__ = True
        return checked(checker, *args, **kwargs)

    assert_ok.__doc__ = f"Like ``{checker.__name__}``, but raise AssertionError with the report on failure."
    return assert_ok


assert_gradient = _asserting(check.check_gradient)
assert_jacobian = _asserting(check.check_jacobian)
assert_hessian = _asserting(check.check_hessian)
assert_differential = _asserting(check.check_differential)
