"""matcalc: a verified matrix-calculus reference for JAX.

Closed-form derivatives with explicit tensor layouts, checked against jax.jacrev, jax.jacfwd,
jvp/vjp, hessian and finite differences; and a checker for your own derivatives that says how
they are wrong. Importing matcalc changes no global JAX configuration.
"""

from matcalc.checker.check import check_differential, check_gradient, check_hessian, check_jacobian
from matcalc.checker.errors import InputError
from matcalc.checker.result import CheckResult
from matcalc.checker.rules import RulesResult, check_rules
from matcalc.checker.verify import Report, verify, verify_all
from matcalc.vocabulary.catalog import catalog, get
from matcalc.vocabulary.context import RunContext
from matcalc.vocabulary.domains import DOMAINS, Domain, resolve_domain
from matcalc.vocabulary.kinds import KINDS, Kind, resolve_kind
from matcalc.vocabulary.layout import Layout
from matcalc.vocabulary.records import Arg, Identity
from matcalc.vocabulary.sampling import sample_args
from matcalc.vocabulary.sources import Display, Erratum, Source

__all__ = [
    "DOMAINS",
    "Arg",
    "CheckResult",
    "Display",
    "Domain",
    "Erratum",
    "Identity",
    "InputError",
    "KINDS",
    "Kind",
    "Layout",
    "Report",
    "RulesResult",
    "RunContext",
    "Source",
    "catalog",
    "check_differential",
    "check_gradient",
    "check_hessian",
    "check_jacobian",
    "check_rules",
    "get",
    "resolve_domain",
    "resolve_kind",
    "sample_args",
    "verify",
    "verify_all",
]
