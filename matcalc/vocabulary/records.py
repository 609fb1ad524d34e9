"""The record types of the catalog: one identity is one frozen, validated record.

A record says what is differentiated (``f``), with respect to what (``wrt``), what the
closed form returns (``kind``) and in which tensor layout (``layout``), on which inputs
(``args``: symbolic shapes plus a domain), and where the formula comes from (``sources``).
Validation happens at construction so that a malformed record fails at import, naming itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from matcalc.vocabulary.domains import Domain, resolve_domain
from matcalc.vocabulary.kinds import Kind, resolve_kind
from matcalc.vocabulary.layout import Layout, resolve_layout
from matcalc.vocabulary.sources import Erratum, Source


_DIM = re.compile(r"^([A-Za-z]\w*|[1-9]\d*)$")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")


def parse_shape(spec: str) -> tuple[str | int, ...]:
    """Parse a symbolic shape such as ``"m n"`` (``""`` is a scalar; digits are fixed sizes)."""
    dims = spec.split()
    for dim in dims:
        if not _DIM.match(dim):
            raise ValueError(f"bad dimension {dim!r} in shape {spec!r}: use names like 'm' or sizes like '3'")
    return tuple(int(d) if d.isdigit() else d for d in dims)


def resolve_shape(spec: str, dims: Mapping[str, int]) -> tuple[int, ...]:
    """Concrete shape of a symbolic shape string under the given dimension sizes."""
    shape = []
    for dim in parse_shape(spec):
        if isinstance(dim, int):
            shape.append(dim)
        elif dim in dims:
            shape.append(int(dims[dim]))
        else:
            raise ValueError(f"dimension {dim!r} of shape {spec!r} has no size; known: {sorted(dims)}")
    return tuple(shape)


@dataclasses.dataclass(frozen=True)
class Arg:
    """One argument of an identity: its symbolic shape and the domain it is drawn from."""

    shape: str
    domain: Domain

    @classmethod
    def of(cls, spec: str | Arg | tuple[str, str | Domain]) -> Arg:
        """Accept ``"m n"``, ``("n n", "spd")`` or an ``Arg``."""
        if isinstance(spec, Arg):
            return spec
        if isinstance(spec, str):
            return cls(spec, resolve_domain("general"))
        shape, domain = spec
        return cls(shape, resolve_domain(domain))

    def __post_init__(self) -> None:
        parse_shape(self.shape)
        self.domain.check_rank(len(parse_shape(self.shape)), self.shape)

    def to_json(self) -> dict[str, str]:
        return {"shape": self.shape, "domain": self.domain.name}


@dataclasses.dataclass(frozen=True)
class Identity:
    """A verified matrix-calculus identity.

    ``closed_form`` is called with the arguments in ``args`` order; for a ``differential`` it is
    called with the arguments followed by one tangent per argument, and for a ``directional``
    derivative with the arguments followed by the direction (shaped like ``wrt``).
    ``wrt`` names the argument differentiated; for a differential it names the arguments that
    vary, space-separated (the others are held constant: their tangents are zero).
    ``out`` is the symbolic shape of ``f``'s output (``""`` for a scalar).
    """

    id: str
    title: str
    latex: str
    f: Callable
    closed_form: Callable
    wrt: str
    args: Mapping[str, Arg]
    kind: Kind
    out: str = ""
    layout: Layout = Layout.JAX
    sources: tuple[Source, ...] = ()
    notes: str = ""
    dims: Mapping[str, int] = dataclasses.field(default_factory=dict)
    # f's implementation extends analytically to complex inputs, so the complex-step reference applies
    real_analytic: bool = False
    # the printed formula fails and ``closed_form`` is the corrected one (see ``Erratum``)
    erratum: Erratum | None = None
    # a convention other than the catalog's default (e.g. the Cookbook's structured-matrix derivative)
    convention: str = ""

    def __post_init__(self) -> None:
        try:
            self._validate()
        except (ValueError, TypeError) as err:
            raise type(err)(f"identity {self.id!r}: {err}") from None

    def _validate(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen)
        if not isinstance(self.id, str) or not _ID.match(self.id):
            raise ValueError("id must be a dotted lower-case name such as 'trace.AXB'")
        set_("kind", resolve_kind(self.kind))
        set_("layout", resolve_layout(self.layout))
        set_("args", MappingProxyType({name: Arg.of(spec) for name, spec in dict(self.args).items()}))
        set_("sources", tuple(self.sources))
        set_("dims", MappingProxyType(dict(self.dims)))
        parse_shape(self.out)
        if not self.title or not self.latex:
            raise ValueError("title and latex are required")
        if not self.sources:
            raise ValueError("at least one source is required (seed section or Cookbook equation with edition)")
        if not all(isinstance(s, Source) for s in self.sources):
            raise TypeError("sources are Source objects: Source.seed(...), Source.cookbook(eq), Source.paper(...)")
        if self.erratum is not None and not isinstance(self.erratum, Erratum):
            raise TypeError("erratum must be an Erratum")
        if not callable(self.f) or not callable(self.closed_form):
            raise TypeError("f and closed_form must be callable")
        unknown = [name for name in self.varying if name not in self.args]
        if unknown or not self.varying:
            raise ValueError(f"wrt {self.wrt!r} must name arguments among {list(self.args)}")
        self.kind.validate(self.varying, self.out, self.in_shape, self.layout)

    @property
    def varying(self) -> tuple[str, ...]:
        """The arguments that are differentiated (one, except for differentials)."""
        return tuple(self.wrt.split())

    @property
    def argnum(self) -> int:
        """Position of ``wrt`` among the arguments (single-argument kinds)."""
        return list(self.args).index(self.varying[0])

    @property
    def in_shape(self) -> str:
        return self.args[self.varying[0]].shape

    @property
    def status(self) -> str:
        """``verified``, ``erratum`` (the printed form fails; the record holds the corrected one) or ``convention``."""
        return "erratum" if self.erratum else "convention" if self.convention else "verified"

    @property
    def index_formula(self) -> str:
        """The record's layout as an index formula, e.g. ``J[i, j, k] = dy_i / dX_jk``."""
        return self.kind.index_formula(self.varying[0], len(parse_shape(self.out)),
                                       len(parse_shape(self.in_shape)), self.layout)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "latex": self.latex,
            "kind": self.kind.value,
            "layout": self.layout.value,
            "args": {name: arg.to_json() for name, arg in self.args.items()},
            "wrt": self.wrt,
            "out": self.out,
            "index_formula": self.index_formula,
            "sources": [str(s) for s in self.sources],
            "status": self.status,
            "notes": self.notes,
        }
