"""Shared fixtures: the run context's scopes, so no test writes its own x64 switch. And the
persistent compilation cache, as the CLI has it (``MATCALC_NO_CACHE=1`` turns it off)."""

import pytest

from matcalc import RunContext
from matcalc.frontends.cache import enable_compilation_cache


def pytest_configure(config):
    enable_compilation_cache()  # before the first compilation, in each xdist worker
    # xdist workers share the cache, and JAX writes an entry non-atomically: a worker may read one
    # half-written. JAX then warns and compiles instead, which is right; keep that from failing a test.
    config.addinivalue_line("filterwarnings", "default:Error reading persistent compilation cache:UserWarning")


@pytest.fixture
def x64():
    """float64 for the test's duration: JAX's x64 mode on, scoped exactly as a matcalc run scopes it."""
    with RunContext("float64").scope() as context:
        yield context


@pytest.fixture
def x32():
    """float32 for the test's duration (x64 off, whatever the process default)."""
    with RunContext("float32").scope() as context:
        yield context
