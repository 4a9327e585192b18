"""The lab-03 notebook (regularization), described cell by cell.

It lives outside ``assignments/source/03_regularization/`` because nbgrader releases every file
of that folder. ``assignments/build_notebooks.py`` loads this module and writes
``assignments/source/03_regularization/03_regularization.ipynb``; ``b`` below is the builder's
cell helpers (``md``, ``code``, ``setup``, ``lab_setup``, ``grades``, ``answer``).
"""
from autograder.labs import LAB03

NAME = LAB03.name


def cells(b, lab=LAB03):
    md, code, setup, answer = b.md, b.code, b.setup, b.answer
    lab_setup = b.lab_setup
    g = lambda *names: b.grades(lab, *names)  # noqa: E731
    return [
        md("""
        # Lab 03 — Regularization: dropout, weight penalties, early stopping, augmentation

        A network with enough parameters can memorise its training set and still fail on new
        data: training accuracy reaches 100 % while validation accuracy stalls. This lab is about
        the tools that close that **gap**. You write inverted dropout, the L2 and L1 weight
        penalties and a data-augmentation function, then measure what each of them, and early
        stopping, does to the gap between training and validation accuracy on a deliberately
        small training set.

        The lab works like lab 01: your code goes in the package **`nnlab/`** next to this
        notebook; each **check cell** runs the open checks of one function; edit, save, rerun
        (autoreload is on). A cell that plots or trains with functions you have not written yet
        prints one line saying what it needs, and **Run All always reaches the end**. The
        networks of section 4 also call your lab-01 functions (affine, ReLU, softmax loss). Dropout and augmentation are *random*, so their checks do not
        compare your outputs with stored numbers: they test properties every correct
        implementation has (the fraction of units kept, the scaling, the seed, the mask reused in
        the backward pass). From a terminal, `nnlab check 03_regularization` runs them all.
        """),
        lab_setup("""
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab.notebook import ready, TRAINING

        NETWORK = (*TRAINING, "relu_forward", "relu_backward")   # what every network below calls
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/dropout.py` | `dropout_forward`, `dropout_backward` |
        | `nnlab/regularization.py` | `l2_penalty`, `l1_penalty` |
        | `nnlab/augment.py` | `augment` |

        `FullyConnectedNet(..., dropout_keep_ratio=p, reg=..., l1_reg=...)` uses all of them.
        """),
        # ---------------------------------------------------------------- dropout
        md(r"""
        ## 1. Dropout: training an ensemble of thinned networks

        At every training step, dropout switches each hidden unit **off** (sets it to 0) with
        probability $1-p$ and keeps it with probability $p$, independently for every unit and
        every example. Two ways to see why this regularises:

        * **No co-adaptation.** A unit cannot rely on one particular other unit being there, so
          the network learns redundant features (one "cat" feature per ear, per tail, per
          whisker...) instead of fragile conjunctions.
        * **An ensemble.** Each mask picks a *thinned* sub-network. A layer of $H$ units has
          $2^H$ of them (with $H=4096$: more than there are atoms in the universe), all sharing
          the same weights; every step trains one of them. At test time we would like the
          **average prediction of the whole ensemble**,
          $y = \mathbb{E}_m\big[f(x, m)\big]$, which we cannot compute by enumeration.

        The trick is to approximate that average by one pass **without** dropout whose
        activations have the right *expected value*. With a mask $m_i \sim \text{Bernoulli}(p)$,

        $$\mathbb{E}[m_i\,h_i] = p\,h_i ,$$

        so the no-dropout pass must match a factor $p$. There are two ways to put it in:

        | | training | test |
        | --- | --- | --- |
        | **vanilla** dropout | $\text{out} = m \odot h$ | $\text{out} = p\,h$ (scale down at test time) |
        | **inverted** dropout | $\text{out} = m \odot h \,/\, p$ | $\text{out} = h$ (nothing to do) |

        **Inverted dropout** (what PyTorch, and this course, use) does the scaling while
        training, so $\mathbb{E}[\text{out}] = h$ and **test time is the identity**: the test
        code does not even need to know $p$, and a model trained with dropout is deployed
        unchanged. Forget the scaling in the vanilla version and the test-time activations are
        $1/p$ times larger than anything the next layer saw during training.

        In `nnlab`, **`p` is the probability of KEEPING a unit** (cs231n's convention since
        2018). PyTorch's `p` is the probability of *dropping* one: our `p = 0.8` is
        `torch.nn.functional.dropout(x, p=0.2)`.

        **Write `dropout_forward`** in `nnlab/dropout.py`. In train mode, draw a mask of the
        shape of `x` (one independent decision per entry), keep it in the cache; in test mode,
        return `x`. When `dropout_param` holds a `seed`, the mask must depend on that seed only.
        """),
        *g("dropout_forward"),
        md("""
        ### The statistics check

        Since the mask is random, test what every correct mask does: the fraction of entries
        zeroed is about $1-p$ and the mean is preserved, in train mode, for every $p$; test mode
        changes nothing. With $10^5$ entries the fraction kept has a standard error of at most
        $0.0016$, so the numbers below should match to two decimals.
        """),
        code("""
        from nnlab import dropout

        x = np.random.default_rng(0).uniform(0.5, 1.5, size=(500, 200))
        if ready("dropout_forward", what="this check"):
            print(" keep p | zeroed (expect 1-p) | mean(out)/mean(x) (expect 1) | test mode = x")
            for p in (0.2, 0.5, 0.8):
                out, _ = dropout.dropout_forward(x, {"p": p, "mode": "train", "seed": 1})
                test, _ = dropout.dropout_forward(x, {"p": p, "mode": "test"})
                print(f"   {p:.1f}  |        {np.mean(out == 0):.3f}        |"
                      f"            {out.mean() / x.mean():.3f}             | {np.array_equal(test, x)}")
        """),
        md(r"""
        **The ensemble, measured.** Take a tiny network, scores $= \text{dropout}(\text{relu}(xW_1))\,W_2$,
        average its scores over many random masks (a Monte-Carlo estimate of the ensemble
        average), and compare with a single test-mode pass. Because the dropout layer is
        followed by a linear layer, the two agree in expectation: the gap shrinks like
        $1/\sqrt{\text{number of masks}}$. (Through further nonlinearities the single pass is
        only an approximation of the ensemble, but a good one in practice.)
        """),
        code("""
        rng = np.random.default_rng(0)
        x1, W1, W2 = rng.standard_normal((1, 20)), rng.standard_normal((20, 50)), rng.standard_normal((50, 3))
        h = np.maximum(0, x1 @ W1)
        if ready("dropout_forward", what="this measurement"):
            single = dropout.dropout_forward(h, {"p": 0.5, "mode": "test"})[0] @ W2
            thinned = [dropout.dropout_forward(h, {"p": 0.5, "mode": "train"})[0] @ W2
                       for _ in range(4000)]
            counts = np.array([10, 30, 100, 300, 1000, 4000])
            gaps = [np.abs(np.mean(thinned[:n], axis=0) - single).max() for n in counts]
            fig, ax = plt.subplots(figsize=(5, 3))
            ax.loglog(counts, gaps, "o-", label="ensemble average vs one test pass")
            ax.loglog(counts, gaps[0] * np.sqrt(counts[0] / counts), "--", label=r"$1/\\sqrt{n}$")
            ax.set_xlabel("number of thinned networks averaged"); ax.set_ylabel("max |difference|")
            ax.legend(fontsize=8); fig.tight_layout(); plt.show()
        """),
        md("""
        **Write `dropout_backward`.** The forward pass multiplied `x` by a fixed mask (zeros and
        `1/p`), so the backward pass multiplies `dout` by **the same mask** — the one in the
        cache, never a new draw. In test mode the layer is the identity and so is its gradient.
        """),
        *g("dropout_backward"),
        md("""
        ### Gradient check of a network with dropout

        A numerical gradient evaluates the loss many times. With a fresh mask on each call the
        loss would be a *different function* every time and the check meaningless. A fixed
        `seed` makes the mask the same on every call: `FullyConnectedNet(..., seed=123)` puts
        its seed into `model.dropout_param` (as in cs231n). Every relative error should be below
        about 1e-6.
        """),
        code("""
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.gradient_check import eval_numerical_gradient, rel_error

        rng = np.random.default_rng(231)
        X, y = rng.standard_normal((6, 10)), rng.integers(0, 5, size=6)
        if ready(*NETWORK, "dropout_forward", "dropout_backward", what="this gradient check"):
            for keep in (1.0, 0.75, 0.5):
                model = FullyConnectedNet([20, 15], input_dim=10, num_classes=5, weight_scale=0.3,
                                          dropout_keep_ratio=keep, dtype=np.float64, seed=123)
                for name in ("b1", "b2"):
                    model.params[name] += 0.1   # keep examples whose units all dropped off the ReLU kink
                loss, grads = model.loss(X, y)
                errors = {name: rel_error(eval_numerical_gradient(lambda _: model.loss(X, y)[0],
                                                                  model.params[name], verbose=False),
                                          grads[name])
                          for name in sorted(model.params)}
                print(f"keep {keep}: loss {loss:.4f}; worst relative error "
                      f"{max(errors.values()):.1e} ({max(errors, key=errors.get)})")
        """),
        # ---------------------------------------------------------------- penalties
        md(r"""
        ## 2. Weight penalties: L2 and L1

        A penalty on the size of the weights is added to the data loss:

        $$L = \frac{1}{N}\sum_i L_i \;+\; R(W), \qquad
        R_{L2} = \tfrac{1}{2}\,\lambda \sum_{k} \sum W_k^2, \qquad
        R_{L1} = \lambda \sum_{k} \sum |W_k|,$$

        summed over the **weight matrices** $W_1, W_2, \dots$ only. Biases (and the $\gamma,
        \beta$ of normalisation layers) are not penalised: they do not multiply inputs, so they
        cannot make the output more sensitive to them, and there are few of them.

        * **L2** prefers many small weights (it "spreads" the weight over all inputs). Its
          gradient is $\lambda W$ — the $\tfrac12$ is there to cancel the 2 — so every step of
          gradient descent shrinks every weight by a factor $(1 - \eta\lambda)$: **weight
          decay**. PyTorch's `SGD(..., weight_decay=λ)` adds exactly $\lambda W$ to each
          gradient. (For Adam the two differ; AdamW decouples them.)
        * **L1** prefers *sparse* weights: its gradient $\lambda\,\text{sign}(W)$ pushes every
          weight towards 0 by the same amount however small it is, so many land at (or near)
          zero. At $W=0$, $|W|$ has no derivative: use the subgradient 0 (`np.sign(0) = 0`).

        **Write `l2_penalty` and `l1_penalty`** in `nnlab/regularization.py`: each returns the
        penalty and a dict of gradients, one entry per weight (names starting with `"W"`).
        `FullyConnectedNet` computes its L2 term itself (labs 01 and 02 train with `reg > 0`
        before this function exists) and calls your `l1_penalty` when `l1_reg > 0`; your
        `l2_penalty` computes the same term, as a function you can test on its own.
        """),
        *g("l2_penalty", "l1_penalty"),
        # ---------------------------------------------------------------- augmentation
        md("""
        ## 3. Data augmentation

        The cheapest regulariser is more data. **Augmentation** manufactures it: each training
        image is replaced by a randomly transformed copy *with the same label*. That is only
        right for **label-preserving** transformations — ones after which a person would still
        give the image the same label. Which ones those are depends on the data: a
        horizontally flipped cat is still a cat (flips are standard on CIFAR-10), but a flipped
        handwritten 3 is no digit at all, and a 6 turned upside down is a 9. For our 8×8
        digits we use two safe ones: **small shifts** (a digit written a pixel off-centre is
        the same digit) and a little **pixel noise**.

        **Write `augment`** in `nnlab/augment.py`: shift each image by its own random
        $(dy, dx)$, padding with zeros (a pixel that leaves the image is gone, it does not come
        back on the other side as with `np.roll`), then add Gaussian noise; return the labels
        unchanged.
        """),
        *g("augment"),
        code("""
        from nnlab.augment import augment
        from nnlab.data import load_digits

        data = load_digits()
        images = (data["X_train"][:8] + data["mean"]).reshape(-1, 8, 8)   # pixels back in [0, 1]
        labels = data["y_train"][:8]
        if ready("augment", what="this picture"):
            shifted, same_labels = augment(images, labels, max_shift=1, noise_std=0.05, seed=0)
            rows = {"original": images, "augment()": shifted, "flipped (not label-preserving)": images[:, :, ::-1]}
            fig, axes = plt.subplots(3, 8, figsize=(8, 3.4))
            for r, (title, imgs) in enumerate(rows.items()):
                for c in range(8):
                    axes[r, c].imshow(imgs[c], cmap="gray_r", vmin=0, vmax=1)
                    axes[r, c].set_xticks([]); axes[r, c].set_yticks([])
                    axes[r, c].set_title(str(same_labels[c] if r == 1 else labels[c]), fontsize=8)
                axes[r, 0].set_ylabel(title, fontsize=7, rotation=0, ha="right", va="center")
            fig.tight_layout(); plt.show()
        """),
        # ---------------------------------------------------------------- experiments
        md("""
        ## 4. Experiments: closing the gap

        To see overfitting on the easy digits we train on only **150 images** (15 per class)
        and validate on 300. The network is large for that: two hidden layers of 256 units.
        Each run takes well under a second; while the notebook is being graded the runs shrink
        to a token size. All runs use the functions you wrote (the network calls them).

        Note `model.dropout_param.pop("seed")` below: the `seed` that fixes every initial weight
        would also fix the dropout mask, the *same* mask at every step — that is pruning, not
        dropout. For training we want a fresh mask at every step.
        """),
        code("""
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.grading_mode import budget
        from nnlab.solver import Solver

        run = budget(full=dict(epochs=40, dropout_epochs=60, long_epochs=150, copies=9,
                               keeps=[1.0, 0.5, 0.25], regs=[0, 1e-3, 1e-2, 3e-2, 0.1, 0.3]),
                     graded=dict(epochs=2, dropout_epochs=2, long_epochs=3, copies=1,
                                 keeps=[1.0, 0.5], regs=[0, 0.1]))
        n_small = 150
        small = {"X_train": data["X_train"][:n_small], "y_train": data["y_train"][:n_small],
                 "X_val": data["X_val"], "y_val": data["y_val"]}

        def train(d=small, epochs=run["epochs"], keep=1.0, reg=0.0, l1_reg=0.0, lr=0.05):
            \"\"\"Train a fresh [256, 256] network (same initial weights every time); return the Solver.\"\"\"
            model = FullyConnectedNet([256, 256], input_dim=64, num_classes=10, weight_scale=0.1,
                                      dropout_keep_ratio=keep, reg=reg, l1_reg=l1_reg,
                                      dtype=np.float64, seed=0)
            model.dropout_param.pop("seed", None)   # a fresh dropout mask at every step
            np.random.seed(0)                        # ... drawn reproducibly
            solver = Solver(model, d, update_rule="sgd_momentum", optim_config={"learning_rate": lr},
                            num_epochs=epochs, batch_size=25, num_train_samples=None,
                            verbose=False, seed=0)
            solver.train()
            return solver
        """),
        md("""
        ### 4.1 Dropout and the gap

        The same network without dropout and with two keep probabilities, 60 epochs each; solid
        lines are training accuracy, dashed lines validation accuracy. Look at the gap between
        each pair, and at how fast the training accuracy reaches 100 %.
        """),
        code("""
        if ready(*NETWORK, "dropout_forward", "dropout_backward", what="this dropout experiment"):
            runs = {(f"keep {keep}" if keep < 1 else "no dropout"): train(keep=keep, epochs=run["dropout_epochs"])
                    for keep in run["keeps"]}
            fig, ax = plt.subplots(figsize=(6, 3.5))
            for (name, s), color in zip(runs.items(), ("C0", "C1", "C2")):
                ax.plot(s.train_acc_history, color=color, label=f"{name}: train")
                ax.plot(s.val_acc_history, "--", color=color, label=f"{name}: validation")
                print(f"{name:>10}: train {s.train_acc_history[-1]:.3f}, validation "
                      f"{s.val_acc_history[-1]:.3f}, gap {s.train_acc_history[-1] - s.val_acc_history[-1]:.3f}")
            ax.set_xlabel("accuracy check (about one per epoch)"); ax.set_ylabel("accuracy")
            ax.legend(fontsize=8); fig.tight_layout(); plt.show()
        """),
        md("""
        ### 4.2 How strong should L2 be?

        The regularisation strength is a hyperparameter chosen on the validation set. Too
        little and the network overfits; too much and it cannot even fit the training set
        (underfitting): the two curves meet, at a low accuracy.
        """),
        code("""
        if ready(*NETWORK, what="this sweep"):
            sweep = {reg: train(reg=reg) for reg in run["regs"]}
            regs = [max(r, 1e-4) for r in sweep]   # reg = 0 plotted at 1e-4 on the log axis
            fig, ax = plt.subplots(figsize=(6, 3.5))
            ax.semilogx(regs, [s.train_acc_history[-1] for s in sweep.values()], "o-", label="train")
            ax.semilogx(regs, [s.val_acc_history[-1] for s in sweep.values()], "s--", label="validation")
            ax.set_xlabel("L2 strength reg (0 shown at 1e-4)"); ax.set_ylabel("final accuracy")
            ax.legend(fontsize=8); fig.tight_layout(); plt.show()
        """),
        md("""
        ### 4.3 L1 vs L2: where the weights end up

        Train once with L2 and once with L1 and look at the first layer's weights.
        """),
        code("""
        if ready(*NETWORK, "l1_penalty", what="this comparison"):
            pair = {"L2, reg=0.03": train(reg=0.03), "L1, l1_reg=0.003": train(l1_reg=0.003)}
            fig, ax = plt.subplots(figsize=(6, 3.5))
            for name, s in pair.items():
                W = s.model.params["W1"].ravel()
                ax.hist(W, bins=np.linspace(-0.3, 0.3, 61), alpha=0.6, label=name)
                print(f"{name:>16}: validation {s.val_acc_history[-1]:.3f}, "
                      f"{np.mean(np.abs(W) < 1e-2):.0%} of the W1 entries have |w| < 0.01")
            ax.set_yscale("log"); ax.set_xlabel("weight value (first layer)"); ax.set_ylabel("count")
            ax.legend(fontsize=8); fig.tight_layout(); plt.show()
        """),
        md("""
        ### 4.4 Early stopping

        Training longer is not always better: validation accuracy typically rises, peaks and
        then stalls or falls while the training loss keeps dropping. **Early stopping** keeps
        the parameters from the best validation check. Our `Solver` does it for you: after
        `train()`, `model.params` are the parameters that scored `best_val_acc`, not the last
        ones.
        """),
        code("""
        if ready(*NETWORK, what="this training run"):
            long = train(epochs=run["long_epochs"], lr=0.1)
            best = int(np.argmax(long.val_acc_history))
            fig, ax = plt.subplots(figsize=(6, 3.5))
            ax.plot(long.train_acc_history, label="train")
            ax.plot(long.val_acc_history, label="validation")
            ax.axvline(best, color="k", ls=":", label=f"best validation (check {best})")
            ax.set_xlabel("accuracy check (about one per epoch)"); ax.set_ylabel("accuracy")
            ax.legend(fontsize=8); fig.tight_layout(); plt.show()
            print(f"last check {long.val_acc_history[-1]:.3f}, best {long.best_val_acc:.3f}; the model "
                  f"now scores {long.check_accuracy(data['X_val'], data['y_val']):.3f} on validation")
        """),
        md("""
        ### 4.5 Augmentation: which invariance does the test data need?

        We add `copies` augmented versions of each of the 150 training images (shifts of at
        most one pixel, noise 0.05) and train for the same number of steps. Besides the usual
        validation set, whose digits are all centred like the training digits, we measure a
        **shifted validation set**: the same images moved by up to one pixel, as a scanner
        that does not centre the digits would deliver them.
        """),
        code("""
        def augmented(d, copies, seed=0):
            \"\"\"d's training set plus `copies` augmented versions of it (pixels in [0, 1] for augment).\"\"\"
            imgs = (d["X_train"] + data["mean"]).reshape(-1, 8, 8)
            X, y = [d["X_train"]], [d["y_train"]]
            for c in range(copies):
                Xa, ya = augment(imgs, d["y_train"], max_shift=1, noise_std=0.05, seed=seed + c)
                X.append(Xa.reshape(len(Xa), -1) - data["mean"]); y.append(ya)
            return {**d, "X_train": np.concatenate(X), "y_train": np.concatenate(y)}

        if ready(*NETWORK, "augment", what="this experiment"):
            val_imgs = (data["X_val"] + data["mean"]).reshape(-1, 8, 8)
            X_val_shifted = augment(val_imgs, data["y_val"], max_shift=1, seed=99)[0].reshape(len(val_imgs), -1) - data["mean"]
            copies = run["copies"]
            runs = {"plain": train(), f"{copies} augmented copies": train(augmented(small, copies),
                                                                          epochs=max(1, run["epochs"] // (copies + 1)))}
            names, scores = list(runs), {"train (original 150)": [], "validation": [], "shifted validation": []}
            for s in runs.values():
                scores["train (original 150)"].append(s.check_accuracy(small["X_train"], small["y_train"]))
                scores["validation"].append(s.check_accuracy(data["X_val"], data["y_val"]))
                scores["shifted validation"].append(s.check_accuracy(X_val_shifted, data["y_val"]))
            fig, ax = plt.subplots(figsize=(6, 3.5))
            for k, (what, vals) in enumerate(scores.items()):
                ax.bar(np.arange(len(names)) + 0.27 * (k - 1), vals, width=0.27, label=what)
            ax.set_xticks(range(len(names)), names); ax.set_ylabel("accuracy"); ax.set_ylim(0, 1.05)
            ax.legend(fontsize=8, loc="lower right"); fig.tight_layout(); plt.show()
            for what, vals in scores.items():
                print(f"{what:>21}: " + ", ".join(f"{n} {v:.3f}" for n, v in zip(names, vals)))
        """),
        # ---------------------------------------------------------------- questions
        md("""
        ## 5. Questions

        **Question 1 (2 points).** Explain why *inverted* dropout needs no change at test
        time, and what *vanilla* dropout does instead. A classmate's network scores well while
        training but badly at test time; their dropout keeps units with `rand < p` and never
        divides by `p`, and their test mode returns `x`. What exactly goes wrong at test time,
        and by what factor?
        """),
        answer("dropout_question", 2),
        md("""
        **Question 2 (2 points).** From sections 4.1–4.4: how did dropout change the gap
        between training and validation accuracy? Where does the L2 sweep underfit, and which
        strength would you pick, and why on the validation set and not on the training set? What
        does the L1 histogram show that the L2 one does not, and why does L1's gradient cause it?
        """),
        answer("regularization_question", 2),
        md("""
        **Question 3 (2 points).** Which transformations are label-preserving for handwritten
        digits, and which are not? Explain why a horizontal flip is not (give a digit where it
        fails), and name one transformation that is safe for photos of objects but not for
        digits. What does the *shifted validation* result of section 4.5 say about when
        augmentation helps?
        """),
        answer("augmentation_question", 2),
        md("""
        ## Summary of your open checks
        """),
        code(f'check_lab("{NAME}")'),
    ]
