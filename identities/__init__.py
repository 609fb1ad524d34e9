"""The catalog: identity records grouped by family, one module a family.

Each family module exports its records as ``RECORDS`` (a tuple); ``FAMILIES`` lists the modules
explicitly, in reading order. A test checks that every module of this package is listed here.
"""

from identities import (
    differentials,
    elementwise,
    matrix_by_matrix,
    matrix_by_scalar,
    matrix_by_vector,
    scalar_by_matrix,
    vector_by_matrix,
)

FAMILIES = (
    scalar_by_matrix,
    matrix_by_scalar,
    vector_by_matrix,
    matrix_by_vector,
    matrix_by_matrix,
    differentials,
    elementwise,
)


def all_records():
    """Every record of every family, in catalog order."""
    return [record for family in FAMILIES for record in family.RECORDS]
