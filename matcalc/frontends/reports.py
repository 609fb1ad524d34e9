"""A verification report for CI: JUnit XML (one testcase per identity x dtype) and a markdown summary."""

from __future__ import annotations

import datetime
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from matcalc.checker.result import CheckResult
from matcalc.checker.verify import Report


def worst(result: CheckResult) -> tuple[float, float] | None:
    """(error, tolerance) of the voting reference closest to failing; None when no reference ran."""
    voting = [n for n in result.errors if n not in getattr(result, "inconclusive", {})] or list(result.errors)
    if not voting:
        return None
    def ratio(name: str) -> float:
        err, tol = result.errors[name], result.tolerances[name]
        return err / tol if tol > 0 else float("inf") if err > 0 else 0.0

    name = max(voting, key=ratio)
    return result.errors[name], result.tolerances[name]


def headline(report: Report, *, platform: str, seed: int, matmul_precision: str) -> str:
    not_run = f", {len(report.not_run)} not run at these sizes" if report.not_run else ""
    return (f"{len(report.passed)} passed, {len(report.failed)} failed{not_run} in {report.seconds:.1f}s on {platform}; "
            f"matmul precision {matmul_precision}; seed {seed}")


def junit_xml(report: Report, *, platform: str, seed: int, matmul_precision: str) -> str:
    """One ``testcase`` per result, named ``ID[dtype]`` in the class of its family; a failure's
    text is the full report, its message the first line and the diagnosis."""
    suite = ET.Element("testsuite", name="matcalc verify", tests=str(len(report.results)),
                       failures=str(len(report.failed)), errors="0", skipped=str(len(report.not_run)),
                       time=f"{report.seconds:.3f}", hostname=socket.gethostname(),
                       timestamp=datetime.datetime.now().isoformat(timespec="seconds"))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("platform", platform), ("seed", seed), ("matmul_precision", matmul_precision)):
        ET.SubElement(properties, "property", name=name, value=str(value))
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname=f"matcalc.{result.label.split('.')[0]}",
                             name=f"{result.label}[{result.dtype}]", time=f"{result.seconds:.3f}")
        if result.not_run is not None:
            ET.SubElement(case, "skipped", message=f"not run: {result.not_run}")
        elif not result.ok:
            text = str(result)
            message = text.splitlines()[0] + (f": {result.diagnosis}" if result.diagnosis else "")
            failure = ET.SubElement(case, "failure", message=message, type="matcalc.CheckFailed")
            failure.text = text
    root = ET.Element("testsuites", name="matcalc", tests=suite.get("tests"), failures=suite.get("failures"),
                      errors="0", time=suite.get("time"))
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def markdown_summary(report: Report, dtypes: Sequence[str], *, platform: str, seed: int,
                     matmul_precision: str) -> str:
    """A headline, a table of identities (worst error / tolerance per dtype) and each failure's report."""
    by_id: dict[str, dict[str, CheckResult]] = {}
    for r in report.results:
        by_id.setdefault(r.label, {})[r.dtype] = r
    verdict = "passed" if report.ok else "FAILED"
    lines = [f"## matcalc verify: {verdict}", "",
             headline(report, platform=platform, seed=seed, matmul_precision=matmul_precision) + ".", "",
             "| identity | kind | layout | " + " | ".join(f"{d} error / tolerance" for d in dtypes) + " | status |",
             "|---|---|---|" + "---:|" * len(dtypes) + "---|"]
    for ident, per_dtype in by_id.items():
        first = next(iter(per_dtype.values()))
        cells = []
        for d in dtypes:
            pair = worst(per_dtype[d]) if d in per_dtype else None
            cells.append("-" if pair is None else f"{pair[0]:.1e} / {pair[1]:.0e}")
        lines.append(f"| `{ident}` | {first.kind} | {first.layout} | " + " | ".join(cells)
                     + f" | {status(per_dtype.values(), 'pass', '**FAIL**')} |")
    if report.failed:
        lines += ["", "### Failures"]
        for r in report.failed:
            summary = f"<code>{r.label}</code> {r.dtype}" + (f": {_html(r.diagnosis)}" if r.diagnosis else "")
            lines += ["", f"<details><summary>{summary}</summary>", "", "```text", str(r), "```", "", "</details>"]
    return "\n".join(lines) + "\n"


def status(results, passed: str, failed: str) -> str:
    """One identity's status over its dtypes: a failure wins, then "not run" (at these sizes)."""
    results = list(results)
    if any(not r and r.not_run is None for r in results):
        return failed
    return "not run" if any(r.not_run is not None for r in results) else passed


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["headline", "junit_xml", "markdown_summary", "status", "worst"]
