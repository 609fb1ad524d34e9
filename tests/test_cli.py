"""The command line: list, show, verify (table, JSON, exit codes)."""

import json
import subprocess
import sys

import jax.numpy as jnp

import matcalc
from matcalc.frontends import cli
from matcalc.vocabulary.records import Identity, Kind


def test_list_json_has_the_documented_fields(capsys):
    assert cli.main(["list", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert len(items) == len(matcalc.catalog())
    for item in items:
        assert {"id", "kind", "layout", "args", "wrt", "sources"} <= set(item)
        assert all({"shape", "domain"} <= set(a) for a in item["args"].values())


def test_list_text_and_family_prefix(capsys):
    assert cli.main(["list", "differential"]) == 0
    out = capsys.readouterr().out
    assert "differential.product" in out and "scalar_by_matrix" not in out


def test_show_prints_the_recorded_verification_at_once(capsys):
    assert cli.main(["show", "vector_by_matrix.AXb"]) == 0
    out = capsys.readouterr().out
    assert "verified: passed" in out and "(recorded" in out, "the recorded run is stale: run `make docs`"


def test_show_prints_formula_layout_sources_and_example(capsys):
    assert cli.main(["show", "vector_by_matrix.AXb", "--verify"]) == 0
    out = capsys.readouterr().out
    for word in ("formula", "layout", "J[i, j, k]", "sources", "worked example", "closed form", "jax.jacrev",
                 "relative error", "verified: passed", "jacrev", "fd"):
        assert word in out


def test_verify_prints_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "out.json"
    code = cli.main(["verify", "scalar_by_matrix.trace_AXB", "differential.trace", "--dtype", "both", "--json",
                     str(path)])
    captured = capsys.readouterr()
    assert code == 0
    assert "4 passed, 0 failed" in captured.out and "matmul precision highest" in captured.out
    assert "[   4/4] pass" in captured.err
    report = json.loads(path.read_text())
    assert report["summary"]["total"] == 4 and report["summary"]["failed"] == 0
    assert {"id", "ok", "errors"} <= set(report["results"][0])
    assert report["summary"]["seconds"] > 0


def test_verify_exits_1_and_reports_a_failure(monkeypatch, capsys):
    broken = Identity(id="broken.trace", title="wrong on purpose", latex="x", f=lambda X: jnp.trace(X),
                      closed_form=lambda X: -jnp.eye(X.shape[0], dtype=X.dtype), wrt="X", args={"X": "n n"},
                      kind=Kind.GRADIENT, sources=(matcalc.Source.paper("test"),))
    monkeypatch.setattr(cli, "select", lambda ids: (broken,))
    assert cli.main(["verify", "broken.trace"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "negated" in out and "0 passed, 1 failed" in out


def test_unknown_id_is_a_clear_error(capsys):
    assert cli.main(["show", "scalar_by_matrix.trace"]) == 2
    err = capsys.readouterr().err
    assert "did you mean" in err and "scalar_by_matrix.trace_AXB" in err


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "matcalc", "list"], capture_output=True, text=True, check=True)
    assert f"{len(matcalc.catalog())} identities" in out.stdout


def test_check_command_diagnoses_a_users_gradient(tmp_path, monkeypatch, capsys):
    (tmp_path / "usergrads.py").write_text(
        "import jax.numpy as jnp\n"
        "def f(X):\n    return jnp.linalg.slogdet(X)[1]\n"
        "def right(X):\n    return jnp.linalg.inv(X).T\n"
        "def wrong(X):\n    return jnp.linalg.inv(X)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli.main(["check", "usergrads:f", "usergrads:right", "--shape", "3x3", "--domain", "invertible"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert cli.main(["check", "usergrads:f", "usergrads:wrong", "--shape", "3x3", "--domain", "invertible"]) == 1
    assert "transposed" in capsys.readouterr().out
    assert cli.main(["check", "usergrads:f", "usergrads:nothing", "--shape", "3x3"]) == 2
