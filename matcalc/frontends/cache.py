"""JAX's persistent compilation cache, for matcalc's own entry points only.

Verifying the catalog compiles many small XLA programs (references, per record and dtype) and
spends most of its time compiling, not running them. JAX can keep compiled
executables on disk; the CLI (``make verify``, ``make docs``) and the test suite turn that on, so a
second run reads them back instead of compiling again. Importing matcalc as a library never
does: the cache is a process-wide JAX setting, and that choice belongs to the user's program.

Where: ``$MATCALC_CACHE_DIR``, else ``$XDG_CACHE_HOME/matcalc/jax``, else ``~/.cache/matcalc/jax``.
Off: ``MATCALC_NO_CACHE=1`` or ``matcalc --no-cache``. A cache directory that the user already
gave JAX (``JAX_COMPILATION_CACHE_DIR``) is left as it is. Clearing it is deleting the directory;
entries are keyed by the program, the compile options and the jax/jaxlib versions, so a stale entry
is never used, only left behind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import jax

OFF_VALUES = ("", "0", "false", "no", "off")


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The per-user cache directory matcalc uses, or None when ``MATCALC_NO_CACHE`` turns it off."""
    if environ.get("MATCALC_NO_CACHE", "").strip().lower() not in OFF_VALUES:
        return None
    if environ.get("MATCALC_CACHE_DIR"):
        return Path(environ["MATCALC_CACHE_DIR"]).expanduser()
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"  # the XDG spec ignores relative paths
    return base / "matcalc" / "jax"


def enable_compilation_cache(disabled: bool = False) -> str | None:
    """Point JAX's persistent compilation cache at :func:`cache_dir`; return the directory in use.

    Call it before the first compilation. Every program is cached, however small or quick to
    compile: matcalc's programs are small, and it is their number that costs. Returns None (and
    changes nothing) when turned off or when the directory cannot be created.
    """
    if disabled:
        return None
    if jax.config.jax_compilation_cache_dir:  # the user configured JAX's cache: theirs wins
        return jax.config.jax_compilation_cache_dir
    path = cache_dir()
    if path is None:
        return None
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home, say: run uncached rather than fail
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)  # -1: no size threshold
    return str(path)


__all__ = ["cache_dir", "enable_compilation_cache"]
