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


# -- what a full reference holds: f's intermediates once per basis vector ----------------------


def _problem(f, x, kind):
    from matcalc.references.problem import Problem
    from matcalc.vocabulary.domains import resolve_domain
    import jax
    return Problem(f=f, args=(jnp.asarray(x),), kind=kind, argnums=(0,), domains=(resolve_domain("general"),),
                   key=jax.random.PRNGKey(0))


def test_jacfwd_holds_f_intermediates_once_per_input():
    """sum(tanh(x x^T)) for x of 600 entries: its gradient is 600 numbers and its dense references
    are small by ``dense_elements`` (jacfwd 3.6e5), but jacfwd pushes 600 tangents through the
    600 x 600 intermediate at once: 2.2e8 elements. jacrev pulls one cotangent (a scalar f)."""
    from matcalc.checker import cost
    from matcalc.references.autodiff import JACFWD_ELEMENTS
    n = 600
    problem = _problem(lambda x: jnp.sum(jnp.tanh(jnp.outer(x, x))), rng.normal(size=n), matcalc.Kind.GRADIENT)
    assert JACFWD_ELEMENTS(1, n) <= cost.MAX_ARRAY_ELEMENTS  # what the budget alone sees
    reasons = cost.too_large_references(problem, ["grad", "jacrev", "jacfwd", "fd"])
    assert set(reasons) == {"jacfwd"}, reasons
    assert "(600, 600)" in reasons["jacfwd"] and "per input through f at once (600 " in reasons["jacfwd"], reasons


def test_jacrev_holds_f_intermediates_once_per_output():
    """A vector f: R^n -> R^n through an n x n intermediate. At limit n^3 both fit, one below both
    are refused: jacrev batches n cotangents, jacfwd n tangents."""
    from matcalc.checker import cost
    n = 20
    problem = _problem(lambda x: jnp.tanh(jnp.outer(x, x)) @ x, rng.normal(size=n), matcalc.Kind.JACOBIAN)
    assert cost.too_large_references(problem, ["jacrev", "jacfwd", "jvp", "vjp", "fd"], limit=n**3) == {}
    reasons = cost.too_large_references(problem, ["jacrev", "jacfwd", "jvp", "vjp", "fd"], limit=n**3 - 1)
    assert set(reasons) == {"jacrev", "jacfwd"} and "per output through f at once (20 " in reasons["jacrev"], reasons


# -- records at real sizes: nothing big is built while tracing, sizes a record cannot take -------


def _specs(record, n):
    import jax
    from matcalc.vocabulary.records import resolve_shape
    from matcalc.vocabulary.sampling import record_dims
    sizes = record_dims(record, {d: n for a in record.args.values() for d in a.shape.split() if not d.isdigit()})
    return [jax.ShapeDtypeStruct(resolve_shape(a.shape, sizes), jnp.float64) for a in record.args.values()]


@pytest.mark.parametrize(("identity_id", "closed_form_elements"), [
    ("cookbook.structured.structure_matrix_toeplitz", 2 * 4096**3),  # the dense Jacobian itself
    ("cookbook.structured.structure_matrix_symmetric", 4096**4),
    ("cookbook.structured.chain_rule_toeplitz", 2 * 4096**2),  # S contracted as the diagonal sums it marks
    ("cookbook.structured.toeplitz_trace_AT", 4096**2),
])
def test_structured_records_trace_at_4096_without_building_tables(identity_id, closed_form_elements):
    """The structure matrices were NumPy tables built while tracing (2n^3 or n^4 numbers: 137 GB and
    more at n = 4096, a MemoryError). Now iotas: tracing holds nothing, and the cost guard reads the
    sizes off the program."""
    import resource
    from matcalc.checker import cost
    record = matcalc.get(identity_id)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    elements, _ = cost.largest_array(record.closed_form, _specs(record, 4096))
    f_elements, _ = cost.largest_array(record.f, _specs(record, 4096))
    assert elements == closed_form_elements and f_elements <= 2 * 4096**2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # kB: under 200 MB more


def test_toeplitz_chain_rule_contracts_like_the_dense_structure_matrices():
    from identities.cookbook import structured
    for n in (1, 2, 5):
        G = jnp.asarray(rng.normal(size=(n, n)))
        dense = jnp.einsum("kl,adkl->ad", G, structured._toeplitz_structure(n, G.dtype))
        np.testing.assert_allclose(structured._toeplitz_structure_trace(G), dense, rtol=1e-14, atol=1e-14)


def test_a_record_whose_structure_tables_are_too_big_is_not_run_and_says_its_size():
    result = matcalc.verify("cookbook.structured.structure_matrix_symmetric", dims={"n": 200})
    assert not result and not result.errors, str(result)
    assert result.diagnosis.startswith("not run: the closed form materializes") and "(200, 200, 200, 200)" in result.diagnosis


