"""The lab-02 (normalization) source notebook, described cell by cell.

    python assignments/build_notebooks.py          # builds every lab's notebook, this one too

Kept in its own module (outside assignments/source/, which nbgrader releases file by file) so
that a lab's notebook description can be read, reviewed and edited on its own; ``nb`` below is
the builder's cell helpers (``md``, ``code``, ``setup``, ``grades``, ``answer``).
"""
from autograder.labs import LAB02

NAME = LAB02.name

HELPERS = '''
def make_net(depth, width, normalization=None, weight_scale=None, residual=False, seed=0):
    """A digits classifier with `depth` hidden layers of `width` units (He init by default)."""
    net = FullyConnectedNet([width] * depth, input_dim=64, num_classes=10,
                            normalization=normalization, residual=residual,
                            weight_scale=weight_scale or np.sqrt(2 / width), dtype=np.float64,
                            seed=seed)
    if weight_scale is None:     # He initialisation of every layer (fan-in 64 for the first)
        for i in range(1, depth + 2):
            W = net.params[f"W{i}"]
            net.params[f"W{i}"] = W / np.std(W) * np.sqrt(2 / W.shape[0])
    return net


def accuracy(net, X, y):
    with np.errstate(all="ignore"):
        return float(np.mean(np.argmax(net.loss(X), axis=1) == y))


def train(net, data, iterations, batch_size=64, lr=0.05, seed=0, every=None, probe=None):
    """Plain SGD; returns the loss history (NaN once the run diverged) and, every `every`
    iterations, probe(net) (any statistic you want to follow during training)."""
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    losses, probes = [], []
    for it in range(iterations):
        idx = rng.choice(len(X), size=batch_size, replace=False)
        with np.errstate(all="ignore"):
            loss, grads = net.loss(X[idx], y[idx])
        if not np.isfinite(loss):
            losses += [np.nan] * (iterations - it)
            break
        losses.append(loss)
        for k, g in grads.items():
            net.params[k] -= lr * g
        if every and it % every == 0:
            probes.append(probe(net))
    return np.array(losses), probes


def pre_activations(net, X):
    """The input of each hidden layer's activation (after normalization, if any), in
    training mode, for the batch X: a list of (N, width) arrays."""
    from nnlab import layers, normalization as norm
    h, out = X, []
    for i in range(1, net.num_layers):
        a, _ = layers.affine_forward(h, net.params[f"W{i}"], net.params[f"b{i}"])
        if net.normalization:
            p = dict(net.bn_params[i - 1], mode="train")
            a, _ = norm.norm_forward(a, net.params[f"gamma{i}"], net.params[f"beta{i}"],
                                     net.normalization, p)
        out.append(a)
        f = np.maximum(a, 0)
        h = h + f if net._is_residual(i) else f
    return out


#: what a network of this lab calls besides its normalization layers (lab 01's functions)
NETWORK = (*TRAINING, "relu_forward", "relu_backward")
#: what each kind of normalization adds to a training run
NORM_NEEDS = {None: (), "batchnorm": ("batchnorm_forward", "batchnorm_backward"),
              "layernorm": ("layernorm_forward", "layernorm_backward"),
              "groupnorm": ("groupnorm_forward", "groupnorm_backward")}
'''


