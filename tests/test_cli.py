"""The command line: list, show, verify (table, JSON, exit codes)."""

import contextlib
import functools
import io
import json
import subprocess
import sys
from pathlib import Path

import jax.numpy as jnp
import pytest

import matcalc
from matcalc.frontends import cli
from matcalc.vocabulary.records import Identity, Kind


@functools.cache
def _listed() -> dict:
    """``matcalc list --json``, run once, by id."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["list", "--json"]) == 0
    return {item["id"]: item for item in json.loads(out.getvalue())}


def test_list_json_lists_the_catalog():
    assert list(_listed()) == [r.id for r in matcalc.catalog()]


@pytest.mark.parametrize("identity_id", [r.id for r in matcalc.catalog()])
def test_list_json_has_the_documented_fields(identity_id):
    item = _listed()[identity_id]
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


# -- exit codes, shapes, outputs for CI ----------------------------------------------------------


def _broken_catalog(monkeypatch):
    broken = Identity(id="broken.trace", title="wrong on purpose", latex="x", f=lambda X: jnp.trace(X),
                      closed_form=lambda X: -jnp.eye(X.shape[0], dtype=X.dtype), wrt="X", args={"X": "n n"},
                      kind=Kind.GRADIENT, sources=(matcalc.Source.paper("test"),))
    monkeypatch.setattr(cli, "select", lambda ids: (broken,))


def test_shapes_parse_and_bad_ones_are_usage_errors(capsys):
    assert cli.parse_shape("3x4") == (3, 4) and cli.parse_shape("5") == (5,)
    assert cli.parse_shape("scalar") == () and cli.parse_shape(" 2 X 3 x 1 ") == (2, 3, 1)
    for bad in ("3x4x", "0x4", "abc", "", "-3", "3,4"):
        with pytest.raises(SystemExit) as exit_:
            cli.main(["check", "m:f", "m:g", "--shape", bad])
        assert exit_.value.code == 2
        err = capsys.readouterr().err
        assert "--shape" in err and "3x4" in err and "scalar" in err


def test_check_imports_from_the_current_directory_and_exit_codes(tmp_path, monkeypatch, capsys):
    (tmp_path / "cwdgrads.py").write_text(
        "import jax.numpy as jnp\n"
        "def f(X):\n    return jnp.sum(X ** 3)\n"
        "def right(X):\n    return 3 * X ** 2\n"
        "def raises(X):\n    return helper(X)\n"
        "def helper(X):\n    raise ValueError('my own bug')\n"
    )
    (tmp_path / "brokenmodule.py").write_text("raise RuntimeError('broken at import')\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "cwdgrads:f", "cwdgrads:right", "--shape", "2x3"]) == 0
    assert "PASS" in capsys.readouterr().out
    assert str(tmp_path) not in sys.path  # the current directory is on sys.path for the import only

    assert cli.main(["check", "cwdgrads:f", "cwdgrads:raises", "--shape", "2x3"]) == 3
    err = capsys.readouterr().err
    assert "your code raised ValueError: my own bug" in err and "raise ValueError('my own bug')" in err
    assert "cwdgrads.py" in err and "matcalc/checker" not in err  # the traceback starts at the user's code

    cases = {("nomodule:f", "2x3"): "No module named 'nomodule'", ("cwdgrads:g", "2x3"): "has no 'g'",
             ("brokenmodule:f", "2x3"): "broken at import", ("cwdgrads:f", "2x3 --shape 4"): "2 argument(s)",
             ("cwdgrads:f", "2x3 --domain spd"): "needs a square matrix"}
    for (function, shape), message in cases.items():
        assert cli.main(["check", function, "cwdgrads:right", "--shape", *shape.split()]) == 2, function
        assert message in capsys.readouterr().err
    assert cli.main(["check", "cwdgrads:f", "cwdgrads:right", "--shape", "2x3", "--argnum", "1"]) == 2  # InputError
    assert "argnum=1" in capsys.readouterr().err


def test_unexpected_errors_exit_3_with_the_traceback(monkeypatch, capsys):
    def crash(ids):
        raise ZeroDivisionError("deep inside")

    monkeypatch.setattr(cli, "select", crash)
    assert cli.main(["list", "differential"]) == 3
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: deep inside" in err and "Traceback" in err and "in crash" in err


def test_unknown_ids_and_devices_exit_2(capsys):
    assert cli.main(["list", "no_such_family"]) == 2
    assert "no identity 'no_such_family'" in capsys.readouterr().err
    assert cli.main(["fd-study", "scalar_rules.nope"]) == 2
    assert cli.main(["verify", "differential.trace", "--json", "/no/such/folder/out.json"]) == 2
    assert "no folder" in capsys.readouterr().err
    assert cli.main(["verify", "differential.trace", "--json", "-", "--junit", "-"]) == 2


def test_verify_json_to_stdout_junit_and_markdown(tmp_path, monkeypatch, capsys):
    import xml.etree.ElementTree as ET

    _broken_catalog(monkeypatch)
    junit, markdown = tmp_path / "junit.xml", tmp_path / "summary.md"
    code = cli.main(["verify", "broken.trace", "--dtype", "both", "--json", "-", "--junit", str(junit),
                     "--markdown", str(markdown)])
    captured = capsys.readouterr()
    assert code == 1
    report = json.loads(captured.out)  # stdout carries the JSON alone; the table went to stderr
    assert report["summary"] == {**report["summary"], "total": 2, "failed": 2}
    assert "0 passed, 2 failed" in captured.err and not (tmp_path / "-").exists()

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "2"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["broken.trace[float64]", "broken.trace[float32]"]
    failure = cases[0].find("failure")
    assert "negated" in failure.get("message") and "reference" in failure.text and "diagnosis: negated" in failure.text

    text = markdown.read_text()
    assert "## matcalc verify: FAILED" in text and "0 passed, 2 failed" in text
    assert "| `broken.trace` | gradient | jax |" in text and "**FAIL**" in text and "diagnosis: negated" in text


def test_closed_pipes_end_quietly():
    process = subprocess.Popen([sys.executable, "-m", "matcalc", "list"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader goes away before the first line, as `| head -0` would
    err = process.stderr.read()
    assert process.wait() == cli.EXIT_BROKEN_PIPE
    assert err == ""


def test_console_script_imports_from_the_current_directory(tmp_path):
    """The README's example, run by the installed console script (whose sys.path[0] is its bin folder)."""
    (tmp_path / "mygrads.py").write_text("import jax.numpy as jnp\n"
                                         "def f(X):\n    return jnp.sum(X ** 2)\n"
                                         "def df(X):\n    return 2 * X.T\n")
    script = Path(sys.executable).with_name("matcalc")
    out = subprocess.run([str(script), "check", "mygrads:f", "mygrads:df", "--shape", "3x4"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # imported, checked and found transposed
    assert "transposed" in out.stdout and "No module named" not in out.stderr


def test_verify_in_worker_processes_gives_the_serial_results_in_order(monkeypatch):
    from matcalc.checker import verify as verifying

    monkeypatch.setattr(verifying, "PARALLEL_MIN_TASKS", 2)
    records = [matcalc.get("scalar_by_matrix.trace_AXB"), matcalc.get("differential.trace")]
    serial = verifying.verify_all(records, dtypes=("float64", "float32"))
    seen = []
    parallel = verifying.verify_all(records, dtypes=("float64", "float32"), jobs=2, progress=seen.append)
    key = lambda report: [(r.label, r.dtype, r.ok, r.diagnosis) for r in report.results]  # noqa: E731
    assert key(parallel) == key(serial) and len(seen) == 4
    assert [r.errors.keys() for r in parallel.results] == [r.errors.keys() for r in serial.results]


def test_a_record_outside_the_catalog_is_verified_here_even_with_jobs(monkeypatch):
    from matcalc.checker import verify as verifying

    monkeypatch.setattr(verifying, "PARALLEL_MIN_TASKS", 1)
    local = Identity(id="local.trace", title="trace", latex="x", f=lambda X: jnp.trace(X),
                     closed_form=lambda X: jnp.eye(X.shape[0], dtype=X.dtype), wrt="X", args={"X": "n n"},
                     kind=Kind.GRADIENT, sources=(matcalc.Source.paper("test"),))
    assert verifying.verify_all([local, local], jobs=2).ok


def test_the_readme_exit_code_example_prints_what_it_says(tmp_path):
    """The README's shell example of the exit codes, run as written (the console script on PATH)."""
    import os
    import re

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    script = re.search(r"<!-- run-sh -->\n```sh\n(.*?)```", readme, flags=re.S).group(1)
    expected = re.findall(r"# (\w+: \d)$", script, flags=re.M)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == expected == ["right: 0", "wrong: 1", "usage: 2", "raised: 3"], out.stdout
