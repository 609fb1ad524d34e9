"""The checker's one error type for inputs it cannot use."""


class InputError(ValueError):
    """Inputs a check cannot use: wrong dtype or shape, non-finite values, outside the domain, bad
    argnum, an unknown layout or domain. The message names what was expected."""