@pytest.mark.parametrize("m", [4, 512])
def test_a_record_outside_the_sizes_it_applies_to_is_not_run_and_says_why(m):
    """(126) needs X tall, and its X is 4 x m: at m >= 4 f refuses the sizes while traced (SizeError)."""
    result = matcalc.verify("cookbook.traces.trace_inv_XtCX_XtBX", dims={"m": m}, check_printed=False)
    assert not result and not result.errors, str(result)
    assert result.diagnosis.startswith("not run: f does not apply at these sizes: (126) needs X tall"), result.diagnosis
    assert f"X is 4 x {m}" in result.diagnosis


def test_size_error_from_any_f_is_reported_not_run():
    from matcalc.checker import cost

    def f(X):
        if X.shape[0] <= X.shape[1]:
            raise cost.SizeError("X must be tall")
        return jnp.sum(X)

    assert cost.too_large({"f": f}, [np.zeros((3, 2))]) is None
    assert cost.too_large({"f": f}, [np.zeros((2, 3))]) == "f does not apply at these sizes: X must be tall"


def test_hessian_references_hold_f_intermediates_per_input_and_rev_over_fwd_squared():
    """hessian = jacfwd(jacrev): n tangents through one reverse pass; rev_over_fwd = jacrev(jacfwd):
    n cotangents pulled back through n tangents, n^2 copies of f's n x n intermediate."""
    from matcalc.checker import cost
    n = 20
    problem = _problem(lambda x: jnp.sum(jnp.tanh(jnp.outer(x, x))), rng.normal(size=n), matcalc.Kind.HESSIAN)
    reasons = cost.too_large_references(problem, ["hessian", "rev_over_fwd", "fd"], limit=n**3)
    assert set(reasons) == {"rev_over_fwd"} and f"({n * n} of them)" in reasons["rev_over_fwd"], reasons


def test_arrays_that_do_not_depend_on_the_input_are_not_batched():
    """x^T A x with A 600 x 600: the tangents go through A x (600 numbers), not through A, so jacfwd
    holds 600 x 600, under the limit; counting A would refuse it (2.2e8)."""
    import jax

    from matcalc.checker import cost
    from matcalc.references.problem import Problem
    from matcalc.vocabulary.domains import resolve_domain
    n = 600
    args = (jnp.asarray(rng.normal(size=n)), jnp.asarray(rng.normal(size=(n, n))))
    problem = Problem(f=lambda x, A: x @ A @ x, args=args, kind=matcalc.Kind.GRADIENT, argnums=(0,),
                      domains=(resolve_domain("general"),) * 2, key=jax.random.PRNGKey(0))
    assert cost.largest_array(problem.f, args) == (n * n, (n, n))
    assert cost.largest_array(problem.f, args, wrt=(0,)) == (n, (n,))
    assert cost.too_large_references(problem, ["grad", "jacrev", "jacfwd", "fd"]) == {}
    assert set(cost.too_large_references(problem, ["jacfwd"], limit=n * n - 1)) == {"jacfwd"}


def test_records_not_run_at_a_size_are_counted_apart_and_do_not_fail_the_run(tmp_path, capsys):
    """At sizes where a record cannot be evaluated, verify says "not run" with the reason, in the table,
    the JSON and JUnit (skipped), and exits 0 when everything that ran passed; nothing run is not a pass."""
    import json

    from matcalc.frontends import cli

    junit, out = tmp_path / "j.xml", tmp_path / "v.json"
    code = cli.main(["verify", "cookbook.traces.trace_inv_XtCX_XtBX", "scalar_by_matrix.trace_AXB", "--dims", "m=5",
                     "--json", str(out), "--junit", str(junit)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "1 passed, 0 failed, 1 not run at these sizes" in text and "not run: cookbook.traces" in text
    summary = json.loads(out.read_text())["summary"]
    assert (summary["passed"], summary["failed"], summary["not_run"]) == (1, 0, 1)
    assert 'skipped="1"' in junit.read_text() and "<skipped" in junit.read_text()
    assert cli.main(["verify", "cookbook.traces.trace_inv_XtCX_XtBX", "--dims", "m=5"]) == 1  # none ran


def test_a_record_the_engine_refuses_fails_it_is_not_counted_as_not_run():
    """An InputError that is not about memory (here: f is NaN at every point) is a defect of the record:
    a failure, never "not run"."""
    bad = matcalc.Identity(id="local.refused", title="t", latex="x", f=lambda X: jnp.sum(jnp.log(-1 - X * X)),
                           closed_form=lambda X: -2 * X / (-1 - X * X), wrt="X", args={"X": "n n"},
                           kind=matcalc.Kind.GRADIENT, sources=(matcalc.Source.paper("test"),))
    result = matcalc.verify(bad)
    assert not result and result.not_run is None and result.diagnosis.startswith("refused: f is not finite")
