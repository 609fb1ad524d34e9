"""The size budget of the full references (``max_dense``) at small sizes: with ``max_dense=0`` only
the probes (jvp, vjp, finite differences along random tangents) run, the skipped references are
listed, and the same wrong candidates still fail, diagnosed from probes. Then the sizes a
verification runs at (``dims``, the CLI's ``--dims``/``--size``/``--max-dense``), and a record too
big to evaluate at the requested sizes, reported as not run. The same checks at real sizes are in
test_large_sizes.py (``make test-slow``)."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

import matcalc
from matcalc.frontends import cli
from matcalc.vocabulary.operators import Commutation, Kronecker

rng = np.random.default_rng(7)
N = 6
X = np.linalg.qr(rng.normal(size=(N, N)))[0] * np.linspace(1, 2, N) @ np.linalg.qr(rng.normal(size=(N, N)))[0]
A, B, b = rng.normal(size=(4, N)), rng.normal(size=(N, 5)), rng.normal(size=N)
noise = rng.normal(size=(N, N))


def logdet(X):
    return jnp.linalg.slogdet(X)[1]


def right(X):
    return jnp.linalg.inv(X).T


PERTURBED = 1e-6 * np.linalg.norm(np.linalg.inv(X)) * noise / np.linalg.norm(noise)
WRONG_GRADIENTS = {  # the candidate, and the words its diagnosis must contain
    "transposed": (lambda X: jnp.linalg.inv(X), "transposed"),
    "negated": (lambda X: -jnp.linalg.inv(X).T, "negated"),
    "scaled": (lambda X: 1.5 * jnp.linalg.inv(X).T, "scaled by 1.5"),
    "perturbed": (lambda X: jnp.linalg.inv(X).T + PERTURBED, ""),
}


def test_probes_only_gradient_keeps_grad_and_lists_what_it_skipped():
    """grad is one reverse pass (it costs what f costs, like a probe): max_dense=0 keeps it and fd,
    and skips the references that materialize a basis, listing them."""
    result = matcalc.check_gradient(logdet, right, X, max_dense=0)
    assert result, str(result)
    assert set(result.skipped) == {"jacrev", "jacfwd"} and set(result.errors) == {"grad", "fd"}
    assert "max_dense=0" in result.skipped["jacfwd"] and "skipped" in str(result)


def test_a_budget_of_the_inputs_size_keeps_jacrev_of_a_scalar():
    """jacrev of a scalar f materializes what X holds plus one; jacfwd X.size times more."""
    result = matcalc.check_gradient(logdet, right, X, max_dense=X.size + 1)
    assert result, str(result)
    assert set(result.skipped) == {"jacfwd"} and set(result.errors) == {"grad", "jacrev", "fd"}


def test_default_budget_runs_every_reference_at_small_sizes():
    result = matcalc.check_gradient(logdet, right, X)
    assert result and not result.skipped and set(result.errors) == {"grad", "jacrev", "jacfwd", "fd"}


@pytest.mark.parametrize("name", WRONG_GRADIENTS)
def test_probes_only_rejects_a_wrong_gradient(name):
    candidate, words = WRONG_GRADIENTS[name]
    result = matcalc.check_gradient(logdet, candidate, X, max_dense=0)
    assert not result, str(result)
    assert words in result.diagnosis and "from probes" in result.diagnosis, result.diagnosis


# -- a Jacobian: y = A X b, a vector by a square matrix ------------------------------------------


def axb(X):
    return A @ X @ b


WRONG_JACOBIANS = {  # J[i, j, k] = A[i, j] b[k]
    "transposed": (lambda X: jnp.einsum("ik,j->ijk", A, b), "transposed"),
    "negated": (lambda X: -jnp.einsum("ij,k->ijk", A, b), "negated"),
    "scaled": (lambda X: 1.5 * jnp.einsum("ij,k->ijk", A, b), "scaled by 1.5"),
}


def test_probes_only_jacobian_passes():
    result = matcalc.check_jacobian(axb, lambda X: jnp.einsum("ij,k->ijk", A, b), X, max_dense=0)
    assert result, str(result)
    assert set(result.skipped) == {"jacrev", "jacfwd"} and set(result.errors) == {"jvp", "vjp", "fd"}


@pytest.mark.parametrize("name", WRONG_JACOBIANS)
def test_probes_only_rejects_a_wrong_jacobian(name):
    candidate, words = WRONG_JACOBIANS[name]
    result = matcalc.check_jacobian(axb, candidate, X, max_dense=0)
    assert not result and set(result.skipped) == {"jacrev", "jacfwd"}, str(result)
    assert words in result.diagnosis and "from probes" in result.diagnosis, result.diagnosis


# -- an operator candidate: the Kronecker Jacobian of X -> A X B ----------------------------------


def test_probes_only_operator_candidate():
    f = lambda X: A @ X @ B  # noqa: E731
    right = matcalc.check_jacobian(f, lambda X: Kronecker.of_product(A, B), X, max_dense=0)
    assert right and set(right.skipped) == {"jacrev", "jacfwd"}, str(right)
    square = rng.normal(size=(N, N))
    h = lambda X: square @ X  # noqa: E731  (every factor N x N: swapping them keeps the shapes)
    assert matcalc.check_jacobian(h, lambda X: Kronecker.of_product(square, jnp.eye(N)), X, max_dense=0)
    swapped = matcalc.check_jacobian(h, lambda X: Kronecker.of_product(jnp.eye(N), square), X, max_dense=0)
    assert not swapped and "from probes" in swapped.diagnosis, str(swapped)
    transposed = matcalc.check_jacobian(h, lambda X: Kronecker.of_product(square, jnp.eye(N)) @ Commutation(N, N),
                                        X, max_dense=0)
    assert not transposed and "transposed" in transposed.diagnosis, str(transposed)


# -- verify at chosen sizes ---------------------------------------------------------------------


def test_verify_takes_sizes_and_a_budget():
    result = matcalc.verify("vector_by_matrix.AXb", dims={"n": 7, "m": 5, "p": 3}, max_dense=0)
    assert result, str(result)
    assert result.args["X"] == (7, 5) and set(result.skipped) == {"jacrev", "jacfwd"}


def test_fixed_sizes_stay():
    record = matcalc.get("cookbook.traces.trace_inv_XtCX_XtBX")  # X is "4 m"
    result = matcalc.verify(record, dims={"m": 2}, check_printed=False)
    assert result.args["X"] == (4, 2), result.args


def test_a_record_too_big_to_evaluate_is_not_run_and_says_why():
    """tr(X kron X) holds n^4 numbers: at n = 200, 1.6e9 of them. Traced, never run."""
    result = matcalc.verify("cookbook.traces.trace_kron_XX", dims={"n": 200})
    assert not result and not result.errors and result.diagnosis.startswith("not run: f materializes")
    assert "(40000, 40000)" in result.diagnosis and {"grad", "jacrev", "jacfwd", "fd"} <= set(result.skipped)


# -- the command line ---------------------------------------------------------------------------


def test_parse_dims_size_and_max_dense():
    assert cli.parse_dims("n=1024,m=512") == {"n": 1024, "m": 512}
    assert cli.parse_dims(" n = 3 ") == {"n": 3}
    assert cli.parse_max_dense("0") == 0 and cli.parse_max_dense("1e8") == 1e8
    assert cli.parse_max_dense("inf") == float("inf")


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--dims", "n=x", "NAME=SIZE pairs"), ("--dims", "n=0", "NAME=SIZE pairs"), ("--dims", "1024", "NAME=SIZE"),
    ("--dims", "n=3,,m=2", "NAME=SIZE"), ("--size", "0", "at least 1"), ("--size", "big", "whole number"),
    ("--max-dense", "-1", "number of elements"), ("--max-dense", "1.5", "number of elements"),
    ("--max-dense", "lots", "number of elements"),
])
def test_bad_sizes_are_usage_errors_naming_the_form(option, value, words, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["verify", "vector_by_matrix.AXb", option, value])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert option in err and words in err, err


def test_dims_must_name_a_dimension_the_identities_use(capsys):
    assert cli.main(["verify", "scalar_by_matrix.log_abs_det", "--dims", "z=3"]) == 2
    assert "z" in capsys.readouterr().err


def test_cli_verify_at_a_size_with_probes_only(tmp_path, capsys):
    path = tmp_path / "out.json"
    code = cli.main(["verify", "vector_by_matrix.AXb", "--size", "6", "--dims", "p=2", "--max-dense", "0",
                     "--json", str(path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "sizes m=6, n=6, p=2" in out and "max_dense 0" in out
    (result,) = json.loads(path.read_text())["results"]
    assert result["args"]["X"] == [6, 6] and set(result["skipped"]) == {"jacrev", "jacfwd"}
