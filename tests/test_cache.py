"""The persistent compilation cache: the CLI's and the tests', never the library's."""

import os
import subprocess
import sys
from pathlib import Path

from matcalc.frontends.cache import cache_dir


def test_importing_matcalc_leaves_the_compilation_cache_alone():
    code = ("import jax; before = (jax.config.jax_compilation_cache_dir, "
            "jax.config.jax_persistent_cache_min_compile_time_secs); import matcalc, identities; "
            "matcalc.catalog(); after = (jax.config.jax_compilation_cache_dir, "
            "jax.config.jax_persistent_cache_min_compile_time_secs); "
            "assert after == before == (None, 1.0), after; print('ok')")
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "ok"


def test_cache_dir_is_per_user_and_can_be_moved_or_turned_off():
    home = Path.home()
    assert cache_dir({}) == home / ".cache" / "matcalc" / "jax"
    assert cache_dir({"XDG_CACHE_HOME": "/xdg"}) == Path("/xdg/matcalc/jax")
    assert cache_dir({"XDG_CACHE_HOME": "relative"}) == home / ".cache" / "matcalc" / "jax"  # as XDG says
    assert cache_dir({"MATCALC_CACHE_DIR": "/elsewhere", "XDG_CACHE_HOME": "/xdg"}) == Path("/elsewhere")
    assert cache_dir({"MATCALC_NO_CACHE": "1", "MATCALC_CACHE_DIR": "/elsewhere"}) is None
    assert cache_dir({"MATCALC_NO_CACHE": "0"}) is not None


def test_cli_fills_the_cache_unless_told_not_to(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JAX_", "MATCALC_"))}
    command = [sys.executable, "-m", "matcalc", "verify", "scalar_by_matrix.trace_AXB", "--dtype", "float32"]
    off = tmp_path / "off"
    subprocess.run(command + ["--no-cache"], env=env | {"MATCALC_CACHE_DIR": str(off)}, check=True,
                   capture_output=True)
    assert not off.exists()
    on = tmp_path / "on"
    subprocess.run(command, env=env | {"MATCALC_CACHE_DIR": str(on)}, check=True, capture_output=True)
    assert any(on.glob("*-cache"))
