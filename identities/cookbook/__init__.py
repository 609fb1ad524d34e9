"""The Matrix Cookbook (2012-11-15), Section 2 "Derivatives", one module per subsection.

Each module exports ``RECORDS`` (its identity records) and ``COVERAGE`` (one ``Display`` per
printed display of its subsection: verified, erratum, convention, definition or out of scope).
A display that states an identity the seed families already hold names that record: one record,
both sources cited.
"""

from identities.cookbook import (
    determinant,
    differentials,
    eigenvalues,
    forms,
    inverse,
    norms,
    structured,
    traces,
)

# In the Cookbook's order: the preamble's differential rules (32-45), then 2.1 ... 2.8.
SUBSECTIONS = (differentials, determinant, inverse, eigenvalues, forms, traces, norms, structured)


def coverage():
    """Every display of Section 2, in printed order."""
    return tuple(display for module in SUBSECTIONS for display in module.COVERAGE)
