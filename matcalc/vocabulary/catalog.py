"""The engine's one door into the catalog: a lazy import of the ``identities`` package."""

from __future__ import annotations

import difflib
import functools

from matcalc.vocabulary.records import Identity
from matcalc.vocabulary.sources import Display


@functools.cache
def catalog() -> tuple[Identity, ...]:
    """Every identity record, in catalog order."""
    import identities  # late: the catalog is built on the engine, never the other way round

    records = tuple(identities.all_records())
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise ValueError(f"identity id {record.id!r} appears twice in the catalog")
        seen.add(record.id)
    return records


def get(identity_id: str) -> Identity:
    """One record by its id, e.g. ``matcalc.get("scalar_by_matrix.trace_AXB")``."""
    for record in catalog():
        if record.id == identity_id:
            return record
    ids = [r.id for r in catalog()]
    tail = identity_id.split(".")[-1].lower()
    close = list(dict.fromkeys(difflib.get_close_matches(identity_id, ids, n=5) + [i for i in ids if tail in i.lower()]))
    hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `matcalc list` shows them all"
    raise KeyError(f"no identity {identity_id!r}{hint}")


def select(ids: list[str] | None = None) -> tuple[Identity, ...]:
    """Records by id or id prefix (a family such as ``differential``); all when ``ids`` is empty."""
    if not ids:
        return catalog()
    chosen = []
    for wanted in ids:
        matches = [r for r in catalog() if r.id == wanted or r.id.startswith(wanted.rstrip(".") + ".")]
        if not matches:
            get(wanted)  # raises with suggestions
        chosen.extend(m for m in matches if m not in chosen)
    return tuple(chosen)


@functools.cache
def coverage() -> tuple[Display, ...]:
    """The Matrix Cookbook's Section 2, display by display: what the catalog made of each."""
    from identities.cookbook import coverage as cookbook_coverage  # late, as for the records

    displays = cookbook_coverage()
    ids = {r.id for r in catalog()}
    for display in displays:
        missing = [i for i in display.records if i not in ids]
        if missing:
            raise ValueError(f"Cookbook display ({display.eq}) names records not in the catalog: {missing}")
    return displays


def displays(labels: list[str] | None = None) -> tuple[Display, ...]:
    """Displays by label (``"92"``, ``"after 32"``); all when ``labels`` is empty."""
    if not labels:
        return coverage()
    by_label = {d.eq: d for d in coverage()}
    unknown = [label for label in labels if label not in by_label]
    if unknown:
        raise KeyError(f"no Cookbook display {', '.join(map(repr, unknown))}; labels run from '32' to '144', "
                       "unnumbered ones read 'after N'")
    return tuple(by_label[label] for label in labels)
