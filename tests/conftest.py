"""Shared fixtures: the run context's scopes, so no test writes its own x64 switch."""

import pytest

from matcalc import RunContext


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
