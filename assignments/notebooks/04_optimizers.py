"""Lab 04 notebook: optimizers and learning-rate schedules (the readable description).

``assignments/build_notebooks.py`` finds this file (assignments/notebooks/NN_name.py), calls
``cells(nb)`` with itself as ``nb`` (its cell helpers: md, code, setup, grades, answer) and writes
assignments/source/04_optimizers/04_optimizers.ipynb. Nothing in this folder is released:
nbgrader releases only assignments/source/04_optimizers/.
"""
from autograder.labs import get_lab

NAME = "04_optimizers"

#: The rules compared on the 2-D surfaces, with a learning rate that suits each on each surface
#: (an adaptive rule takes steps of about learning_rate whatever the gradient's size).
SURFACE_RATES = {
    "valley": {"sgd": 0.4, "sgd_momentum": 0.05, "nesterov_momentum": 0.05, "adagrad": 1.0,
               "rmsprop": 0.1, "adam": 0.3},
    "saddle": {"sgd": 0.05, "sgd_momentum": 0.05, "nesterov_momentum": 0.05, "adagrad": 0.3,
               "rmsprop": 0.05, "adam": 0.1},
    "bumpy": {"sgd": 0.2, "sgd_momentum": 0.1, "nesterov_momentum": 0.1, "adagrad": 0.5,
              "rmsprop": 0.05, "adam": 0.2},
}

#: The learning rate of each rule for the digits network (a good one, found by a quick search).
NETWORK_RATES = {"sgd": 0.1, "sgd_momentum": 0.05, "nesterov_momentum": 0.05, "adagrad": 0.05,
                 "rmsprop": 1e-3, "adam": 1e-3, "adamw": 1e-3}


