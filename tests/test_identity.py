"""Record validation: a malformed record fails at construction, naming itself."""

import jax.numpy as jnp
import pytest

from matcalc import Source
from matcalc.vocabulary.records import Identity, Kind, resolve_shape

GOOD = dict(
    id="test.trace",
    title="t",
    latex="x",
    f=lambda X: jnp.trace(X),
    closed_form=lambda X: jnp.eye(X.shape[0]),
    wrt="X",
    args={"X": "n n"},
    kind=Kind.GRADIENT,
    sources=(Source.paper("here"),),
)


def test_good_record_builds():
    record = Identity(**GOOD)
    assert record.kind is Kind.GRADIENT and record.args["X"].shape == "n n"
    assert record.to_json()["args"] == {"X": {"shape": "n n", "domain": "general"}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"wrt": "Y"}, "wrt 'Y' must name arguments"),
        ({"kind": "gradiant"}, "gradiant"),
        ({"layout": "rowmajor"}, "rowmajor"),
        ({"sources": ()}, "source"),
        ({"out": "n"}, "scalar-valued"),
        ({"args": {"X": "n 2x"}}, "bad dimension"),
        ({"args": {"X": ("n", "symmetric")}}, "rank"),
        ({"id": "NoDots"}, "dotted"),
        ({"layout": "vec"}, "returned in the 'jax' layout"),
    ],
)
def test_malformed_record_names_itself(change, message):
    with pytest.raises(ValueError, match=message) as info:
        Identity(**{**GOOD, **change})
    assert "test.trace" in str(info.value) or "NoDots" in str(info.value)


def test_resolve_shape_names_missing_dimension():
    assert resolve_shape("m n", {"m": 2, "n": 3}) == (2, 3)
    assert resolve_shape("", {}) == ()
    with pytest.raises(ValueError, match="'q'"):
        resolve_shape("m q", {"m": 2})
