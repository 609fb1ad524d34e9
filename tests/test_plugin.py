"""The pytest plugin: the `matcalc` fixture, its options, the records marker, and what a failure shows."""

import re
from pathlib import Path

import pytest

import matcalc

pytest_plugins = ["pytester"]

USER_TESTS = '''
import numpy as np, jax, jax.numpy as jnp, pytest
from matcalc.testing import assert_gradient

A = np.arange(1.0, 7.0).reshape(2, 3)
B = np.arange(-3.0, 5.0).reshape(4, 2)
X = np.linspace(-1.0, 1.0, 12).reshape(3, 4)

def f(X):
    return jnp.trace(A @ X @ B)

def test_right(matcalc):
    matcalc.gradient(f, lambda X: A.T @ B.T, X)

def test_transposed(matcalc):
    matcalc.gradient(f, lambda X: B @ A, X)

def test_negated_with_the_helper():
    assert_gradient(f, lambda X: -A.T @ B.T, X)

def helper(X):
    raise ValueError("my own bug")

def test_derivative_raises(matcalc):
    matcalc.gradient(f, helper, X)

def test_bad_input(matcalc):
    matcalc.gradient(f, lambda X: A.T @ B.T, X, argnum=3)
'''


def test_the_plugin_is_installed(request):
    assert request.config.pluginmanager.has_plugin("matcalc"), "reinstall: pip install -e '.[test]'"


def test_failures_show_the_report_and_the_users_code_not_matcalcs(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=4)
    out = result.stdout.str()
    result.stdout.fnmatch_lines([
        "*matcalc.gradient(f, lambda X: B @ A, X)",
        "E * FAIL <lambda> (gradient, layout 'jax', expected shape (3, 4), got (4, 3))",
        "E * diagnosis: *transposed*",
    ])
    assert "diagnosis: negated" in out and "worst entry" in out
    # The user's raising line is shown; an InputError is its message alone.
    result.stdout.fnmatch_lines(['>       raise ValueError("my own bug")', "E       ValueError: my own bug"])
    assert "InputError: argnum=3 but only 1 arguments were given" in out
    for internal in ("matcalc/checker", "matcalc/testing.py", "pytest_plugin.py", "__tracebackhide__", "Array("):
        assert internal not in out


def test_options_set_dtype_seeds_and_device(pytester):
    pytester.makepyfile(test_options='''
import jax, numpy as np, jax.numpy as jnp

def test_dtype_seeds_device(matcalc):
    devices = []
    def f(x):
        devices.append(jax.config.jax_default_device)
        return jnp.sum(x ** 3)
    result = matcalc.gradient(f, lambda x: 3 * x ** 2, np.linspace(0.5, 1.5, 5))
    assert (result.dtype, result.seed, result.device) == ("float32", 2, "cpu")
    assert devices and all(getattr(d, "platform", d) == "cpu" for d in devices)
''')
    pytester.runpytest("--matcalc-dtype", "float32", "--matcalc-seeds", "3", "--matcalc-device", "cpu"
                       ).assert_outcomes(passed=1)
    result = pytester.runpytest("--matcalc-seeds", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--matcalc-seeds*at least 1*"])


def test_the_records_marker_parametrizes_over_the_catalog(pytester):
    pytester.makepyfile(test_records='''
import re
from pathlib import Path

import pytest

import matcalc

@pytest.mark.matcalc_records("scalar_by_matrix.trace_AXB", "differential.trace")
def test_catalog(matcalc, matcalc_record):
    matcalc.verify(matcalc_record)

@pytest.mark.matcalc_records("scalar_by_matrix")
def test_ids(matcalc_record):
    assert matcalc_record.id.startswith("scalar_by_matrix.")
''')
    result = pytester.runpytest("-v")
    result.stdout.fnmatch_lines(["*test_catalog?scalar_by_matrix.trace_AXB? PASSED*",
                                 "*test_catalog?differential.trace? PASSED*"])
    assert result.parseoutcomes()["passed"] > 5


def test_the_records_marker_refuses_unknown_families_and_missing_arguments(pytester):
    pytester.makepyfile(test_bad_family='''
import re
from pathlib import Path

import pytest

import matcalc

@pytest.mark.matcalc_records("scalar_by_matrx")
def test_catalog(matcalc_record):
    pass
''', test_no_argument='''
import re
from pathlib import Path

import pytest

import matcalc

@pytest.mark.matcalc_records("scalar_by_matrix")
def test_catalog():
    pass
''', test_no_marker='''
def test_catalog(matcalc_record):
    pass
''')
    result = pytester.runpytest("--continue-on-collection-errors")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*no identity 'scalar_by_matrx'*",
                                 "*marked matcalc_records but takes no `matcalc_record` argument*",
                                 "*`matcalc_record` comes from @pytest.mark.matcalc_records*"], consecutive=False)


def test_the_readme_example_runs_as_written(pytester):
    """The README's pytest example, copied from the README, passes under the plugin."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n# test_mygrads.py\n(.*?)```", readme, flags=re.S).group(1)
    pytester.makepyfile(test_mygrads=example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1 + len(
        [r for r in matcalc.catalog() if r.id.startswith("scalar_by_matrix.")]))
