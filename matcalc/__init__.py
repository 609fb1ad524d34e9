"""matcalc: a verified matrix-calculus reference for JAX.

Closed-form derivatives with explicit tensor layouts, checked against jax.jacrev, jax.jacfwd,
jvp/vjp, hessian and finite differences; and a checker for your own derivatives that says how
they are wrong. Importing matcalc changes no global JAX configuration.
"""

from matcalc.vocabulary.catalog import catalog, get
from matcalc.checker.check import InputError, check_differential, check_gradient, check_hessian, check_jacobian
from matcalc.vocabulary.domains import DOMAINS, Domain, resolve_domain
from matcalc.vocabulary.records import Arg, Identity, Kind, Layout
from matcalc.vocabulary.sources import Display, Erratum, Source
from matcalc.checker.result import CheckResult
from matcalc.vocabulary.sampling import sample_args
from matcalc.checker.verify import Report, verify, verify_all

__all__ = [
    "DOMAINS",
    "Arg",
    "CheckResult",
    "Display",
    "Domain",
    "Erratum",
    "Identity",
    "InputError",
    "Kind",
    "Layout",
    "Report",
    "Source",
    "catalog",
    "check_differential",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "get",
    "resolve_domain",
    "sample_args",
    "verify",
    "verify_all",
]
