"""docs/catalog.md is generated from the records: it must not be stale."""

import re
from pathlib import Path

import matcalc
from matcalc.frontends.docs import load_run, render_catalog, section_of

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_catalog_page_is_current():
    run = load_run(DOCS / "verification.json")
    expected = render_catalog(matcalc.catalog(), run)
    actual = (DOCS / "catalog.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/catalog.md is stale: run `make docs`"


def test_recorded_run_covers_every_identity_and_passed():
    run = load_run(DOCS / "verification.json")
    for record in matcalc.catalog():
        per_dtype = run["results"].get(record.id)
        assert per_dtype, f"{record.id} is missing from docs/verification.json: run `make docs`"
        for dtype in ("float64", "float32"):
            assert per_dtype[dtype]["ok"], (record.id, dtype)
            assert set(per_dtype[dtype]["errors"]) == set(record.kind.reference_names(record.real_analytic))
    assert {"date", "jax", "device", "machine"} <= set(run["meta"])


def test_catalog_is_grouped_by_seed_section_in_order():
    text = (DOCS / "catalog.md").read_text(encoding="utf-8")
    sections = list(dict.fromkeys(section_of(r) for r in matcalc.catalog()))
    positions = [text.index(f"## {s}") for s in sections]
    assert positions == sorted(positions)


def test_readme_states_the_number_of_identities_and_links_the_catalog():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/catalog.md" in readme
    counts = [int(n) for n in re.findall(r"(\d+) verified identities", readme)]
    assert counts == [len(matcalc.catalog())], "update the count of verified identities in the README"
