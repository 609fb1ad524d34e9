"""The catalog: identity records grouped by family, one module a family.

Each family module exports its records as ``RECORDS`` (a tuple); ``FAMILIES`` lists the modules
explicitly, in the seed's reading order. A test checks that every module of this package is
listed here.
"""

from identities import (
    cookbook,
    differentials,
    directional,
    dot_product,
    elementwise,
    gradients,
    hessians,
    jacobians,
    matrix_by_matrix,
    matrix_by_scalar,
    matrix_by_vector,
    partials,
    scalar_by_matrix,
    scalar_rules,
    vector_by_matrix,
)

FAMILIES = (
    scalar_rules,
    partials,
    gradients,
    directional,
    jacobians,
    hessians,
    elementwise,
    dot_product,
    differentials,
    scalar_by_matrix,
    matrix_by_scalar,
    vector_by_matrix,
    matrix_by_vector,
    matrix_by_matrix,
    *cookbook.SUBSECTIONS,
)


def all_records():
    """Every record of every family, in catalog order."""
    return [record for family in FAMILIES for record in family.RECORDS]
