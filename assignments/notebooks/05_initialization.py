"""Lab 05 notebook: weight initialization (the readable description).

``assignments/build_notebooks.py`` finds this file (assignments/notebooks/NN_name.py), calls
``cells(nb)`` with itself as ``nb`` (its cell helpers: md, code, setup, grades, answer) and writes
assignments/source/05_initialization/05_initialization.ipynb. Nothing in this folder is
released: nbgrader releases only assignments/source/05_initialization/.
"""
from autograder.labs import get_lab

NAME = "05_initialization"

#: the initializers trained on the digits network (section 6.4), with the learning rate of SGD
TRAINED = {"gaussian, std=0.01": 0.1, "xavier_normal": 0.1, "he_normal": 0.1,
           "he_uniform": 0.1}


def cells(nb):
    lab = get_lab(NAME)
    g = lambda *names: nb.grades(lab, *names)  # noqa: E731
    md, code, setup, answer = nb.md, nb.code, nb.setup, nb.answer
    lab_setup = nb.lab_setup
    return [
        md("""
        # Lab 05 — Weight initialization

        Before the first gradient step, every weight of a network needs a value. Too small,
        and the signal shrinks layer after layer until the deep layers see nothing and learn
        nothing; too large, and tanh units saturate or ReLU activations blow up; all equal,
        and every unit of a layer stays a copy of its neighbours forever. In this lab you
        write the **initializers** that get this right — small Gaussians, **Xavier/Glorot**
        and **He/Kaiming**, each normal and uniform — and two tools that measure what an
        initialization does to a deep network: **activation statistics** (forward) and
        **gradient statistics** (backward). Then you reproduce the lecture's 10-layer
        experiment and train deep networks with each initializer.

        **How the lab works** (as in the earlier labs)

        * Your code goes in the package **`nnlab/`** next to this notebook:
          `nnlab/initializers.py` and `nnlab/init_stats.py`. Each function you write raises
          `NotImplementedError` until you replace that line (its docstring has the formula, a
          hint says where to start).
        * A **check cell** after each function runs the open checks. Your initializer draws
          different random numbers from the course's, so its weights are judged by their
          *distribution* over 240 000 draws: standard deviation, mean, the shape of the
          histogram (normal or uniform), a uniform's bounds, every fan mode, and that the
          seed decides the draw. A correct initializer fails a row by bad luck with
          probability below 1e-8.
        * Edit, save, rerun the check cell (`autoreload` picks your edits up).
        * The grade comes from hidden checks (other draws, other sizes). Passing the open
          checks is necessary, not sufficient.
        * From a terminal, `nnlab check 05_initialization` runs every open check at once.
        """),
        lab_setup("""
        import functools
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab import initializers, init_stats
        from nnlab.init_lecture import HE_SLIDE_CODE
        from nnlab.init_plots import (lecture_experiment, stats_table, plot_layer_histograms,
                                      plot_layer_stats, gradient_experiment,
                                      plot_gradient_stats, unit_spread, plot_training)
        from nnlab.grading_mode import budget
        from nnlab.notebook import ready, TRAINING
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/initializers.py` | `constant`, `gaussian`, `xavier_normal`, `xavier_uniform`, `he_normal`, `he_uniform` |
        | `nnlab/init_stats.py` | `activation_statistics`, `gradient_statistics` |

        Every initializer has the signature `W = initializer(fan_in, fan_out, ..., rng=None)`
        and returns a **new float64 array of shape `(fan_in, fan_out)`**: the weights of an
        affine layer `out = x @ W + b` with `fan_in` inputs and `fan_out` outputs, the layout
        cs231n's `FullyConnectedNet` uses (PyTorch stores `(fan_out, fan_in)`: mind the
        difference when you read its code).

        `rng` says where the random numbers come from: `None` (fresh ones), an int seed (the
        same seed gives the same matrix) or a `np.random.Generator`.
        `np.random.default_rng(rng)` accepts all three. Never draw from `np.random.randn` and
        friends: they ignore `rng`, and a seeded experiment stops being repeatable.
        """),
        # ---------------------------------------------------------------- 1. constant
        md(r"""
        ## 1. All weights equal: the symmetry problem

        The simplest idea is to start every weight at the same value, 0 say. Then every unit
        of a hidden layer computes the same function of its input, receives the same gradient,
        and takes the same step: after any number of steps the units are still identical
        copies, and a layer of 100 units is no better than one unit. Random initialization
        exists to **break the symmetry**. (With exactly 0 and ReLU, the gradients of the hidden
        weights are even 0: nothing learns at all.) Section 6.3 shows it on a real network.

        Write `constant(fan_in, fan_out, value=0.0)`; `zeros` is given and calls it. Mind the
        dtype: `value=1` (an int) must still give a float64 matrix.
        """),
        *g("constant"),
        # ---------------------------------------------------------------- 2. gaussian
        md(r"""
        ## 2. Small random numbers

        The lecture's first idea: draw each weight from a Gaussian with mean 0 and a small
        standard deviation, `W = 0.01 * np.random.randn(fan_in, fan_out)`. The units now
        differ. Write `gaussian(fan_in, fan_out, std=0.01, rng=None)`: `std` is the
        **standard deviation** $\sigma$ (the variance is $\sigma^2$).
        """),
        *g("gaussian"),
        # ---------------------------------------------------------------- 3. xavier
        md(r"""
        ## 3. Xavier / Glorot: keep the variance the same in every layer

        Take one unit of a layer without nonlinearity, $z = \sum_{i=1}^{n} w_i x_i$ with
        $n$ = `fan_in` independent inputs of variance $\mathrm{Var}[x]$ and zero-mean weights.
        Then

        $$\mathrm{Var}[z] = n\, \mathrm{Var}[w]\, \mathrm{Var}[x].$$

        The output keeps the input's variance exactly when $\mathrm{Var}[w] = 1/n$: a standard
        deviation $1/\sqrt{\text{fan\_in}}$, the lecture's
        `W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)`. The backward pass asks the
        same of `fan_out` (each input's gradient sums over `fan_out` outputs), and Glorot &
        Bengio (2010) compromise with the average of the two:

        $$\mathrm{Var}[w] = \frac{1}{\text{fan}}, \qquad
        \text{fan} = \text{fan\_in},\ \text{fan\_out}\ \text{or}\ \tfrac{\text{fan\_in} + \text{fan\_out}}{2}
        \ (\texttt{mode="avg"}, \text{Glorot's}) .$$

        The same variance from a **uniform** distribution: $U(-b, b)$ has variance $b^2/3$,
        so $b = \sqrt{3/\text{fan}}$ — Glorot's famous $\sqrt{6/(\text{fan\_in} +
        \text{fan\_out})}$. A uniform bound is *not* the normal's standard deviation.

        The derivation assumes a linear unit, which tanh is near 0: Xavier suits tanh.
        """),
        *g("xavier_normal", "xavier_uniform"),
        # ---------------------------------------------------------------- 4. he
        md(r"""
        ## 4. He / Kaiming: make up for the ReLU

        A ReLU sets the negative half of its inputs to 0. For zero-mean symmetric $z$,
        $\mathbb{E}[\mathrm{relu}(z)^2] = \tfrac12 \mathrm{Var}[z]$: each layer halves the
        signal's second moment, and after 10 layers of Xavier weights it is $2^{-10}$ of what it
        was. He et al. (2015) double the variance to compensate (a *gain* of $\sqrt 2$):

        $$\mathrm{Var}[w] = \frac{2}{\text{fan}}, \qquad \text{std} = \sqrt{2/\text{fan}},
        \qquad b = \sqrt{6/\text{fan}}\ \text{(uniform)},$$

        with `mode="fan_in"` by default (it keeps the forward activations steady;
        `"fan_out"` keeps the backward gradients steady instead).

        **A typo on the slide.** The lecture's He slide prints
        """),
        code("print(HE_SLIDE_CODE)"),
        md(r"""
        which *divides* by $\sqrt{2/\text{fan\_in}}$: that multiplies the weights by
        $\sqrt{\text{fan\_in}/2} \approx 16$ for 500 inputs. The table on the same slide (means
        near 0.56, stds near 0.83 in every layer) comes from **multiplying** by
        $\sqrt{2/\text{fan\_in}}$, which is what `he_normal` does. Section 6.1 runs both lines.
        """),
        *g("he_normal", "he_uniform"),
        # ---------------------------------------------------------------- 5. statistics
        md(r"""
        ## 5. Measuring a deep stack

        The lecture's experiment pushes a batch through $L$ affine layers without biases, each
        followed by a nonlinearity $f$ (tanh, ReLU or none):

        $$h_0 = x, \qquad z_l = h_{l-1} W_l, \qquad h_l = f(z_l), \qquad l = 1, \dots, L.$$

        `activation_statistics(x, weights, activation)` returns `(means, stds, activations)`:
        per layer, the mean and the standard deviation of **every entry** of $h_l$ (not one per
        unit: the lecture prints `np.mean(H)` and `np.std(H)`), and the list of the $h_l$.

        `gradient_statistics(x, weights, dout, activation)` sends an upstream gradient
        `dout` $= \partial \text{Loss}/\partial h_L$ back down the same stack,

        $$dz_l = dh_l \odot f'(z_l), \qquad dW_l = h_{l-1}^\top dz_l, \qquad
        dh_{l-1} = dz_l\, W_l^\top,$$

        and returns the standard deviation of every $dW_l$, **first layer first**. A layer
        whose $dW$ is near 0 cannot learn. $\tanh'(z) = 1 - \tanh(z)^2$;
        $\mathrm{relu}'(z) = 1$ where $z > 0$, else 0.
        """),
        *g("activation_statistics", "gradient_statistics"),
        md("All open checks of the lab at once:"),
        code('check_lab("05_initialization")'),
        # ---------------------------------------------------------------- 6. experiments
        md("""
        ## 6. Experiments

        ### 6.1 The lecture's tables

        Ten layers of 500 units, a batch of 1000 unit-Gaussian inputs, as on the slides. For
        each initialization: your per-layer mean and std next to the lecture's (one random
        draw each, so expect agreement within a few percent, not to the digit: the ReLU stacks
        wander more, as a product of ten random matrices does), the histograms of every layer,
        and the stds on a log scale. While the notebook is being graded the stack shrinks to a
        token size.
        """),
        code("""
        size = budget(full=dict(n_layers=10, width=500, batch=1000),
                      graded=dict(n_layers=3, width=20, batch=20))
        KEYS = ["gaussian_0.01_tanh", "gaussian_1_tanh", "xavier_tanh", "xavier_relu", "he_relu"]
        NEEDS = {"gaussian_0.01_tanh": "gaussian", "gaussian_1_tanh": "gaussian",
                 "xavier_tanh": "xavier_normal", "xavier_relu": "xavier_normal",
                 "he_relu": "he_normal"}
        results = {}
        for key in KEYS:
            if ready(NEEDS[key], "activation_statistics", what=f"the table {key}"):
                results[key] = lecture_experiment(key, seed=0, **size)
                print(stats_table(results[key]), end="\\n\\n")
        """),
        code("""
        if results:
            plot_layer_histograms(list(results.values()))
            plot_layer_stats(list(results.values()))
        """),
        md("""
        Read the tables with the lecture's comments:

        * **N(0, 0.01²), tanh**: each layer multiplies the std by about
          $0.01 \\sqrt{500} \\approx 0.22$; by layer 5 the activations are ~1e-4 and by
          layer 10 all but 0. The deep layers see nothing.
        * **N(0, 1), tanh**: $z$ has std $\\sqrt{500} \\approx 22$: almost every unit sits at
          ±1, where tanh is flat (std 0.98, histograms piled at the ends). The local gradients
          are 0.
        * **Xavier, tanh**: a slow, gentle decay (0.63, 0.49, ..., 0.23): reasonable.
        * **Xavier, ReLU**: the ReLU halves the second moment at every layer and the
          distribution collapses towards 0 (std 0.58 → 0.03).
        * **He, ReLU**: steady, mean ≈ 0.56 and std ≈ 0.83 in every layer.

        The slide's He line, as printed (dividing by $\\sqrt{2/\\text{fan\\_in}}$), next to the
        correct one:
        """),
        code("""
        if ready("activation_statistics", what="this comparison"):
            rng = np.random.default_rng(0)
            n, w = size["batch"], size["width"]
            x = rng.standard_normal((n, w))
            as_printed = [rng.standard_normal((w, w)) / np.sqrt(2 / w) for _ in range(size["n_layers"])]
            _, stds, _ = init_stats.activation_statistics(x, as_printed, "relu")
            print("the slide's line (divides):  layer stds", np.array2string(stds, precision=3))
            if "he_relu" in results:
                print("he_normal (multiplies):      layer stds",
                      np.array2string(results["he_relu"]["stds"], precision=3))
        """),
        md("""
        **Question (2 points).** For each of the five tables, explain from the variance
        formula $\\mathrm{Var}[z] = \\text{fan\\_in} \\cdot \\mathrm{Var}[w] \\cdot
        \\mathrm{Var}[h]$ (and what the nonlinearity does to it) why the stds behave as they
        do, and say why the same Xavier weights that suit tanh fail with ReLU.
        """),
        answer("tables_question", 2),
        # ---------------------------------------------------------------- 6.2 gradients
        md("""
        ### 6.2 Vanishing and exploding gradients

        The same stacks, backwards: a unit-Gaussian upstream gradient (divided by the batch
        size, as for a loss averaged over the batch) and your `gradient_statistics`, plus a
        ReLU stack with weights three times too large (std $3\\sqrt{1/\\text{fan\\_in}}$,
        "gaussian ×3"). A gradient is useless in two ways. It can be tiny in every layer:
        the N(0, 0.01²) stack gets gradients around 1e-8, five orders of magnitude below
        Xavier's, and no learning rate makes up for that without blowing up elsewhere
        (vanishing). Or it can span orders of magnitude across the layers or be huge: the
        saturated N(0, 1) tanh stack gives its first layer a gradient about 1e4 times its last
        layer's, and the oversized ReLU stack gradients a thousand times He's (exploding), so
        one learning rate cannot suit every layer. Notice too that with Xavier (tanh) and He
        (ReLU) the std of $dW$ is about the same in every layer: the forward signal and the
        backward gradient both keep their scale, which is what these initializers are for.
        """),
        code("""
        if ready("gradient_statistics", "gaussian", "xavier_normal", "he_normal",
                 what="the gradient experiment"):
            grads = {key: gradient_experiment(key, seed=0, **size) for key in KEYS}
            rng = np.random.default_rng(1)
            n, w = size["batch"], size["width"]
            x = rng.standard_normal((n, w))
            big = init_stats.deep_stack("gaussian", n_layers=size["n_layers"], width=w,
                                        input_dim=w, seed=rng, std=3 / np.sqrt(w))
            grads["relu, gaussian x3"] = init_stats.gradient_statistics(
                x, big, rng.standard_normal((n, w)) / n, "relu")
            for label, g in grads.items():
                print(f"{label:>20}: first layer {g[0]:.2e}, last layer {g[-1]:.2e}, "
                      f"ratio {g[0] / g[-1]:.2e}")
            plot_gradient_stats(grads)
        """),
        # ---------------------------------------------------------------- 6.3 symmetry
        md("""
        ### 6.3 Constant initialization never breaks the symmetry

        Two hidden layers of 50 ReLUs trained on the 8×8 digits for a few epochs, once with
        every weight 0.05 (`constant`) and once with `he_normal`. `unit_spread(W)` is the
        largest difference between any unit's incoming weights and unit 0's: 0 means all
        units of the layer are still the same unit. The networks are built from your lab-01
        layers (affine, ReLU, softmax): copy your `layers.py`, `activations.py`,
        `layer_utils.py` and `losses.py` from lab 01 into this lab's `nnlab/` if they are not
        there yet.
        """),
        code("""
        from nnlab.data import load_digits
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.solver import Solver

        data = load_digits()
        NETWORK = (*TRAINING, "relu_forward", "relu_backward")    # your lab-01 layers
        epochs = budget(full=5, graded=1)


        def train(initializer, hidden=(50, 50), learning_rate=0.1, num_epochs=epochs):
            \"\"\"Train a ReLU network on the digits from ``initializer``; returns the Solver.\"\"\"
            model = FullyConnectedNet(list(hidden), input_dim=64, num_classes=10,
                                      dtype=np.float64, seed=0, initializer=initializer)
            solver = Solver(model, data, update_rule="sgd",
                            optim_config={"learning_rate": learning_rate}, batch_size=50,
                            num_epochs=num_epochs, verbose=False, seed=0)
            solver.train()
            return solver
        """),
        code("""
        if ready(*NETWORK, "constant", "he_normal", what="the symmetry experiment"):
            same = train(functools.partial(initializers.constant, value=0.05))
            he = train("he_normal")
            for label, s in (("constant 0.05", same), ("he_normal", he)):
                W1, W2 = s.model.params["W1"], s.model.params["W2"]
                print(f"{label:>13}: unit spread after training  W1 {unit_spread(W1):.2e}, "
                      f"W2 {unit_spread(W2):.2e};  best validation accuracy "
                      f"{s.best_val_acc:.3f}")
        """),
        # ---------------------------------------------------------------- 6.4 training
        md(f"""
        ### 6.4 Training a deep network from each initializer

        Six hidden layers of 50 ReLUs, SGD with the same learning rate and the same
        minibatches, from each initializer: `{list(TRAINED)}`. The progress bar counts the
        runs.
        """),
        code(f"""
        from tqdm.auto import tqdm

        TRAINED = {TRAINED!r}
        INITS = {{"gaussian, std=0.01": functools.partial(initializers.gaussian, std=0.01),
                  "xavier_normal": "xavier_normal", "he_normal": "he_normal",
                  "he_uniform": "he_uniform"}}
        if ready(*NETWORK, "gaussian", "xavier_normal", "he_normal", "he_uniform",
                 what="the deep training runs"):
            deep = budget(full=(50,) * 6, graded=(10, 10))
            runs = {{}}
            for label in tqdm(TRAINED, desc="initializers"):
                runs[label] = train(INITS[label], hidden=deep, learning_rate=TRAINED[label])
            for label, s in runs.items():
                print(f"{{label:>20}}: final training loss {{s.loss_history[-1]:.3f}}, "
                      f"best validation accuracy {{s.best_val_acc:.3f}}")
            plot_training(runs, title="training loss, 6 hidden ReLU layers")
        """),
        md("""
        **Question (2 points).** Which initializations let the deep network learn, and which
        stall? Connect what you see to the gradient statistics of 6.2 and to the symmetry
        experiment of 6.3: why does a constant start never recover, and why does a tiny
        Gaussian start learn slowly (or not at all) in a deep ReLU network?
        """),
        answer("training_question", 2),
    ]
