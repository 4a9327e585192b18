"""Hidden checks of lab 04's update rules (instructor only).

What a correct update rule ``rule(w, dw, config=None) -> (next_w, config)`` does, one property
per check, for each of the six rules students write. Every check compares the student's STEP
with the reference's, step by step, over tens of steps, carrying the student's own config from
one call to the next (see stepper.py); each rule is graded against the reference rule of the
same name only, so a mistake in one rule never costs another.
"""
import numpy as np
import pytest

from autograder.hidden.checklib import CORRECTNESS, PROPERTY, call, expect_tuple, fail
from autograder.diagnose import describe_type

from autograder.hidden.lab04.known_mistakes import candidates, forgiven
from autograder.hidden.lab04.stepper import (STATE_KEYS, fixed_grads, fmt_config, rng_for, run_interleaved, run_rule,
                      valley_grads)

RULES = ("sgd_momentum", "nesterov_momentum", "adagrad", "rmsprop", "adam", "adamw")
ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")

#: Hyperparameters a caller might choose (all different from the defaults).
CUSTOM = {
    "sgd_momentum": {"learning_rate": 0.05, "momentum": 0.5},
    "nesterov_momentum": {"learning_rate": 0.03, "momentum": 0.7},
    "adagrad": {"learning_rate": 0.3, "epsilon": 1e-3},
    "rmsprop": {"learning_rate": 0.02, "decay_rate": 0.9, "epsilon": 1e-4},
    "adam": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6},
    "adamw": {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6,
              "weight_decay": 0.1},
}

#: Learning rates that make progress on the valley in 40 steps.
VALLEY = {
    "sgd_momentum": {"learning_rate": 0.02, "momentum": 0.9},
    "nesterov_momentum": {"learning_rate": 0.02, "momentum": 0.9},
    "adagrad": {"learning_rate": 0.5},
    "rmsprop": {"learning_rate": 0.05},
    "adam": {"learning_rate": 0.1},
    "adamw": {"learning_rate": 0.1},
}


def per_rule(weight, rules=RULES):
    """Parametrize a check over ``rules``; each instance grades its own rule."""
    return pytest.mark.parametrize(
        "rule", [pytest.param(r, marks=pytest.mark.grades(r, weight), id=r) for r in rules])


def adaptive_step_only(rule, config):
    """For adamw, weight_decay=0: the checks not about the decay grade the Adam step alone, so
    a mistake in the decay costs only the three checks that use it (and one in the step costs
    those too: it shows everywhere)."""
    if rule == "adamw":
        return {**(config or {}), "weight_decay": 0.0}
    return config


def fns(student, ref, rule):
    return getattr(student.optim, rule), getattr(ref.optim, rule)


def resume_state(rule, rng, shape):
    """A state in the middle of training, as cs231n's checks give it."""
    if rule in ("sgd_momentum", "nesterov_momentum"):
        return {"velocity": 0.1 * rng.standard_normal(shape)}
    if rule == "adagrad":
        return {"cache": rng.uniform(0.5, 2.0, shape)}
    if rule == "rmsprop":
        return {"cache": rng.uniform(0.2, 1.0, shape)}
    return {"m": 0.1 * rng.standard_normal(shape), "v": rng.uniform(0.01, 0.1, shape), "t": 5}


# ------------------------------------------------------------------------------------ values

@per_rule(CORRECTNESS)
def test_defaults_when_config_is_none(student, ref, rule):
    """config=None on the first call: the documented defaults, then the returned config is
    passed back for 10 more steps."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"defaults/{rule}")
    w0 = rng.standard_normal((4, 5))
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 12), config=None,
             case="config=None on the first call (the defaults)", steps=12, rule=rule,
             candidates=candidates(rule, r_fn),
             forgive=forgiven(rule))


@per_rule(CORRECTNESS)
def test_caller_config_over_30_steps(student, ref, rule):
    """The caller's hyperparameters are used (never overwritten by the defaults), and the
    state is carried across 30 calls."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"custom/{rule}")
    w0 = rng.standard_normal((3, 6))
    config = dict(CUSTOM[rule])
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 30), config=config,
             case=f"config {{{fmt_config(config)}}}", steps=30, rule=rule,
             candidates=candidates(rule, r_fn))


@per_rule(CORRECTNESS)
def test_resumes_from_the_state_in_config(student, ref, rule):
    """A config holding a state from the middle of training (cs231n's names: velocity, cache,
    m, v, t) is continued from, not restarted, and the state is stored back under those names."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"resume/{rule}")
    w0 = rng.standard_normal((5, 3))
    config = adaptive_step_only(rule, {"learning_rate": 0.02, **resume_state(rule, rng, w0.shape)})
    given = ", ".join(f"t={config['t']}" if k == "t" else k for k in STATE_KEYS[rule])
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 8), config=config,
             case=f"resuming from a state in config ({given})", steps=8, rule=rule,
             candidates=candidates(rule, r_fn), check_state_keys=True,
             forgive=forgiven(rule))


@per_rule(CORRECTNESS)
def test_descends_an_ill_conditioned_valley(student, ref, rule):
    """40 steps on a narrow quadratic valley, the gradient taken at the student's own w."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"valley/{rule}")
    w0 = rng.uniform(1.0, 2.0, (2, 4)) * rng.choice([-1.0, 1.0], (2, 4))
    config = adaptive_step_only(rule, dict(VALLEY[rule]))
    run_rule(s_fn, r_fn, w0=w0, grads=valley_grads(w0.shape), config=config,
             case=f"a narrow valley (condition number 25), config {{{fmt_config(config)}}}",
             steps=40, rule=rule, candidates=candidates(rule, r_fn),
             forgive=forgiven(rule))


