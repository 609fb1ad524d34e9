"""docs/catalog.md and docs/cookbook.md are generated from the records: they must not be stale, and
the Cookbook's coverage map must account for every display of the reference file."""

import functools
import re
from pathlib import Path

import pytest

import matcalc
from matcalc.frontends.cookbook import counts, render_cookbook
from matcalc.frontends.docs import load_run, record_hash, render_catalog, section_of
from matcalc.vocabulary.catalog import coverage

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def test_catalog_page_is_current():
    run = load_run(DOCS / "verification.json")
    expected = render_catalog(matcalc.catalog(), run)
    actual = (DOCS / "catalog.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/catalog.md is stale: run `make docs`"


@functools.cache
def _recorded_run():
    return load_run(DOCS / "verification.json")


def test_recorded_run_states_how_it_ran():
    run = _recorded_run()
    assert {"seed", "matmul_precision"} <= set(run["meta"])
    assert all(entry["environment"].startswith("JAX ") for entry in run["results"].values())


@pytest.mark.parametrize("identity_id", [r.id for r in matcalc.catalog()])
def test_recorded_run_covers_the_identity_as_defined_and_passed(identity_id):
    record = matcalc.get(identity_id)
    per_dtype = _recorded_run()["results"].get(identity_id)
    assert per_dtype, f"{identity_id} is missing from docs/verification.json: run `make docs`"
    assert per_dtype["hash"] == record_hash(record), f"{identity_id} changed since it was verified: run `make docs`"
    for dtype in ("float64", "float32"):
        assert per_dtype[dtype]["ok"], dtype
        assert set(per_dtype[dtype]["errors"]) == set(record.kind.reference_names(record.real_analytic)), dtype


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


def test_cookbook_page_is_current():
    expected = render_cookbook(coverage(), matcalc.catalog(), _recorded_run())
    assert (DOCS / "cookbook.md").read_text(encoding="utf-8") == expected, "docs/cookbook.md is stale: run `make docs`"


REFERENCE = ROOT.parent / "shared" / "reference" / "matrix-cookbook-2012-section2.md"


def _printed_labels() -> list[str]:
    """The display labels of the reference file, in order: "(N)" rows by number, unnumbered rows
    as "after N" for the numbered display before them."""
    labels, previous = [], None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| \(([^)]*)\)", line)
        if not match:
            continue
        label = match.group(1)
        if label.isdigit():
            previous = label
            labels.append(label)
        else:
            labels.append(f"after {previous}")
    return labels


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference file lives in the shared folder beside the checkout")
def test_cookbook_coverage_lists_every_printed_display_in_order():
    assert [d.eq for d in coverage()] == _printed_labels()


def test_readme_states_the_cookbook_counts_and_links_the_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/cookbook.md" in readme
    for status, n in counts(coverage()).items():
        assert f"{n} {status.replace('_', ' ')}" in readme, f"the README should state '{n} {status.replace('_', ' ')}'"


def _runnable_readme_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"<!-- run -->\n```python\n(.*?)```", readme, flags=re.S)


@pytest.mark.parametrize("index", range(len(_runnable_readme_blocks())))
def test_readme_examples_marked_runnable_run(index):
    """Every README example marked ``<!-- run -->`` runs as written, and its assertions hold."""
    exec(compile(_runnable_readme_blocks()[index], f"README example {index}", "exec"), {})


def test_readme_marks_its_examples_runnable():
    blocks = _runnable_readme_blocks()
    assert len(blocks) >= 3
    for api in ("check_rules", "convention=", "params", "holomorphic=True"):
        assert any(api in block for block in blocks), api
