"""Where a formula comes from, and what the catalog claims about a printed display.

``Source`` is structured (a work, a place in it, an edition), so the docs group and count records
without parsing strings. ``Erratum`` makes a printed formula that fails a checked claim: the record
carries the corrected closed form, the erratum carries the printed one, and verification asserts
that the printed one still fails, in the way it says. ``Display`` is one entry of a coverage map
(one display of a printed reference and what became of it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

SEED_TITLE = "Matrix calculus and autodiff"
COOKBOOK_TITLE = "Matrix Cookbook"
COOKBOOK_EDITION = "2012-11-15"


@dataclasses.dataclass(frozen=True)
class Source:
    """A citation: ``work`` is ``"seed"``, ``"cookbook"`` or ``"paper"``; ``where`` is the seed's
    section, the Cookbook's equation label (``"101"``, ``"after 32"``) or the paper's reference."""

    work: str
    where: str
    edition: str = ""

    WORKS = ("seed", "cookbook", "paper")

    def __post_init__(self) -> None:
        if self.work not in self.WORKS:
            raise ValueError(f"source work {self.work!r} is not one of {self.WORKS}")
        if not self.where:
            raise ValueError("a source says where: a seed section, an equation label or a reference")
        if self.work == "cookbook" and not self.edition:
            raise ValueError("a Cookbook source names its edition: equation numbers differ between editions")

    @classmethod
    def seed(cls, section: str) -> Source:
        """E.g. ``Source.seed("5.1.1 Derivative of Scalar by Matrix")``."""
        return cls("seed", section)

    @classmethod
    def cookbook(cls, eq: int | str, edition: str = COOKBOOK_EDITION) -> Source:
        """E.g. ``Source.cookbook(101)``, or ``Source.cookbook("after 32")`` for an unnumbered display."""
        return cls("cookbook", str(eq), edition)

    @classmethod
    def paper(cls, reference: str) -> Source:
        return cls("paper", reference)

    def __str__(self) -> str:
        if self.work == "seed":
            return f"Seed: {SEED_TITLE}, {self.where}"
        if self.work == "cookbook":
            label = f"eq. ({self.where})" if self.where.isdigit() else f"display {self.where}"
            return f"{COOKBOOK_TITLE} {self.edition}, {label}"
        return self.where


ERRATUM_KINDS = ("wrong formula", "typo", "missing condition")


@dataclasses.dataclass(frozen=True)
class Erratum:
    """A printed formula that fails where its text says it holds.

    ``printed`` is the closed form as printed (same signature as the record's ``closed_form``,
    which is the corrected form); ``diagnosis`` is a phrase the checker's diagnosis of the printed
    form must contain (``"transposed"``, ``"scaled by 2"``, ``"unrelated"``). For a missing
    condition, ``condition`` states the assumption under which the printed form does hold, and
    ``holds_in`` names the record that verifies it there.
    """

    kind: str
    printed: Callable
    printed_latex: str
    diagnosis: str
    explanation: str
    condition: str = ""
    holds_in: str = ""
    counterexample: str = ""  # the smallest inputs on which the printed form fails, found by search

    def __post_init__(self) -> None:
        if self.kind not in ERRATUM_KINDS:
            raise ValueError(f"erratum kind {self.kind!r} is not one of {ERRATUM_KINDS}")
        if not callable(self.printed):
            raise TypeError("an erratum's printed form must be callable")
        if not (self.printed_latex and self.diagnosis and self.explanation):
            raise ValueError("an erratum states the printed formula, the expected diagnosis and an explanation")
        if self.kind == "missing condition" and not self.condition:
            raise ValueError("a missing-condition erratum states the condition under which the printed form holds")


STATUSES = ("verified", "erratum", "convention", "definition", "out_of_scope")


@dataclasses.dataclass(frozen=True)
class Display:
    """One display of a printed reference and what the catalog made of it.

    ``eq`` is the label as printed (``"92"``, or ``"after 32"`` for an unnumbered display);
    ``records`` are the catalog ids that check it (a definition may still name records that check
    it; out-of-scope entries name none and say why in ``note``).
    """

    eq: str
    status: str
    records: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "records", tuple(self.records))
        if self.status not in STATUSES:
            raise ValueError(f"display ({self.eq}): status {self.status!r} is not one of {STATUSES}")
        if self.status in ("verified", "erratum", "convention") and not self.records:
            raise ValueError(f"display ({self.eq}) is {self.status!r} but names no record")
        if self.status == "out_of_scope" and not self.note:
            raise ValueError(f"display ({self.eq}) is out of scope without a reason")