def cells(nb):
    lab = get_lab(NAME)
    g = lambda *names: nb.grades(lab, *names)  # noqa: E731
    md, code, setup, answer = nb.md, nb.code, nb.setup, nb.answer
    lab_setup = nb.lab_setup
    return [
        md("""
        # Lab 04 — Optimizers and learning-rate schedules

        Training a network is minimising a loss over millions of parameters with nothing but
        (noisy) gradients. Plain stochastic gradient descent (SGD) does it, but slowly: it
        zig-zags across narrow valleys, crawls past saddle points and jitters with every
        minibatch. In this lab you write the update rules that fix this — **momentum,
        Nesterov momentum, AdaGrad, RMSProp, Adam and AdamW** — and the **learning-rate
        schedules** used with them, then watch them on 2-D surfaces and on a real network.

        **How the lab works** (as in lab 01)

        * Your code goes in the package **`nnlab/`** next to this notebook: `nnlab/optim.py`
          and `nnlab/schedules.py`. Each function you write raises `NotImplementedError`
          until you replace that line (its docstring has the formula, a hint says where to
          start).
        * A **check cell** after each function runs the open checks: several steps in a row
          with fixed inputs, your config passed back each time, compared with the reference
          values (for `sgd_momentum`, `rmsprop` and `adam`, cs231n's published values too).
        * Edit, save, rerun the check cell (`autoreload` picks your edits up).
        * The grade comes from hidden checks (other inputs, tens of steps, your state resumed,
          two parameters at once). Passing the open checks is necessary, not sufficient.
        * From a terminal, `nnlab check 04_optimizers` runs every open check at once.
        """),
        lab_setup("""
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab import optim, schedules
        from nnlab.optim_plots import (SURFACES, run_on_surface, plot_trajectories,
                                       plot_surface_losses, plot_schedules, plot_solver_losses,
                                       lr_slider)
        from nnlab.notebook import ready, TRAINING
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/optim.py` | `sgd_momentum`, `nesterov_momentum`, `adagrad`, `rmsprop`, `adam`, `adamw` |
        | `nnlab/schedules.py` | `step_decay`, `exponential_decay`, `inverse_time_decay`, `cosine_decay`, `linear_warmup` |

        Every update rule has cs231n's signature `next_w, config = rule(w, dw, config=None)`.
        The rule's **state** (velocity, caches, moment estimates, step count) lives in
        `config`: the rule reads it, updates it and returns the dict, and the caller passes it
        back on the next step (the `Solver` keeps one config per parameter). Missing
        hyperparameters get their defaults with `config.setdefault(...)`, so a value the
        caller chose always wins. `w` and `dw` are never modified in place. Every rule but
        `adamw` also accepts `config["weight_decay"]` (L2 regularisation, already written for
        you: the rules see `dw + weight_decay * w`).
        """),
        # ---------------------------------------------------------------- 1. why SGD is slow
        md(r"""
        ## 1. Why plain SGD is slow

        SGD steps against the gradient: $w \leftarrow w - \eta\, \nabla L(w)$. Three things
        go wrong (lecture, "problems with SGD"):

        1. **Narrow valleys.** When the loss changes fast in one direction and slowly in
           another (a large *condition number*: the ratio of the largest to the smallest
           curvature), a learning rate small enough for the steep direction is far too small
           for the flat one. SGD zig-zags across the valley and crawls along it.
        2. **Saddle points and plateaus.** Where the gradient is (almost) zero, SGD stops
           (almost). In high dimensions saddle points are far more common than local minima:
           among thousands of directions, some go up and some go down.
        3. **Noise.** Minibatch gradients are noisy estimates of the true gradient, so the path
           jitters — worse in a narrow valley.

        The plots below use `optim.sgd`, which is already written, on a narrow valley
        $f = 0.05x^2 + 2y^2$ (condition number 40). The star is the start.
        """),
        code("""
        valley = SURFACES["valley"]
        fig, axes = plt.subplots(1, 2, figsize=(12, 4))
        plot_trajectories(valley, {
            "sgd, learning_rate=0.1": run_on_surface("sgd", valley, 60, {"learning_rate": 0.1}),
            "sgd, learning_rate=0.45": run_on_surface("sgd", valley, 60, {"learning_rate": 0.45}),
        }, ax=axes[0], title="small rate: slow along x; large rate: zig-zag across y")
        plot_trajectories(valley, {
            "sgd, learning_rate=0.1, noisy gradients": run_on_surface(
                "sgd", valley, 60, {"learning_rate": 0.1}, noise=0.5),
        }, ax=axes[1], title="minibatch noise")
        plt.show()
        """),
        # ---------------------------------------------------------------- 2. momentum
        md(r"""
        ## 2. Momentum and Nesterov momentum

        **SGD + momentum** keeps a *velocity* $v$, a running sum of past gradients with
        friction $\mu$ (`momentum`, typically 0.9):

        $$v \leftarrow \mu v - \eta\, \nabla L(w), \qquad w \leftarrow w + v.$$

        Across a valley the gradients alternate in sign and cancel in $v$; along it they agree
        and add up, so the step grows up to $\eta/(1-\mu)$ = 10× the SGD step. The velocity
        also carries the parameters through saddle points and small bumps, and averages the
        minibatch noise out.

        `sgd_momentum(w, dw, config)` keeps $v$ in `config["velocity"]` (zeros at the start).
        PyTorch's `torch.optim.SGD(momentum=μ)` keeps $b = \mu b + \nabla L$ and steps
        $w \leftarrow w - \eta b$ instead: with a constant rate the two are the same rule
        ($v = -\eta b$), the tests check it step by step.
        """),
        *g("sgd_momentum"),
        md(r"""
        **Nesterov momentum** looks ahead: it takes the gradient where the velocity is about to
        carry the parameters, not where they are,

        $$v \leftarrow \mu v - \eta\, \nabla L(\theta + \mu v), \qquad \theta \leftarrow \theta + v,$$

        so it corrects the course *before* overshooting. We only get the gradient at the point
        we pass in, so change variables to the lookahead point itself, $w = \theta + \mu v$.
        With $v_\text{prev}$ the velocity before the step, $\theta = w - \mu v_\text{prev}$ before
        and $\theta' = w' - \mu v$ after it, and $\theta' = \theta + v$ gives

        $$v \leftarrow \mu v_\text{prev} - \eta\, \nabla L(w), \qquad
        w \leftarrow w - \mu v_\text{prev} + (1 + \mu)\, v .$$

        This is the form `nesterov_momentum` uses (and `torch.optim.SGD(nesterov=True)`, in
        PyTorch's buffer form). Keep the old velocity: the step needs both.
        """),
        *g("nesterov_momentum"),
        md("""
        The cell below runs the lookahead formula (gradients at $\\theta + \\mu v$) next to your
        `nesterov_momentum` (gradients at $w$) on a quadratic and prints the largest gap between
        your $w$ and $\\theta + \\mu v$: it should be at rounding level (about 1e-16).
        """),
        code("""
        A = np.diag([1.0, 10.0])
        lr, mu = 0.02, 0.9
        theta, v = np.array([1.0, -1.0]), np.zeros(2)
        w, config = theta.copy(), {"learning_rate": lr, "momentum": mu}
        if ready("nesterov_momentum", what="this comparison"):
            gap = 0.0
            for step in range(50):
                v = mu * v - lr * A @ (theta + mu * v)      # gradient at the lookahead point
                theta = theta + v
                w, config = optim.nesterov_momentum(w, A @ w, config)
                gap = max(gap, float(np.max(np.abs(w - (theta + mu * v)))))
            print(f"largest |w - (theta + mu v)| over 50 steps: {gap:.1e}")
        """),
        # ---------------------------------------------------------------- 3. adagrad, rmsprop
        md(r"""
        ## 3. A learning rate per parameter: AdaGrad and RMSProp

        Momentum still uses one learning rate for all parameters. **AdaGrad** (Duchi et al.,
        2011) divides each parameter's step by the root of the sum of its squared gradients so
        far:

        $$\text{cache} \leftarrow \text{cache} + (\nabla L)^2, \qquad
        w \leftarrow w - \eta\, \frac{\nabla L}{\sqrt{\text{cache}} + \epsilon}$$

        (elementwise). Steep directions get small steps, flat ones large steps: the valley
        becomes round. But the cache only grows, so the steps shrink towards zero — fine for
        convex problems, usually too early for deep networks.

        **RMSProp** (Hinton, 2012) replaces the sum by a moving average, so old gradients are
        forgotten (`decay_rate` = 0.99):

        $$\text{cache} \leftarrow \rho\, \text{cache} + (1-\rho) (\nabla L)^2, \qquad
        w \leftarrow w - \eta\, \frac{\nabla L}{\sqrt{\text{cache}} + \epsilon}.$$

        In both, $\epsilon$ (1e-8) keeps the division finite and goes **outside** the square
        root (as in cs231n and PyTorch; inside, $\sqrt{\epsilon}$ = 1e-4 would dominate small
        gradients). The state is `config["cache"]`.
        """),
        *g("adagrad", "rmsprop"),
        # ---------------------------------------------------------------- 4. adam, adamw
        md(r"""
        ## 4. Adam and AdamW

        **Adam** (Kingma & Ba, 2015) combines momentum (a moving average $m$ of the gradient)
        with RMSProp (a moving average $v$ of its square):

        $$t \leftarrow t + 1,\quad m \leftarrow \beta_1 m + (1-\beta_1)\nabla L,\quad
        v \leftarrow \beta_2 v + (1-\beta_2)(\nabla L)^2,$$
        $$\hat m = \frac{m}{1-\beta_1^t},\quad \hat v = \frac{v}{1-\beta_2^t},\qquad
        w \leftarrow w - \eta\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}.$$

        **Why the bias correction?** $m$ and $v$ start at zero, so early on they are too small:
        after $t$ steps of a constant gradient $g$, $m = (1-\beta_1^t)\,g$. Dividing by
        $1-\beta_1^t$ removes exactly that factor. Without it the first steps with
        $\beta_2 = 0.999$ are wildly off ($\sqrt{v}$ is about $\sqrt{0.001}\,|g|$, so the step
        is about 3× too large). $t$ counts the steps and is incremented **before** it is used:
        the first step uses $t = 1$ (with $t = 0$ the correction divides by zero). Defaults:
        $\eta$ = 1e-3, $\beta_1$ = 0.9, $\beta_2$ = 0.999, $\epsilon$ = 1e-8; state `m`, `v`, `t`.

        **AdamW** (Loshchilov & Hutter, 2019). Weight decay as an L2 penalty adds
        $\lambda w$ to the gradient; inside Adam that term is then divided by $\sqrt{\hat v}$,
        so weights with large gradients are hardly decayed and weights with tiny gradients are
        decayed enormously. AdamW *decouples* the decay from the adaptive step:

        $$w \leftarrow w - \eta\left(\frac{\hat m}{\sqrt{\hat v}+\epsilon} + \lambda w\right)$$

        with $\hat m, \hat v$ computed from the gradient alone (`weight_decay` $\lambda$
        = 1e-2 by default, as in `torch.optim.AdamW`).
        """),
        *g("adam", "adamw"),
        # ---------------------------------------------------------------- 5. schedules
        md(r"""
        ## 5. Learning-rate schedules

        A large rate makes fast progress early; a small one settles into a minimum late. A
        schedule gives the rate as a function of the number of epochs completed, $e$ (it may be
        fractional: the `Solver` asks before every iteration). With base rate $\eta_0$:

        | schedule | $\eta(e)$ | PyTorch |
        | --- | --- | --- |
        | step decay | $\eta_0\, \gamma^{\lfloor e / s \rfloor}$ (drop by $\gamma$ every $s$ epochs) | `StepLR` |
        | exponential | $\eta_0\, \gamma^{e}$ (the Solver's `lr_decay`) | `ExponentialLR` |
        | 1/t | $\eta_0 / (1 + k e)$ | — |
        | cosine | $\eta_{\min} + (\eta_0 - \eta_{\min})\,\frac{1 + \cos(\pi\, \min(e, T)/T)}{2}$ | `CosineAnnealingLR` |
        | linear warm-up | $\eta_0 \left(f + (1-f)\min(e/W, 1)\right)$ | `LinearLR` |

        Warm-up starts small ($f\eta_0$) for the first $W$ epochs while Adam's $v$ and the
        network's activations settle, then hands over to a decay schedule
        (`schedules.make_schedule("cosine", 0.1, total_epochs=9, warmup_epochs=1)` chains
        them). Give a schedule to the Solver as `lr_schedule=lambda epoch: ...`.
        """),
        *g("step_decay", "exponential_decay", "inverse_time_decay", "cosine_decay",
           "linear_warmup"),
        code("""
        plot_schedules({
            "step (step_size=10, gamma=0.3)": lambda e: schedules.step_decay(e, 0.1, 10, 0.3),
            "exponential (gamma=0.9)": lambda e: schedules.exponential_decay(e, 0.1, 0.9),
            "1/t (decay_rate=0.3)": lambda e: schedules.inverse_time_decay(e, 0.1, 0.3),
            "cosine (T=30)": lambda e: schedules.cosine_decay(e, 0.1, 30),
            "warm-up (5 epochs)": lambda e: schedules.linear_warmup(e, 0.1, 5),
        }, epochs=30)
        """),
        md("### Overview: every open check of this lab"),
        code('check_lab("04_optimizers")'),
        # ---------------------------------------------------------------- 6. experiments
        md(f"""
        ## 6. Experiments

        ### 6.1 Trajectories on three surfaces

        Every rule from the same start on three 2-D surfaces: the narrow valley, a saddle
        ($f = x^2 - y^2 + y^4/4$, started just off the ridge $y = 0$) and a bowl covered in
        local minima. Each rule gets a learning rate suited to it (adaptive rules take steps
        of about the learning rate, whatever the gradient's size): `{SURFACE_RATES["valley"]}`
        on the valley. Rules you have not written yet are left out. Under the contour plots,
        $f(w)$ against the step.
        """),
        code(f"""
        from nnlab.grading_mode import budget
        SURFACE_RATES = {SURFACE_RATES!r}
        names = budget(full=list(SURFACE_RATES), graded=["valley"])
        fig, axes = plt.subplots(2, len(names), figsize=(5.3 * len(names), 9), squeeze=False)
        for col, name in enumerate(names):
            rates, surface = SURFACE_RATES[name], SURFACES[name]
            paths = {{rule: run_on_surface(rule, surface, 80, {{"learning_rate": lr}})
                      for rule, lr in rates.items()}}
            plot_trajectories(surface, paths, ax=axes[0, col])
            plot_surface_losses(surface, paths, ax=axes[1, col])
        plt.tight_layout()
        plt.show()
        """),
        md("""
        **Drag the rate.** The slider below redraws the path of your `sgd_momentum` on the
        valley for the learning rate you choose (in JupyterLab; on a static copy of the
        notebook it shows one picture). Find the rate where it starts to oscillate, and the one
        where it diverges.
        """),
        code('lr_slider("sgd_momentum", "valley")'),
        md("""
        **Question (2 points).** Describe what each of the three contour plots shows about the
        rules: who zig-zags on the valley and why momentum or the adaptive rules do not; who
        escapes the saddle and how fast (and why plain SGD is slow there); who reaches the
        global minimum of the bumpy bowl and what lets them roll through the local minima.
        """),
        answer("trajectories_question", 2),
        md(f"""
        ### 6.2 Every rule on the digits network

        The same network — two hidden layers of 100 ReLUs, the same initial weights and the
        same minibatches — trained on the 8×8 digits with each rule at a learning rate that
        suits it: `{NETWORK_RATES}`. The network is built from your lab-01 layers (affine,
        ReLU, softmax): copy your `layers.py`, `activations.py`, `layer_utils.py` and
        `losses.py` from lab 01 into this lab's `nnlab/` if they are not there yet. While the
        notebook is being graded the runs shrink to a token size.
        """),
        code(f"""
        from nnlab.data import load_digits
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.solver import Solver
        from nnlab.grading_mode import budget

        data = load_digits()
        run = budget(full=dict(rules={list(NETWORK_RATES)!r}, num_epochs=10),
                     graded=dict(rules=["sgd", "adam"], num_epochs=1))
        NETWORK_RATES = {NETWORK_RATES!r}
        NETWORK = (*TRAINING, "relu_forward", "relu_backward")   # your lab-01 layers


        def train(rule, optim_config, num_epochs, **kwargs):
            \"\"\"Train the lab's network; None (and one line) while ``rule`` is not written yet.\"\"\"
            if not ready(rule, what=f"training with {{rule}}"):
                return None
            model = FullyConnectedNet([100, 100], input_dim=64, num_classes=10,
                                      weight_scale=0.1, dtype=np.float64, seed=0)
            kwargs.setdefault("batch_size", 50)
            solver = Solver(model, data, update_rule=rule, optim_config=optim_config,
                            num_epochs=num_epochs, verbose=False, seed=0, **kwargs)
            solver.train()
            return solver
        """),
        code("""
        if ready(*NETWORK, what="every training run"):
            by_rule = {}
            for rule in run["rules"]:
                solver = train(rule, {"learning_rate": NETWORK_RATES[rule]}, run["num_epochs"])
                if solver is not None:
                    by_rule[rule] = solver
                    print(f"{rule:>18}: best validation accuracy {solver.best_val_acc:.3f}")
            plot_solver_losses(by_rule, title="training loss, one rule per line")
        """),
        md("""
        ### 6.3 Learning rate too low, too high, right

        The lecture's picture of loss curves: plain SGD (already written) at four learning
        rates. A run whose loss becomes NaN stops early and says so.
        """),
        code("""
        if ready(*NETWORK, what="every training run"):
            rates = budget(full=[1e-3, 0.5, 4.0, 10.0], graded=[0.5])
            by_rate = {}
            for lr in rates:
                solver = train("sgd", {"learning_rate": lr}, run["num_epochs"])
                if solver is None:
                    break
                by_rate[f"learning_rate={lr:g}"] = solver
                print(f"learning_rate={lr:<6g} best validation accuracy {solver.best_val_acc:.3f}"
                      + ("  (diverged)" if solver.diverged else ""))
            plot_solver_losses(by_rate, smooth=5, title="SGD at four learning rates")
        """),
        md("""
        **Question (2 points).** Match each curve to the lecture's shapes (very high, high,
        low, good learning rate) and explain each shape: why a too-high rate explodes, why a
        high one stalls at a higher loss, why a low one looks almost linear.
        """),
        answer("learning_rate_question", 2),
        md("""
        ### 6.4 Schedules

        SGD with momentum from the same start, on small minibatches of 10 (noisy gradients) with
        a large base rate of 0.1: a constant rate, the Solver's per-epoch `lr_decay`, step
        decay, cosine decay, and one epoch of warm-up before a cosine. Left: the rate the
        Solver used at every iteration (`solver.lr_history`); right: the loss.
        """),
        code("""
        if ready(*NETWORK, what="every training run"):
            E = budget(full=6, graded=1)
            plans = {
                "constant 0.1": dict(),
                "lr_decay=0.6 per epoch": dict(lr_decay=0.6),
                "step (every 2 epochs, x0.3)": dict(
                    lr_schedule=lambda e: schedules.step_decay(e, 0.1, 2, 0.3)),
                "cosine": dict(lr_schedule=lambda e: schedules.cosine_decay(e, 0.1, E)),
                "warm-up 1 epoch + cosine": dict(lr_schedule=schedules.make_schedule(
                    "cosine", 0.1, total_epochs=max(E - 1, 1), warmup_epochs=1)),
            }
            if budget(full=False, graded=True):
                plans = dict(list(plans.items())[:2])
            by_plan = {}
            for name, extra in plans.items():
                solver = train("sgd_momentum", {"learning_rate": 0.1}, E, batch_size=10, **extra)
                if solver is None:
                    break
                by_plan[name] = solver
                print(f"{name:>28}: best validation accuracy {solver.best_val_acc:.3f}, "
                      f"final loss {np.mean(solver.loss_history[-20:]):.4f}")
            if by_plan:
                fig, (ax_lr, ax_loss) = plt.subplots(1, 2, figsize=(13, 3.8))
                for name, solver in by_plan.items():
                    ax_lr.plot(solver.lr_history, label=name)
                ax_lr.set_xlabel("iteration")
                ax_lr.set_ylabel("learning rate")
                ax_lr.legend(fontsize=8)
                plot_solver_losses(by_plan, ax=ax_loss)
                plt.show()
        """),
        md("""
        **Question (2 points).** Compare the end of the loss curves: which schedules reach the
        lowest training loss, and why does lowering the rate late in training help when the
        gradients are noisy (think of where a constant rate keeps bouncing)? What does the
        warm-up change at the start?
        """),
        answer("schedules_question", 2),
        md("""
        ### 6.5 Adam with L2 versus AdamW

        The same `weight_decay` = 0.05 given to `adam` (L2: added to the gradient, then divided
        by $\\sqrt{\\hat v}$) and to `adamw` (decoupled), next to Adam without decay. The table
        shows the validation accuracy and the squared norm of the weights $\\sum \\|W\\|^2$.
        """),
        code("""
        if ready(*NETWORK, what="every training run"):
            variants = {
                "adam, no decay": ("adam", {"learning_rate": 1e-3}),
                "adam + L2, weight_decay=0.05": ("adam", {"learning_rate": 1e-3, "weight_decay": 0.05}),
                "adamw, weight_decay=0.05": ("adamw", {"learning_rate": 1e-3, "weight_decay": 0.05}),
                "adamw, weight_decay=0.5": ("adamw", {"learning_rate": 1e-3, "weight_decay": 0.5}),
            }
            if budget(full=False, graded=True):
                variants = dict(list(variants.items())[1:3])
            by_variant = {}
            for name, (rule, config) in variants.items():
                solver = train(rule, config, run["num_epochs"])
                if solver is None:
                    continue
                by_variant[name] = solver
                norm = sum(float(np.sum(p ** 2)) for k, p in solver.model.params.items()
                           if k.startswith("W"))
                print(f"{name:>30}: best validation accuracy {solver.best_val_acc:.3f}, "
                      f"sum of |W|^2 = {norm:8.1f}")
            plot_solver_losses(by_variant, title="Adam + L2 versus AdamW")
        """),
        md("""
        **Question (2 points).** With the same `weight_decay`, why does Adam + L2 shrink the
        weights so much more (and learn worse) than AdamW? Use the update formulas: which
        weights does L2-inside-Adam decay the most? What does this mean for choosing
        `weight_decay` when you switch from SGD to Adam?
        """),
        answer("adamw_question", 2),
    ]