def cells(nb, lab=LAB02):
    md, code, setup, answer = nb.md, nb.code, nb.setup, nb.answer
    lab_setup = nb.lab_setup
    g = lambda *names: nb.grades(lab, *names)  # noqa: E731
    return [
        md("""
        # Lab 02 — Normalization: batch, layer and group; residual connections

        Deep networks train badly when the statistics of each layer's inputs drift while the
        layers below them learn. In this lab you write the three normalization layers of the
        lecture — **batch**, **layer** and **group normalization** — with their backward passes,
        and then measure what they buy: robustness to the weight initialisation, what happens
        at small batch sizes, and how **residual connections** let a 20-layer network train.

        **How the lab works** (as in lab 01)

        * Your code goes in **`nnlab/normalization.py`**, not in the notebook. Each function
          raises `NotImplementedError` until you write it; docstrings give shapes, hints say
          where to start.
        * A **check cell** after each function runs the open checks: forward values (and the
          running averages batch normalization stores) against the reference, backward passes
          against numerical gradients of *your own* forward pass.
        * Edit, save, rerun the check cell (`autoreload` picks edits up). `nnlab check
          02_normalization` runs every open check from a terminal.
        * The grade comes from hidden checks on other inputs and edge cases (running averages
          after several calls, test mode, eps on constant features, exact shapes).
        * The experiments train networks that also use your lab-01 functions (affine layer,
          ReLU, softmax loss). Cells that plot or train with your functions check first that
          those functions are written; until they are, such a cell prints one line saying what
          it needs and the notebook goes on. **Run All always reaches the end**, however much
          is still unwritten.
        """),
        lab_setup("""
        import time
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab.data import load_digits
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.grading_mode import budget
        from nnlab.notebook import ready, TRAINING
        from nnlab import normalization as norm

        data = load_digits()
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/normalization.py` | `batchnorm_forward`, `batchnorm_backward`, `batchnorm_backward_alt`, `layernorm_forward`, `layernorm_backward`, `groupnorm_forward`, `groupnorm_backward` |

        The network (`FullyConnectedNet(normalization=..., residual=...)`) and the helpers
        below are complete: they call your functions. Run the next cell once.
        """),
        setup(HELPERS, grade_id="helpers"),
        # ---------------------------------------------------------------- why
        md("""
        ## 1. Why normalize?

        Each layer learns on the outputs of the layers below it. When those change during
        training, the **distribution of each layer's input drifts** — its mean and spread
        move, and the layer keeps chasing a moving target (the lecture's *internal covariate
        shift*); in deep nets the spread can also grow or shrink from layer to layer until
        units saturate or die.

        The cell below trains a 6-layer ReLU network on the digits and, every few iterations,
        records the mean and standard deviation of each hidden layer's pre-activation (the
        input of its ReLU) on a fixed batch. It runs without normalization, then with batch
        normalization (once your `batchnorm_forward` and `batchnorm_backward` are written;
        until then it says *skipped* and what it needs).
        """),
        code("""
        run = budget(full=dict(iterations=300, every=10), graded=dict(iterations=20, every=10))
        probe_X = data["X_val"][:200]

        def layer_stats(net):
            acts = pre_activations(net, probe_X)
            return [(a.mean(), a.std()) for a in acts]

        drift = {}
        if ready(*NETWORK, what="every training run"):
            for normalization in (None, "batchnorm"):
                if not ready(*NORM_NEEDS[normalization], what=f"training with {normalization}"):
                    continue
                net = make_net(6, 64, normalization, weight_scale=0.15, seed=1)
                _, stats = train(net, data, run["iterations"], lr=0.05, every=run["every"],
                                 probe=layer_stats)
                drift[normalization or "no normalization"] = np.array(stats)   # (T, layers, 2)

        if drift:
            fig, axes = plt.subplots(2, len(drift), figsize=(5.5 * len(drift), 6), squeeze=False)
            for col, (name, s) in enumerate(drift.items()):
                its = np.arange(len(s)) * run["every"]
                for layer in range(s.shape[1]):
                    axes[0, col].plot(its, s[:, layer, 0], label=f"layer {layer + 1}")
                    axes[1, col].plot(its, s[:, layer, 1], label=f"layer {layer + 1}")
                axes[0, col].set_title(f"{name}: pre-activation mean")
                axes[1, col].set_title(f"{name}: pre-activation std")
                axes[1, col].set_xlabel("iteration")
                axes[1, col].set_yscale("log")
            axes[0, 0].legend(fontsize=8)
            plt.tight_layout()
            plt.show()
        """),
        md("""
        **Question (1 point).** Without normalization, how do the mean and the standard
        deviation of the pre-activations differ between layers, and how do they move during
        training? What does batch normalization change, and which of its parameters decide
        where the statistics sit (the curves are not exactly 0 and 1 after training)?
        """),
        answer("why_normalize_question", 1),
        # ---------------------------------------------------------------- BN forward
        md(r"""
        ## 2. Batch normalization: the forward pass

        For a minibatch $x$ of shape $(N, D)$, batch normalization normalises **each feature
        (column) over the batch** and then lets the network scale and shift it back:

        $$\mu_j = \frac1N \sum_i x_{ij}, \qquad
          \sigma_j^2 = \frac1N \sum_i (x_{ij} - \mu_j)^2, \qquad
          \hat x_{ij} = \frac{x_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, \qquad
          y_{ij} = \gamma_j \hat x_{ij} + \beta_j .$$

        * The variance is the **biased** one (divide by $N$), and $\epsilon$ (`eps`, default
          `1e-5`) sits **inside** the square root: a constant feature then gives $\hat x = 0$,
          not a division by zero.
        * $\gamma$ and $\beta$ are learnt: $\gamma = \sigma, \beta = \mu$ would undo the
          normalization, so nothing is lost.
        * **At test time** there may be a single example: no batch statistics. During training,
          keep exponential running averages in `bn_param` (`momentum` defaults to 0.9):
          `running_mean = momentum * running_mean + (1 - momentum) * mu` (the same for
          `running_var`), **write them back into `bn_param`**, and normalise with them in
          `mode='test'`. (PyTorch's `momentum` is our `1 - momentum`, and its running variance
          uses $N - 1$.)
        """),
        *g("batchnorm_forward"),
        md("""
        **Means and standard deviations before and after.** With `gamma = 1, beta = 0` each
        output feature should have mean 0 and standard deviation 1; with other `gamma` and
        `beta` it has mean `beta` and standard deviation `|gamma|`.
        """),
        code("""
        rng = np.random.default_rng(0)
        x = 5 * rng.standard_normal((200, 3)) * np.array([1.0, 3.0, 0.2]) + np.array([2.0, -8.0, 40.0])
        print("before:       means", x.mean(axis=0).round(2), " stds", x.std(axis=0).round(2))
        if ready("batchnorm_forward", what="this comparison"):
            out, _ = norm.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
            print("gamma=1,beta=0: means", out.mean(axis=0).round(4), " stds", out.std(axis=0).round(4))
            gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
            out, _ = norm.batchnorm_forward(x, gamma, beta, {"mode": "train"})
            print("gamma, beta:    means", out.mean(axis=0).round(4), " stds", out.std(axis=0).round(4))
        """),
        md("""
        **Test mode after warm-up.** Run 50 training passes on batches drawn from the same
        distribution, then one test pass: the running averages should have converged to the
        distribution's mean and variance, and the test output should again be standardised.
        """),
        code("""
        if ready("batchnorm_forward", what="this warm-up"):
            bn_param = {"mode": "train"}
            gamma, beta = np.ones(3), np.zeros(3)
            for t in range(50):
                batch = 5 * rng.standard_normal((64, 3)) * np.array([1.0, 3.0, 0.2]) + np.array([2.0, -8.0, 40.0])
                norm.batchnorm_forward(batch, gamma, beta, bn_param)
            missing = [k for k in ("running_mean", "running_var") if k not in bn_param]
            if missing:
                print(f"bn_param has no {' or '.join(missing)} after 50 training calls: "
                      "batchnorm_forward must write the running averages back into bn_param")
            else:
                print("running_mean", bn_param["running_mean"].round(2), "(true: [2, -8, 40])")
                print("running_var ", bn_param["running_var"].round(2), "(true: [25, 225, 1])")
                bn_param["mode"] = "test"
                x_test = 5 * rng.standard_normal((500, 3)) * np.array([1.0, 3.0, 0.2]) + np.array([2.0, -8.0, 40.0])
                out, _ = norm.batchnorm_forward(x_test, gamma, beta, bn_param)
                print("test mode:    means", out.mean(axis=0).round(2), " stds", out.std(axis=0).round(2))
        """),
        # ---------------------------------------------------------------- BN backward
        md(r"""
        ## 3. Batch normalization: the backward pass, twice

        **Staged.** Draw the forward pass as a graph — mean, centre ($x_c = x - \mu$), square,
        variance, $\sqrt{\cdot + \epsilon}$, invert, multiply ($\hat x = x_c / \sigma$), scale
        and shift — and backpropagate through one node at a time. Two places need care: $x_c$
        feeds both $\hat x$ and the variance (add the two gradients), and $x$ feeds both $x_c$
        and $\mu$. `dgamma` and `dbeta` **sum** over the batch.
        """),
        *g("batchnorm_backward"),
        md(r"""
        **Simplified.** Work the same derivative out on paper: with $g = \text{dout}\cdot\gamma$,
        everything collapses to one line,
        $$dx = \frac{1}{\sqrt{\sigma^2+\epsilon}}\Big(g - \overline{g} - \hat x\;
        \overline{g \hat x}\Big),$$
        where the bars are means over the batch. Write it in `batchnorm_backward_alt`.
        """),
        *g("batchnorm_backward_alt"),
        md("**Speed.** Both return the same gradients; the simplified one does less work:"),
        code("""
        rng = np.random.default_rng(1)
        x, dout = rng.standard_normal((256, 512)), rng.standard_normal((256, 512))
        gamma, beta = rng.standard_normal(512), rng.standard_normal(512)
        if ready("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
                 what="this timing"):
            _, cache = norm.batchnorm_forward(x, gamma, beta, {"mode": "train"})
            times = {}
            for name in ("batchnorm_backward", "batchnorm_backward_alt"):
                fn = getattr(norm, name)
                fn(dout, cache)
                t0 = time.perf_counter()
                for _ in range(20):
                    grads = fn(dout, cache)
                times[name] = (time.perf_counter() - t0) / 20
            same = all(np.allclose(a, b) for a, b in zip(norm.batchnorm_backward(dout, cache),
                                                         norm.batchnorm_backward_alt(dout, cache)))
            for name, t in times.items():
                print(f"{name:>24}: {1e3 * t:.2f} ms")
            print(f"speed-up {times['batchnorm_backward'] / times['batchnorm_backward_alt']:.2f}x; "
                  f"same gradients: {same}")
        """),
        # ---------------------------------------------------------------- LN / GN
        md(r"""
        ## 4. Layer and group normalization

        Batch normalization needs a batch: its statistics are noisy for small batches and
        meaningless for one example. **Layer normalization** normalises **each example over its
        own $D$ features** instead (the same formulas with the sums over $j$, `axis=1`); $\gamma$
        and $\beta$ still act per feature. It behaves the same in training and at test time,
        so it needs no running averages.

        **Group normalization** sits in between: it splits the $D$ features into $G$ groups of
        $D/G$ **consecutive** features and normalises each group of each example on its own.
        $G = 1$ is layer normalization. (For images the groups are groups of channels; here,
        for fully connected layers, they are groups of features.)
        """),
        *g("layernorm_forward", "layernorm_backward", "groupnorm_forward", "groupnorm_backward"),
        md("### Overview: every open check of this lab"),
        code('check_lab("02_normalization")'),
        # ---------------------------------------------------------------- experiments
        md("""
        ## 5. Experiments

        ### 5.1 Initialisation scale, with and without batch normalization

        The same 6-layer ReLU network, trained for the same number of SGD steps, with the
        weights drawn at different scales. Without normalization the scale decides whether
        the signal vanishes, explodes or trains; with batch normalization it should hardly
        matter.
        """),
        code("""
        run = budget(full=dict(scales=[1e-3, 1e-2, 5e-2, 0.2, 1.0], iterations=300),
                     graded=dict(scales=[1e-2], iterations=5))
        results = {}
        if ready(*NETWORK, what="every training run"):
            for normalization in (None, "batchnorm"):
                if not ready(*NORM_NEEDS[normalization], what=f"training with {normalization}"):
                    continue
                accs = []
                for scale in run["scales"]:
                    net = make_net(6, 64, normalization, weight_scale=scale, seed=2)
                    losses, _ = train(net, data, run["iterations"], lr=0.05, seed=2)
                    accs.append(accuracy(net, data["X_val"], data["y_val"]))
                results[normalization or "no normalization"] = accs
        if results:
            for name, accs in results.items():
                plt.semilogx(run["scales"], accs, "o-", label=name)
            plt.xlabel("weight scale (std of the initial weights)")
            plt.ylabel("validation accuracy")
            plt.ylim(0, 1)
            plt.legend()
            plt.title("6 hidden layers, same training budget")
            plt.show()
        """),
        md("""
        **Question (1 point).** For which scales does the plain network fail, and why (think of
        the standard deviation of the activations after 6 layers)? Why does batch normalization
        make the scale of the weights almost irrelevant for the forward pass?
        """),
        answer("init_scale_question", 1),
        md("""
        ### 5.2 Batch size: batch normalization vs layer normalization

        Each run sees the same number of examples (two epochs), in batches of 1 to 128, with
        the learning rate scaled with the batch size. Batch normalization's statistics come
        from the batch; layer normalization's from each example.
        """),
        code("""
        run = budget(full=dict(batch_sizes=[1, 2, 4, 8, 16, 32, 64, 128], examples=2400),
                     graded=dict(batch_sizes=[8], examples=16))
        results = {}
        if ready(*NETWORK, what="every training run"):
            for normalization in ("batchnorm", "layernorm"):
                if not ready(*NORM_NEEDS[normalization], what=f"training with {normalization}"):
                    continue
                accs = []
                for bs in run["batch_sizes"]:
                    net = make_net(3, 64, normalization, seed=3)
                    train(net, data, run["examples"] // bs, batch_size=bs,
                          lr=0.1 * min(1.0, bs / 32) ** 0.5, seed=3)
                    accs.append(accuracy(net, data["X_val"], data["y_val"]))
                results[normalization] = accs
        if results:
            for name, accs in results.items():
                plt.semilogx(run["batch_sizes"], accs, "o-", label=name, base=2)
            plt.xlabel("batch size")
            plt.ylabel("validation accuracy (test mode)")
            plt.ylim(0, 1)
            plt.legend()
            plt.show()
        """),
        md("""
        **Question (1 point).** What happens to batch normalization at batch size 1 (what is
        $\\hat x$ when $N = 1$?) and at small batch sizes, and why is layer normalization
        unaffected? Name a setting from the lecture where this matters.
        """),
        answer("batch_size_question", 1),
        md("""
        ### 5.3 Twenty layers: plain vs residual

        Two 20-layer ReLU networks of width 32 with batch normalization (as in a ResNet) and
        the same He initialisation: one plain, one made of residual blocks
        `h = h + relu(batchnorm(affine(h)))` (`FullyConnectedNet(residual=True)`). Left: the
        norm of the gradient of each layer's weights at initialisation. Right: the training
        loss. (Without normalization the plain net's signal dies out entirely and the
        residual one explodes unless initialised very small: try `make_net(20, 32,
        weight_scale=0.1, residual=...)`.)
        """),
        code("""
        run = budget(full=dict(iterations=300), graded=dict(iterations=3))
        curves, grad_norms = {}, {}
        X0, y0 = data["X_train"][:128], data["y_train"][:128]
        if ready(*NETWORK, *NORM_NEEDS["batchnorm"], what="these two networks"):
            for residual in (False, True):
                name = "residual" if residual else "plain"
                net = make_net(20, 32, "batchnorm", residual=residual, seed=4)
                _, grads = net.loss(X0, y0)
                grad_norms[name] = [np.linalg.norm(grads[f"W{i}"])
                                    for i in range(1, net.num_layers + 1)]
                curves[name], _ = train(net, data, run["iterations"], lr=0.05, seed=4)
                print(f"{name:>8}: validation accuracy "
                      f"{accuracy(net, data['X_val'], data['y_val']):.3f}")
        if curves:
            fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
            for name in curves:
                a1.semilogy(range(1, len(grad_norms[name]) + 1), grad_norms[name], "o-", label=name)
                a2.plot(curves[name], label=name)
            a1.set_xlabel("layer"); a1.set_ylabel("|dL/dW| at initialisation"); a1.legend()
            a2.set_xlabel("iteration"); a2.set_ylabel("training loss"); a2.legend()
            plt.tight_layout()
            plt.show()
        """),
        md("""
        **Question (1 point).** How does the gradient norm change from the last layer to the
        first in each network, and how do the training curves differ? Explain with the
        backward pass of `h + f(h)` (what does `dh` receive besides the gradient through `f`?)
        why the residual network's gradients stay of a similar size across its depth.
        """),
        answer("residual_question", 1),
    ]
