"""One run context: the dtype and its x64 scope, the matmul precision, the device and the seed.

Every entry point (verify, check, show, fd-study, the CLI, the tests' fixtures) makes one
``RunContext`` and runs inside its ``scope()``. The x64 decision is made here and nowhere else: a
float64 run switches JAX's x64 mode on for its own duration, a float32 run switches it off (so a
float32 check is never silently promoted), and the user's global configuration is untouched.
Random draws get their keys from ``key(name)``: one rule, fold a hash of the name into the seed's key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import jax
import numpy as np

from matcalc.references.problem import key_for, quick_compile

T = TypeVar("T")
DTYPES = ("float64", "float32")
# Full float32 products on GPUs (no TF32): stated in every report.
MATMUL_PRECISION = "highest"


def compile_options(arrays: Iterable) -> dict:
    """XLA compiler options for one of matcalc's own programs over ``arrays`` (its inputs): for a
    quick compile at small sizes (``references.problem.QUICK_COMPILE``), XLA's defaults above.

    Passed to that program's ``jax.jit`` only, never set globally: importing matcalc leaves the
    user's JAX configuration alone.
    """
    return quick_compile(sum(int(np.size(a)) for a in jax.tree_util.tree_leaves(tuple(arrays))))


def dtype_name(dtype) -> str:
    """``"float64"`` or ``"float32"``; anything else is refused with the reason."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(dtype)
    if name not in DTYPES:
        raise ValueError(f"matcalc checks float32 or float64 arrays, got {name}")
    return name


@dataclasses.dataclass(frozen=True)
class RunContext:
    """What a run needs besides the function and the point."""

    dtype: str = "float64"
    seed: int = 0
    device: str | None = None  # a platform name ("cpu", "gpu"); None: JAX's default device
    matmul_precision: str = MATMUL_PRECISION

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", dtype_name(self.dtype))

    @classmethod
    def for_arrays(cls, arrays: Iterable, **options) -> RunContext:
        """float64 when any input is float64 (NumPy float64 arrays and Python floats are), else float32."""
        x64 = any(np.asarray(a).dtype in (np.float64, np.complex128) for a in arrays)
        return cls("float64" if x64 else "float32", **options)

    @property
    def x64(self) -> bool:
        return self.dtype == "float64"

    @property
    def key(self) -> jax.Array:
        with jax.enable_x64(self.x64):
            return jax.random.PRNGKey(self.seed)

    def key_for(self, name: str) -> jax.Array:
        """The key of one named draw (``"arg/X"``, ``"tangent/X"``, ...)."""
        return key_for(self.key, name)

    def resolved_device(self) -> jax.Device | None:
        if self.device is None:
            return None
        try:
            return jax.devices(self.device)[0]
        except RuntimeError as err:
            raise RuntimeError(f"no {self.device!r} device available to JAX ({err}); try --device cpu") from None

    @property
    def platform(self) -> str:
        """The platform the run uses: its own device, else the caller's ``jax.default_device``, else JAX's default."""
        device = self.resolved_device() or jax.config.jax_default_device or jax.devices()[0]
        return device if isinstance(device, str) else device.platform

    @contextlib.contextmanager
    def scope(self) -> Iterator[RunContext]:
        """x64 on or off, the matmul precision and the device, all scoped to the block."""
        with contextlib.ExitStack() as stack:
            stack.enter_context(jax.enable_x64(self.x64))
            stack.enter_context(jax.default_matmul_precision(self.matmul_precision))
            device = self.resolved_device()
            if device is not None:
                stack.enter_context(jax.default_device(device))
            yield self

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` inside the scope: one run at a time in the process, JAX's caches cleared
        whenever the x64 mode changes from the previous run's.

        JAX 0.10 keeps what it traced and converted without the x64 mode in the key: a function
        closing over a NumPy float64 constant, traced with x64 off, keeps the constant's float32
        copy when it is traced again with x64 on, so a float64 check silently computes in float32
        (measured: relative errors of 1e-8 in float64), or XLA refuses the mismatched buffer with
        RuntimeProgramInputMismatch. Plain JAX code sets x64 once per process and never meets
        this; matcalc switches it per run. So runs take a process-wide lock (no run starts while
        another, in either mode, is halfway), and a run in the other mode than the last starts from
        clean caches. That costs recompilation at each switch, never a wrong result; ``verify_all``
        runs one dtype after the other to switch once.
        """
        global _last_x64
        with _RUNS:
            # Before matcalc's first run, the mode the user's own code traced in is the process's.
            previous = jax.config.jax_enable_x64 if _last_x64 is None else _last_x64
            if previous != self.x64:
                jax.clear_caches()
            _last_x64 = self.x64
            with self.scope():
                return work()


# Reentrant: a run may start another (verify checks an erratum's printed form inside its own run).
_RUNS = threading.RLock()
_last_x64: bool | None = None  # the mode of the last run, guarded by _RUNS
