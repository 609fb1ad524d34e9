"""Generated from the catalog: one test per identity x reference x dtype, and one per identity x dtype
for the whole verdict.

Each identity is verified once per dtype, with every reference of its kind in one compiled program,
and its tests read that result: a reference's test fails when that reference disagrees (or abstains),
the verdict's when the check as a whole does not pass. The tests of one identity share an xdist group
(`make test` runs `--dist loadgroup`), so the verification runs once, not once per reference.
"""

import functools
import importlib
import pkgutil

import pytest

import identities
import matcalc
from matcalc.vocabulary.sampling import seed_for

DTYPES = ("float64", "float32")
RECORDS = [r.id for r in matcalc.catalog()]


@functools.cache
def _verified(identity_id: str, dtype: str) -> matcalc.CheckResult:
    return matcalc.verify(identity_id, dtype=dtype, seed=seed_for(f"{identity_id}-{dtype}"))


def _case(*values: str):
    return pytest.param(*values, id="-".join(values), marks=pytest.mark.xdist_group(values[0]))


@pytest.mark.parametrize(("identity_id", "reference", "dtype"), [
    _case(r.id, ref, dtype) for r in matcalc.catalog() for ref in r.kind.reference_names(r.real_analytic)
    for dtype in DTYPES])
def test_identity_matches_reference(identity_id, reference, dtype):
    result = _verified(identity_id, dtype)
    assert reference in result.errors, f"{reference} did not run: {result.skipped.get(reference)}\n{result}"
    if reference in result.inconclusive:  # it abstained here (its reason is in the report); the verdict
        pytest.skip(f"{reference} abstained: {result.inconclusive[reference]}")  # test still needs a vote of its family
    assert result.errors[reference] <= result.tolerances[reference], str(result)


@pytest.mark.parametrize(("identity_id", "dtype"), [_case(i, dtype) for i in RECORDS for dtype in DTYPES])
def test_identity_verdict(identity_id, dtype):
    """Every reference together: both families agree, and an erratum's printed form fails as stated."""
    result = _verified(identity_id, dtype)
    assert result.ok, str(result)


@pytest.mark.parametrize("identity_id", RECORDS)
def test_identity_at_size_one(identity_id):
    """Every dimension 1: the degenerate sizes that broadcasting bugs hide in."""
    record = matcalc.get(identity_id)
    ones = {d: 1 for arg in record.args.values() for d in arg.shape.split() if not d.isdigit()}
    # An erratum's printed form is checked at the default sizes: a transposed term can coincide
    # with the truth at size 1, which says nothing about the claim.
    result = matcalc.verify(record, dims=ones, seed=seed_for(identity_id), check_printed=False)
    assert result.ok, str(result)


def test_every_family_module_is_in_the_catalog():
    modules = {name for _, name, is_package in pkgutil.walk_packages(identities.__path__, "identities.")
               if not is_package and not name.rsplit(".", 1)[1].startswith("_")}
    listed = {family.__name__ for family in identities.FAMILIES}
    assert modules == listed
    for name in modules:
        assert importlib.import_module(name).RECORDS, name


def test_catalog_records_are_well_formed():
    ids = [r.id for r in matcalc.catalog()]
    assert len(ids) == len(set(ids))
    for record in matcalc.catalog():
        assert record.sources and all(isinstance(s, matcalc.Source) for s in record.sources)
        assert all(s.work != "cookbook" or s.edition == "2012-11-15" for s in record.sources), "cite the edition"
        assert matcalc.get(record.id) is record


def test_default_inputs_are_not_square_unless_required():
    """A square default input hides transposition errors: only square-domain arguments are square."""
    for record in matcalc.catalog():
        for name, arg in record.args.items():
            dims = arg.shape.split()
            if len(dims) == 2 and dims[0] == dims[1]:
                continue  # the identity itself says square ("n n")
            shapes = [a.shape for a in matcalc.sample_args(record)]
            shape = shapes[list(record.args).index(name)]
            assert len(shape) != 2 or shape[0] != shape[1], (record.id, name, shape)
