"""How the catalog cites: the seed's sections (in the seed's order) and the Matrix Cookbook,
always with its edition. ``docs/catalog.md`` is grouped by ``SEED_SECTIONS``."""

from matcalc import Source

seed = Source.seed
cookbook = Source.cookbook
paper = Source.paper

SCALAR_RULES = seed("1 Analytical Derivatives: scalar rules")
PARTIALS = seed("Partial Derivatives: scalar-valued multivariable functions")
GRADIENT = seed("Partial Derivatives: the gradient")
DIRECTIONAL = seed("2 Directional Derivatives")
JACOBIAN = seed("Jacobians of vector-valued functions")
HESSIAN = seed("The Hessian")
ELEMENTWISE = seed("Elementwise maps: diagonal Jacobians")
DOT_PRODUCT = seed("The dot product through the chain rule")
DIFFERENTIALS = seed("5 Matrix Derivatives: matrix differentials")
SCALAR_BY_MATRIX = seed("5.1.1 Derivative of Scalar by Matrix")
MATRIX_BY_SCALAR = seed("5.1.2 Derivative of Matrix by Scalar")
VECTOR_BY_MATRIX = seed("5.1.3 Derivative of Vector by Matrix")
MATRIX_BY_VECTOR = seed("5.1.4 Derivative of Matrix by Vector")

SEED_SECTIONS = (
    SCALAR_RULES, PARTIALS, GRADIENT, DIRECTIONAL, JACOBIAN, HESSIAN, ELEMENTWISE, DOT_PRODUCT,
    DIFFERENTIALS, SCALAR_BY_MATRIX, MATRIX_BY_SCALAR, VECTOR_BY_MATRIX, MATRIX_BY_VECTOR,
)
