"""Tolerances: relative Frobenius-norm error, per dtype, scaled by the inputs' conditioning.

The bases are chosen so that a correct identity passes for every seed (closed form and autodiff
agree to a few ulps times the condition number), while a transpose, a sign, a factor, a layout
swap, or in float64 a relative perturbation of 1e-6 is always caught. They never scale with the
array's size.
"""

from __future__ import annotations

from matcalc.vocabulary.context import dtype_name

RTOL = {"float64": 1e-10, "float32": 1e-4}
# A finite-difference reference is trusted to within FD_SAFETY times its own error estimate.
FD_SAFETY = 10.0
# A rearranged, rescaled truth "explains" a wrong candidate when it matches within this many tolerances.
DIAGNOSIS_FACTOR = 100.0


def default_rtol(dtype, conditioning: float = 1.0) -> float:
    """The relative tolerance for a dtype, widened by the inputs' condition number."""
    return RTOL[dtype_name(dtype)] * max(1.0, float(conditioning))
