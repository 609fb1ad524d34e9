"""Tests for matcalc.studies.fd_study: the V of truncation and round-off, measured on catalog identities.

Each study compiles one computation per method, so studies are shared through module fixtures.
"""


import numpy as np
import pytest

import matcalc
from matcalc.frontends import cli
from matcalc.studies.fd_study import fd_study, format_study

# sin is real-analytic and jnp.sin accepts complex input, so the complex step applies.
SIN = matcalc.get("elementwise.sin")
assert SIN.real_analytic


@pytest.fixture(scope="module")
def study64():
    return fd_study(SIN, dtype="float64")


@pytest.fixture(scope="module")
def study32():
    return fd_study(SIN, dtype="float32", methods=["forward", "central"])


def test_central_error_is_a_v(study64):
    err = study64.errors["central"]
    best = int(np.argmin(err))
    assert 0 < best < len(err) - 1
    # Both arms rise well above the bottom: truncation at h = 1e-1, round-off at h = 1e-12.
    assert study64.steps[0] == pytest.approx(1e-1) and study64.steps[-1] == pytest.approx(1e-12)
    assert err[0] > 1e3 * err[best] and err[-1] > 1e3 * err[best]


def test_higher_order_methods_have_larger_optimal_steps(study64):
    h = {m: study64.optimum(m)[0] for m in study64.methods}
    assert h["forward"] < h["central"] < h["central4"] <= h["central6"]
    for m in ("forward", "central", "central4"):  # the measured optimum sits near eps^(1/(p+1))
        assert 1 / 30 < h[m] / study64.theory_step(m) < 30, (m, h[m])
    # And they reach smaller errors: order p leaves error ~ eps^(p/(p+1)).
    best = {m: study64.optimum(m)[1] for m in study64.methods}
    assert best["central6"] < best["central"] < best["forward"]


def test_float32_optimum_is_at_a_larger_step_and_worse(study64, study32):
    for m in ("forward", "central"):
        h64, err64 = study64.optimum(m)
        h32, err32 = study32.optimum(m)
        assert h32 > 10 * h64, m
        assert err32 > 100 * err64, m


def test_complex_step_has_no_round_off_arm(study64):
    assert "complex_step" in study64.methods and study64.evaluations["complex_step"] == 1
    small = study64.steps <= 1e-7
    assert np.max(study64.errors["complex_step"][small]) <= 1e-13
    # The differences at the same steps are ruined by cancellation.
    assert np.min(study64.errors["central"][small]) > 1e-10


@pytest.mark.parametrize("record_id", ["differential.inverse", "jacobians.tanh_layer_denominator"])
def test_differential_and_layouts_use_the_closed_form(record_id):
    # Richardson's best error is tiny only if the exact value (closed form along the tangents,
    # converted from its layout) is right.
    study = fd_study(record_id, steps=[1e-2, 1e-3], methods=["richardson"])
    assert study.methods == ("richardson",)
    assert study.optimum("richardson")[1] < 1e-10


def test_complex_step_needs_a_real_analytic_record():
    assert not matcalc.get("scalar_by_matrix.log_abs_det").real_analytic  # slogdet: |det| is not analytic
    with pytest.raises(ValueError, match="real_analytic"):
        fd_study("scalar_by_matrix.log_abs_det", methods=["complex_step"])


def test_format_study_table(study64):
    text = format_study(study64)
    lines = text.splitlines()
    assert all(m in text for m in study64.methods) and "optimal h" in text
    assert sum(1 for line in lines if line.strip().startswith(("1.0e-", "3.2e-"))) >= len(study64.steps)


def test_hessian_is_refused(capsys):
    with pytest.raises(ValueError, match="hessian"):
        fd_study("hessians.logsumexp")
    assert cli.main(["fd-study", "hessians.logsumexp"]) == 2
    assert "hessian" in capsys.readouterr().err


def test_bad_steps_are_refused():
    with pytest.raises(ValueError, match="positive"):
        fd_study("scalar_rules.chain", steps=[1e-3, 0.0])


def test_cli_prints_table_and_writes_png(tmp_path, capsys):
    path = tmp_path / "study.png"
    assert cli.main(["fd-study", "scalar_rules.chain", "--dtype", "float32", "--plot", str(path)]) == 0
    out = capsys.readouterr().out
    assert "scalar_rules.chain (float32" in out and "central4" in out and "optimal h" in out
    assert "complex_step" in out  # ln(x^2) is real-analytic away from 0: the record says so
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_unknown_id_is_a_clean_error(capsys):
    assert cli.main(["fd-study", "no_such.identity"]) == 2
    err = capsys.readouterr().err
    assert "no identity" in err and "Traceback" not in err