@per_rule(CORRECTNESS, ADAPTIVE)
def test_tiny_gradients_where_epsilon_matters(student, ref, rule):
    """Gradients of size 1e-6: sqrt(cache) is then comparable to epsilon, so its place shows."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"tiny/{rule}")
    w0 = rng.standard_normal((3, 4))
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 10, scale=1e-6),
             config=adaptive_step_only(rule, None),
             case="gradients of size 1e-6 (default epsilon 1e-8)", steps=10, rule=rule,
             candidates=candidates(rule, r_fn))


@pytest.mark.grades("adamw", CORRECTNESS)
def test_adamw_decouples_weight_decay(student, ref):
    """Strong weight decay with a large learning rate: decoupled decay (AdamW) and L2 decay
    (Adam with weight_decay) differ by a lot here."""
    s_fn, r_fn = fns(student, ref, "adamw")
    rng = rng_for("adamw/decay")
    w0 = 3.0 * rng.standard_normal((4, 4))
    config = {"learning_rate": 0.1, "weight_decay": 0.5}
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 20, scale=0.1), config=config,
             case=f"config {{{fmt_config(config)}}}", steps=20, rule="adamw",
             candidates=candidates("adamw", r_fn))


@pytest.mark.grades("adamw", CORRECTNESS)
def test_adamw_without_decay_is_adam(student, ref):
    """weight_decay=0: AdamW's adaptive step alone, which is Adam's (graded on its own, so a
    mistake in the decay does not cost the step, and the other way round)."""
    s_fn, r_fn = fns(student, ref, "adamw")
    rng = rng_for("adamw/no-decay")
    w0 = rng.standard_normal((3, 5))
    config = {"learning_rate": 0.02, "beta1": 0.85, "beta2": 0.99, "weight_decay": 0.0}
    run_rule(s_fn, r_fn, w0=w0, grads=fixed_grads(rng, w0.shape, 20), config=config,
             case=f"config {{{fmt_config(config)}}}", steps=20, rule="adamw",
             candidates=candidates("adamw", r_fn), forgive=forgiven("adamw"))


@per_rule(CORRECTNESS)
def test_two_parameters_keep_separate_state(student, ref, rule):
    """Two parameters of different shapes updated alternately, each with its own config."""
    s_fn, r_fn = fns(student, ref, rule)
    rng = rng_for(f"two/{rule}")
    params = [(rng.standard_normal((3, 2)), fixed_grads(rng, (3, 2), 15)),
              (rng.standard_normal((4,)), fixed_grads(rng, (4,), 15, scale=3.0))]
    run_interleaved(s_fn, r_fn, params=params, config=adaptive_step_only(rule, dict(CUSTOM[rule])),
                    rule=rule,
                    case="two parameters updated in turn", steps=15,
                    forgive=lambda: forgiven(rule), candidates=lambda: candidates(rule, r_fn, generic=False))


# ------------------------------------------------------------------------------------ properties

@per_rule(PROPERTY)
def test_properties(student, ref, rule):
    """A tuple (next_w, config); next_w float64 with w's shape (any number of dimensions);
    config a dict holding the state; w and dw not modified in place (config may be)."""
    s_fn, _ = fns(student, ref, rule)
    rng = rng_for(f"props/{rule}")
    w = rng.standard_normal((2, 3, 4))
    config = None
    for k in (1, 2):
        dw = rng.standard_normal(w.shape)
        case = f"{'first' if k == 1 else 'second'} call, w of shape (2, 3, 4)"
        res = call(s_fn, w, dw, config, case=case, report_mutation=True)
        changed = [p for p in student.mutated if p in ("args[0]", "args[1]")]
        if changed:
            names = {"args[0]": "w", "args[1]": "dw"}
            fail(f"{case}: {rule} modified its input {', '.join(names[p] for p in changed)} in "
                 f"place — return a new next_w and leave the caller's w and dw unchanged")
        next_w, config = expect_tuple(res, 2, rule, case, ("next_w", "config"))
        if not isinstance(next_w, np.ndarray) or next_w.shape != w.shape:
            fail(f"{case}: next_w is {describe_type(next_w)}, expected an ndarray of shape "
                 f"(2, 3, 4)")
        if next_w.dtype != np.float64:
            fail(f"{case}: next_w has dtype {next_w.dtype}, expected float64 (float64 in, "
                 f"float64 out: keep the state in float64 too)")
        if not isinstance(config, dict):
            fail(f"{case}: config is {describe_type(config)}, expected the config dict")
        missing = [key for key in STATE_KEYS[rule] if key not in config]
        if missing:
            fail(f"{case}: the returned config has no {', '.join(map(repr, missing))}: store "
                 f"the state under cs231n's names ({', '.join(STATE_KEYS[rule])})")
        for key in STATE_KEYS[rule]:
            state = config[key]
            if isinstance(state, np.ndarray) and state.dtype != np.float64:
                fail(f"{case}: config[{key!r}] has dtype {state.dtype}, expected float64 (the "
                     f"state must keep float64 precision, like w)")
        w = next_w
