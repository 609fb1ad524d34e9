"""SymPy, the optional extra ``matcalc[symbolic]``: imported when a study needs it, never at import."""

from __future__ import annotations

import importlib
from types import ModuleType


def require_sympy() -> ModuleType:
    """The ``sympy`` module, or an ImportError that names the extra to install."""
    try:
        return importlib.import_module("sympy")
    except ImportError as err:
        raise ImportError("symbolic differentiation needs SymPy: pip install 'matcalc[symbolic]'") from err
