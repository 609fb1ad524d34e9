"""Tracebacks that start at the user's code.

When the function or derivative under check raises, the frames of matcalc, JAX and the standard
library above it (the checker, the references, ``jax.grad``, ``importlib``) only bury the line
that failed. The command line and the pytest helpers show the traceback from the first frame that
is none of those: the user's own code.
"""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path
from types import TracebackType

import jax
import jaxlib

import matcalc

_PACKAGES = tuple(str(Path(m.__file__).resolve().parent) + os.sep for m in (matcalc, jax, jaxlib))
_STDLIB = str(Path(sysconfig.get_paths()["stdlib"]).resolve()) + os.sep


def is_internal(filename: str) -> bool:
    """A frame of matcalc, JAX or the standard library (including ``<frozen importlib...>``)."""
    if filename.startswith("<"):
        return True
    path = os.path.realpath(filename)
    if path.startswith(_PACKAGES):
        return True
    # Some installs keep site-packages inside the standard library's folder: those are not stdlib.
    return path.startswith(_STDLIB) and "-packages" + os.sep not in path


def user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """The traceback from its first frame outside matcalc, JAX and the stdlib; None if it has none."""
    while tb is not None and is_internal(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


__all__ = ["is_internal", "user_traceback"]
