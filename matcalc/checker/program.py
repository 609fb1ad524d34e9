"""One compiled program per checked function and dtype: the closed form and every autodiff
reference of its kind, traced into a single ``jax.jit``.

Checking a record used to compile a dozen programs (the closed form op by op, then each
reference); now it compiles this one, plus the finite-difference kernel (float64, shared by both
dtypes' checks). The inputs, tangents and the probes' key are traced arguments, so another seed or
another size of the same record reuses the compiled program where the shapes allow.

Every evaluation of the user's code happens inside a trace like this one, never op by op: JAX 0.10
can dispatch an eager op compiled in one x64 mode with an argument converted in the other (a
closure over a NumPy float64 constant, checked in float64 and then in float32, fails with
RuntimeProgramInputMismatch), because the x64 scope is per thread while that conversion is not.

Fusing the compilation must not fuse what the references compute: XLA would merge identical
subcomputations (``grad`` and ``jacrev`` trace to much the same reverse pass), and one reference's
result would then stand for another's. So each reference gets its own copy of the inputs, as its
own parameters of the program: XLA cannot know that they are equal, and computes each reference
from its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp

from matcalc.references.problem import Problem, is_operator
from matcalc.vocabulary.context import compile_options
from matcalc.vocabulary.layout import Layout, expected_shape, to_jax

Array = jax.Array


def _program(f: Callable, closed_form: Callable | None, kind, argnums: tuple[int, ...], domains: tuple,
             layout: Layout, names: tuple[str, ...], x64: bool, options: tuple = ()) -> Callable:
    """The program for one function, closed form, kind, references and x64 mode.

    The mode is part of the key, so each mode traces its own function: JAX 0.10 reuses the
    constants of a trace made in the other mode (a closure over a NumPy float64 array traced with
    x64 off keeps its float32 copy when the same function is traced again with x64 on), and a
    float64 check would silently compute in float32.
    """

    def run(copies: tuple[tuple[Array, ...], ...], tangents: tuple[Array, ...], key: Array, candidate, drawn: dict):
        first = Problem(f, copies[0], kind, argnums, domains, key, tangents)
        raw = closed_form(*copies[0], *tangents) if closed_form is not None else candidate
        out_shape, in_shape = kind.layout_shapes(first)
        # Shapes and dtypes are static here: a candidate of the wrong shape, or complex where the
        # derivative is real, is returned as it is for the host to diagnose, never broadcast or cast.
        if is_operator(raw):
            if (tuple(raw.out_shape), tuple(raw.in_shape)) != (tuple(out_shape), tuple(in_shape)):
                return {"raw": raw, "value": f(*copies[0])}
            cand = raw
        elif jnp.shape(raw) != expected_shape(layout, out_shape, in_shape) or (
                jnp.iscomplexobj(raw) and not jnp.iscomplexobj(first.x)):
            return {"raw": raw, "value": f(*copies[0])}
        else:
            cand = to_jax(jnp.asarray(raw, first.x.dtype), layout, out_shape, in_shape)
        comparisons = {}
        for name, copy in zip(names, copies[1:]):
            reference = kind.reference(name)
            # A full reference compares whole derivatives: an operator is densified for it, which
            # the size budget has allowed; probes apply the operator instead.
            given = cand.as_dense("jax") if is_operator(cand) and hasattr(reference, "dense_elements") else cand
            c = reference(Problem(f, copy, kind, argnums, domains, key, tangents, drawn), given)
            comparisons[name] = (c.reference, c.candidate, c.error, c.scale)
        return {"raw": raw, "comparisons": comparisons, "magnitude": kind.magnitude(first),
                "zero_scale": kind.zero_scale(first), "value": f(*copies[0])}

    return jax.jit(run, compiler_options=dict(options) or None)


_cached_program = functools.lru_cache(maxsize=1024)(_program)


def run_program(problem: Problem, closed_form: Callable | None, candidate, layout: Layout,
                names: Sequence[str], drawn: dict) -> dict:
    """Run the fused program for ``problem``: the closed form (or the given candidate) and ``names``,
    probing along ``drawn`` (``probe_normals``)."""
    x64 = problem.x.dtype == jnp.float64
    options = tuple(sorted(compile_options(problem.args).items()))
    spec = (problem.f, closed_form, problem.kind, problem.argnums, problem.domains, layout, tuple(names), x64, options)
    try:
        program = _cached_program(*spec)
    except TypeError:  # an unhashable callable (a class instance defining __eq__): compile uncached
        program = _program(*spec)
    copies = tuple(tuple(problem.args) for _ in range(len(names) + 1))
    return program(copies, problem.tangents, problem.key, None if closed_form is not None else candidate, drawn)


def probe_normals(problem: Problem, names: Sequence[str]) -> dict:
    """The normal draws the references ``names`` make in the program (``autodiff.drawing``), drawn
    on the host, so that the program holds no random-number generator to compile. Drawn once per
    check: its reruns a few ulps away (``tolerance.rounding_noise``) probe along the same ones."""
    drawing = [getattr(problem.kind.reference(n), "draws", None) for n in names]
    drawing = [draws for draws in drawing if draws is not None]
    if not drawing:
        return {}
    out = jax.eval_shape(problem.f, *problem.args)
    if not hasattr(out, "shape"):  # not one array: the references draw in the program, by JAX
        return {}
    return problem.normals_for({k: v for draws in drawing for k, v in draws(problem, out).items()})
