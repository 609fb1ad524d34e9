"""CheckResult: the outcome of comparing one closed form with its references, readable by people."""

from __future__ import annotations

import dataclasses
import math


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """Per-reference relative errors against tolerances, and a diagnosis when something is off.

    ``errors`` maps a reference name (``jacrev``, ``fd``, ...) to the relative Frobenius-norm
    error ``||closed - reference|| / ||reference||``; ``diagnosis`` is ``None`` when ``ok``.
    The result is truthy exactly when it is ``ok``.
    """

    ok: bool
    errors: dict[str, float]
    tolerances: dict[str, float]
    diagnosis: str | None
    label: str
    kind: str
    layout: str
    expected_shape: tuple[int, ...]
    shape: tuple[int, ...]
    dtype: str
    seed: int
    domain: str
    args: dict[str, tuple[int, ...]]
    worst: tuple[tuple[int, ...], float, float] | None = None  # index, closed form, reference
    sources: tuple[str, ...] = ()
    seconds: float = 0.0
    device: str = "cpu"
    matmul_precision: str = "highest"
    status: str = "verified"  # a catalog record's status: verified, erratum or convention
    printed: CheckResult | None = None  # an erratum's printed form, checked beside the corrected one
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)  # reference -> why it did not run
    inconclusive: dict[str, str] = dataclasses.field(default_factory=dict)  # reference -> why it abstained
    # Why the record could not be evaluated at the requested sizes (an array over the budget, a shape
    # it does not apply to), or None. Such a result is not ok, and not a failure either: it says
    # nothing about the identity, and a report counts it apart.
    not_run: str | None = None

    def __bool__(self) -> bool:
        return self.ok

    def failing(self) -> list[str]:
        return [name for name, err in self.errors.items()
                if not err <= self.tolerances[name] and name not in self.inconclusive]

    def to_json(self) -> dict:
        def num(x: float) -> float | str:
            return x if math.isfinite(x) else str(x)

        return {
            "id": self.label,
            "ok": self.ok,
            "errors": {k: num(v) for k, v in self.errors.items()},
            "tolerances": self.tolerances,
            "diagnosis": self.diagnosis,
            "kind": self.kind,
            "layout": self.layout,
            "dtype": self.dtype,
            "seed": self.seed,
            "domain": self.domain,
            "args": {k: list(v) for k, v in self.args.items()},
            "sources": list(self.sources),
            "seconds": self.seconds,
            "device": self.device,
            "matmul_precision": self.matmul_precision,
            "status": self.status,
            "skipped": self.skipped,
            "inconclusive": self.inconclusive,
            "not_run": self.not_run,
            **({"printed": {"errors": {k: num(v) for k, v in self.printed.errors.items()},
                            "diagnosis": self.printed.diagnosis}} if self.printed else {}),
        }

    def __str__(self) -> str:
        shapes = ", ".join(f"{name}: {self.dtype}{list(shape)}" for name, shape in self.args.items())
        lines = [
            f"{'PASS' if self.ok else 'FAIL'} {self.label} ({self.kind}, layout {self.layout!r}, "
            f"expected shape {self.expected_shape}, "
            + (f"got {self.shape})" if self.errors else "not evaluated)"),  # no errors: not run at these sizes
            f"  inputs {shapes}; domain {self.domain}; seed {self.seed}; device {self.device}, "
            f"matmul precision {self.matmul_precision}",
        ]
        if self.sources:
            lines.append(f"  source: {'; '.join(self.sources)}")
        lines.append(f"  {'reference':<14}{'rel. error':>12}{'tolerance':>12}  ok")
        for name, err in self.errors.items():
            tol = self.tolerances[name]
            verdict = "abstains" if name in self.inconclusive else "yes" if err <= tol else "NO"
            lines.append(f"  {name:<14}{err:>12.2e}{tol:>12.2e}  {verdict}")
        for name, why in self.inconclusive.items():
            lines.append(f"  {name} abstains: {why}")
        for name, why in self.skipped.items():
            lines.append(f"  {name:<14}{'skipped':>12}{'':>12}  ({why})")
        if self.worst is not None:
            index, got, want = self.worst
            lines.append(f"  worst entry {list(index)}: closed form {got:.6g}, reference {want:.6g}")
        if self.diagnosis:
            lines.append(f"  diagnosis: {self.diagnosis}")
        if self.printed is not None:
            worst = max(self.printed.errors.values(), default=float("nan"))
            lines.append(f"  erratum: the printed form {'passes' if self.printed.ok else 'fails'} "
                         f"(largest error {worst:.2e}); its diagnosis: {self.printed.diagnosis}")
        return "\n".join(lines)
