"""Tests for matcalc.studies.swell: expression swell of symbolic derivatives, measured."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

from matcalc.studies import swell
from matcalc.studies.swell import (
    FAMILIES,
    JAX_LIB,
    SwellRow,
    format_table,
    plot_swell,
    swell_row,
    swell_table,
    sympy_lib,
)

try:
    import sympy
except ImportError:  # optional dependency: only the no-SymPy tests can run
    sympy = None

needs_sympy = pytest.mark.skipif(sympy is None, reason="needs SymPy (matcalc[symbolic])")

DEPTHS = range(1, 6)


@pytest.fixture(scope="module")
def rows() -> dict[str, list[SwellRow]]:
    # Small batch and one repeat: the tests check sizes, not timings.
    return {
        name: [swell_row(name, depth, batch=64, repeats=1) for depth in DEPTHS]
        for name in FAMILIES
    }


def _diffs(values: list[int]) -> list[int]:
    return [b - a for a, b in zip(values, values[1:])]


@needs_sympy
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_symbolic_size_superlinear_jaxpr_linear(rows, family):
    mine = rows[family]
    assert [r.depth for r in mine] == list(DEPTHS)
    for key in ("symbolic_ops", "tree_nodes"):
        sizes = [getattr(r, key) for r in mine]
        # Super-linear: the increments never shrink and end larger than they start.
        steps = _diffs(sizes)
        assert all(b >= a for a, b in zip(steps, steps[1:])), (key, sizes)
        assert steps[-1] > steps[0], (key, sizes)
    eqns = [r.jaxpr_eqns for r in mine]
    eq_steps = _diffs(eqns)
    # Linear: a bounded, positive number of equations per level.
    assert min(eq_steps) > 0 and max(eq_steps) <= 1.5 * min(eq_steps), eqns
    # Over the range the symbolic derivative grows by a larger factor than the jaxpr.
    growth_sym = mine[-1].symbolic_ops / mine[0].symbolic_ops
    growth_jax = eqns[-1] / eqns[0]
    assert growth_sym > growth_jax
    for r in mine:
        assert 0 < r.cse_ops <= r.symbolic_ops
        assert r.symbolic_ops <= r.tree_nodes


@needs_sympy
def test_product_family_swells_exponentially(rows):
    sizes = [r.symbolic_ops for r in rows["product"]]
    # Baydin et al.'s logistic map: more than doubling at every level past the first.
    assert all(b > 2 * a for a, b in zip(sizes[1:], sizes[2:])), sizes
    # CSE tames it to far below the written-out tree.
    assert rows["product"][-1].cse_ops * 5 < rows["product"][-1].symbolic_ops


@needs_sympy
def test_row_fields_and_timings_are_sane(rows):
    r = rows["product"][2]
    assert (r.family, r.depth) == ("product", 3)
    for t in (r.diff_seconds, r.symbolic_seconds, r.cse_seconds, r.jax_seconds):
        assert 0.0 <= t < 10.0
    with pytest.raises(AttributeError):
        r.depth = 4  # frozen


@needs_sympy
@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize("depth", [1, 3, 4])
def test_sympy_and_jax_from_same_builder_agree(family, depth, x64):
    fam = FAMILIES[family]
    x = sympy.Symbol("x")
    expr = fam.build(x, sympy_lib(), depth)
    value_np = sympy.lambdify(x, expr, "numpy")
    deriv_np = sympy.lambdify(x, sympy.diff(expr, x), "numpy")
    lo, hi = fam.domain
    points = np.linspace(lo, hi, 7)
    f = lambda t: fam.build(t, JAX_LIB, depth)  # noqa: E731
    for p in points:
        jp = jax.numpy.float64(p)
        assert float(f(jp)) == pytest.approx(float(value_np(p)), rel=1e-12, abs=1e-12)
        g = jax.grad(f)(jp)
        assert g.dtype == np.float64
        assert float(g) == pytest.approx(float(deriv_np(p)), rel=1e-10, abs=1e-10)


@needs_sympy
def test_swell_table_shape():
    table = swell_table(families=("chain", "composition"), depths=iter([1, 2]))
    assert [(r.family, r.depth) for r in table] == [
        ("chain", 1),
        ("chain", 2),
        ("composition", 1),
        ("composition", 2),
    ]


@needs_sympy
def test_format_table_has_header_and_one_line_per_row(rows):
    some = rows["product"][:3] + rows["composition"][:2]
    lines = format_table(some).splitlines()
    assert lines[0].split() == [
        "family",
        "depth",
        "sym_ops",
        "nodes",
        "cse_ops",
        "jaxpr",
        "diff_ms",
        "sym_ms",
        "cse_ms",
        "jax_ms",
    ]
    assert set(lines[1]) == {"-"}
    body = lines[2:]
    assert len(body) == len(some)
    for line, r in zip(body, some):
        fields = line.split()
        assert fields[:6] == [
            r.family,
            str(r.depth),
            str(r.symbolic_ops),
            str(r.tree_nodes),
            str(r.cse_ops),
            str(r.jaxpr_eqns),
        ]
    assert len({len(line) for line in lines}) == 1  # fixed width


@needs_sympy
def test_plot_swell_writes_png(rows, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "swell.png"
    plot_swell(rows["product"] + rows["composition"], path)
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


def test_missing_sympy_gives_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # makes `import sympy` fail
    with pytest.raises(ImportError, match=r"pip install 'matcalc\[symbolic\]'"):
        swell_row("product", 2)
    with pytest.raises(ImportError, match="SymPy"):
        sympy_lib()


def test_module_imports_without_sympy_or_matplotlib():
    root = Path(swell.__file__).resolve().parents[1]
    code = (
        "import sys\n"
        "sys.modules['sympy'] = None\n"
        "sys.modules['matplotlib'] = None\n"
        "import matcalc.studies.swell as s\n"
        "try:\n"
        "    s.plot_swell([], 'unused.png')\n"
        "except ImportError as e:\n"
        "    assert 'matplotlib' in str(e)\n"
        "else:\n"
        "    raise SystemExit('plot_swell did not raise')\n"
    )
    pythonpath = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": pythonpath}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
