"""The ``matcalc`` pytest plugin (entry point ``pytest11``), loaded wherever matcalc is installed.

    def test_my_gradient(matcalc):                  # the fixture; a failure's message is the report
        matcalc.gradient(f, my_grad, X)

    @pytest.mark.matcalc_records("scalar_by_matrix")
    def test_catalog(matcalc, matcalc_record):      # one test per record of the family
        matcalc.verify(matcalc_record)

Command-line options, all off by default: ``--matcalc-dtype float32|float64`` casts the float inputs
of every check; ``--matcalc-seeds N`` runs every check with N seeds (the check's own seed, then the
next N - 1); ``--matcalc-device cpu|gpu`` runs the checks under ``jax.default_device``. The hooks
cost nothing to tests that use neither the fixture nor the marker, and the checker is imported on
first use (loading this module still imports the ``matcalc`` package, and with it JAX).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence

from typing import TYPE_CHECKING

import numpy as np
import pytest

if TYPE_CHECKING:
    from matcalc.checker.result import CheckResult

MARKER = "matcalc_records"


def _at_least_one(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("matcalc", "matcalc: checking derivatives")
    group.addoption("--matcalc-dtype", choices=("float32", "float64"), default=None,
                    help="cast the float inputs of every matcalc check to this dtype (default: keep them)")
    group.addoption("--matcalc-seeds", type=_at_least_one, default=1, metavar="N",
                    help="run every matcalc check with N seeds (default 1)")
    group.addoption("--matcalc-device", choices=("cpu", "gpu"), default=None,
                    help="run matcalc checks on this device (default: JAX's default device)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(*families): run the test once per catalog record whose id is or starts "
        "with one of the families (all records without any), passed as the `matcalc_record` argument")
    device = config.getoption("matcalc_device", None)
    if device is not None:
        import jax

        try:
            jax.devices(device)
        except RuntimeError as err:
            raise pytest.UsageError(f"--matcalc-device {device}: no such device available to JAX ({err})") from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker(MARKER)
    if marker is None:
        return
    if "matcalc_record" not in metafunc.fixturenames:
        raise pytest.Collector.CollectError(
            f"{metafunc.function.__name__} is marked {MARKER} but takes no `matcalc_record` argument")
    from matcalc.vocabulary.catalog import select

    try:
        records = select(list(marker.args))
    except KeyError as err:
        raise pytest.Collector.CollectError(f"@pytest.mark.{MARKER}({', '.join(map(repr, marker.args))}): {err.args[0]}") from None
    metafunc.parametrize("matcalc_record", records, ids=[r.id for r in records])


@pytest.fixture
def matcalc_record():
    """A catalog record, given by ``@pytest.mark.matcalc_records(...)`` (this fixture only says so)."""
    pytest.fail(f"`matcalc_record` comes from @pytest.mark.{MARKER}(FAMILY, ...) on the test", pytrace=False)


@pytest.fixture
def matcalc(request: pytest.FixtureRequest) -> Checker:
    """Check derivatives with the command line's dtype, seeds and device; a failed check raises
    AssertionError whose message is the report. Inside the test it shadows the ``matcalc`` module."""
    option = request.config.getoption
    return Checker(dtype=option("matcalc_dtype", None), seeds=option("matcalc_seeds", 1),
                   device=option("matcalc_device", None))


@dataclasses.dataclass(frozen=True)
class Checker:
    """``matcalc.check_*`` as assertions, run in ``dtype`` (None: the inputs' own), over ``seeds``
    seeds, on ``device`` (None: JAX's default). Each method returns the last seed's result."""

    dtype: str | None = None
    seeds: int = 1
    device: str | None = None

    def gradient(self, f: Callable, grad, *args, seed: int = 0, **options) -> CheckResult:
        __tracebackhide__ = True
        return self._run("check_gradient", f, self._cast(grad), *map(self._cast, args), seed=seed, **options)

    def jacobian(self, f: Callable, jac, *args, seed: int = 0, **options) -> CheckResult:
        __tracebackhide__ = True
        return self._run("check_jacobian", f, self._cast(jac), *map(self._cast, args), seed=seed, **options)

    def hessian(self, f: Callable, hess, *args, seed: int = 0, **options) -> CheckResult:
        __tracebackhide__ = True
        return self._run("check_hessian", f, self._cast(hess), *map(self._cast, args), seed=seed, **options)

    def differential(self, f: Callable, df, args: Sequence, tangents: Sequence | None = None, *,
                     seed: int = 0, **options) -> CheckResult:
        __tracebackhide__ = True
        tangents = None if tangents is None else [self._cast(t) for t in tangents]
        return self._run("check_differential", f, self._cast(df), [self._cast(a) for a in args], tangents,
                         seed=seed, **options)

    def verify(self, record, *, seed: int = 0, **options) -> CheckResult:
        """Verify a catalog record (or id) in ``dtype`` (float64 when not set) on ``device``."""
        __tracebackhide__ = True
        dtype = self.dtype or "float64"
        return self._run("verify", record, seed=seed, dtype=dtype, device=self.device, **options)

    def sample(self, record, *, seed: int = 0, dims: Mapping[str, int] | None = None) -> tuple:
        """Arguments for a catalog record, drawn from its domains in ``dtype`` (float64 when not set)."""
        from matcalc.vocabulary.sampling import sample_args

        return sample_args(record, seed=seed, dtype=self.dtype or "float64", dims=dims)

    def _run(self, name: str, *args, seed: int, **options) -> CheckResult:
        """``matcalc.<name>`` with each seed in turn, as an assertion."""
        __tracebackhide__ = True
        import matcalc
        from matcalc.testing import checked

        checker = getattr(matcalc, name)
        with self._on_device():
            for s in range(seed, seed + self.seeds):
                result = checked(checker, *args, seed=s, **options)
        return result

    @contextlib.contextmanager
    def _on_device(self) -> Iterator[None]:
        if self.device is None:
            yield
            return
        import jax

        with jax.default_device(jax.devices(self.device)[0]):
            yield

    def _cast(self, value):
        """A float array (or number) in ``dtype``; functions, operators and non-float values as they are."""
        if self.dtype is None or callable(value):
            return value
        try:
            array = np.asarray(value)
        except Exception:  # a structured operator or another object that is no array
            return value
        return array.astype(self.dtype) if np.issubdtype(array.dtype, np.floating) else value


__all__ = ["Checker"]
