"""Lab 06 notebook: the training recipe (the readable description).

``assignments/build_notebooks.py`` finds this file (assignments/notebooks/NN_name.py), calls
``cells(nb)`` with itself as ``nb`` (its cell helpers: md, code, setup, grades, answer) and writes
assignments/source/06_training_recipe/06_training_recipe.ipynb. Nothing in this folder is
released: nbgrader releases only assignments/source/06_training_recipe/.
"""
from autograder.labs import get_lab

NAME = "06_training_recipe"


def cells(nb):
    lab = get_lab(NAME)
    g = lambda *names: nb.grades(lab, *names)  # noqa: E731
    md, code, setup, answer = nb.md, nb.code, nb.setup, nb.answer
    lab_setup = nb.lab_setup
    return [
        md("""
        # Lab 06 — The training recipe

        Knowing the layers and the optimizers is not enough: training a network well is a
        *procedure*. This lab follows the recipe from the lectures step by step on the 8×8
        digits:

        1. **look at the data and preprocess it** — statistics from the training set only;
        2. **sanity-check the untrained network** — its first loss should be $\\log C$;
        3. **overfit a tiny sample** — if it cannot, something is broken;
        4. **find a learning rate**, then **search coarse to fine** — random, on log scales;
        5. **watch the run** — loss curves, dead units, update-to-weight ratios;
        6. **diagnose** the gap between training and validation accuracy.

        **How the lab works** (as in the earlier labs)

        * Your code goes in the package **`nnlab/`** next to this notebook:
          `nnlab/preprocessing.py`, `nnlab/search.py` and `nnlab/diagnostics.py`. Each function
          raises `NotImplementedError` until you write it (its docstring states the shapes, a
          hint says where to start).
        * A **check cell** after each function runs the open checks on fixed inputs.
        * Edit, save, rerun the check cell (`autoreload` picks your edits up).
        * The grade comes from hidden checks (other inputs; your searches are given a training
          function of the grader's, which counts every call). Passing the open checks is
          necessary, not sufficient.
        * From a terminal, `nnlab check 06_training_recipe` runs every open check at once.
        * The experiments train networks built from your lab-01 layers (affine, ReLU, softmax):
          copy them into this lab's `nnlab/` if they are not there yet. `FULL_RUN = True` below
          runs larger searches (a few minutes); the default takes well under a minute.
        """),
        lab_setup("""
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab import preprocessing, search, diagnostics, recipe
        from nnlab.data import load_digits
        from nnlab.grading_mode import budget
        from nnlab.notebook import ready, TRAINING

        FULL_RUN = False      # True: larger searches and longer training (a few minutes)
        NETWORK = (*TRAINING, "relu_forward", "relu_backward")   # your lab-01 layers
        size = budget(full=dict(trials=40 if FULL_RUN else 16, epochs=10 if FULL_RUN else 4),
                      graded=dict(trials=2, epochs=1))
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/preprocessing.py` | `fit_preprocessing`, `apply_preprocessing`, `preprocess_splits`, `train_val_test_split`, `kfold_indices` |
        | `nnlab/search.py` | `sample_log_uniform`, `random_search`, `grid_search`, `refine_range` |
        | `nnlab/diagnostics.py` | `initial_loss_verdict`, `dead_unit_fraction`, `update_ratios`, `fit_verdict`, `moving_average` |
        """),
        # ---------------------------------------------------------------- 1. preprocessing
        md("""
        ## 1. Preprocessing: fit on the training set, apply everywhere

        Zero-centring puts every feature around 0, so the first layer's gradients do not all
        share one sign; standardising also gives each feature unit spread. For images, VGG
        subtracts **one mean per colour channel** (AlexNet subtracted the whole mean image).

        The statistics are **fitted on the training set only**, then applied unchanged to the
        validation and test sets. Fitting them on all the data lets the validation set leak
        into training, and the validation accuracy stops being an honest estimate.

        Watch the corners of a digit: those pixels are 0 in every training image, so their
        standard deviation is 0 — divide them by 1, not by 0.
        """),
        *g("fit_preprocessing", "apply_preprocessing", "preprocess_splits"),
        md("""
        **Splits.** `load_digits` already gives a stratified train/validation/test split. To cut
        your own, shuffle the indices once and slice: never take the last examples of a
        dataset that may be stored in order.
        """),
        *g("train_val_test_split"),
        md("""
        **k-fold cross-validation** uses every example for validation once: split the indices
        into k folds, train on k − 1 of them and validate on the one left out. With little
        data (our 1197 training digits) it gives a steadier estimate than one validation set,
        at k times the cost.
        """),
        *g("kfold_indices"),
        code("""
        if ready("train_val_test_split", "kfold_indices", what="the split and the folds"):
            tr, va, te = preprocessing.train_val_test_split(1797, 0.15, 0.15, seed=0)
            print(f"1797 digits -> train {tr.size}, validation {va.size}, test {te.size}")
            for i, (tr_idx, va_idx) in enumerate(preprocessing.kfold_indices(1197, 5)):
                print(f"fold {i}: train on {tr_idx.size}, validate on {va_idx.size}")
        """),
        code("""
        raw = load_digits(normalize=False)            # pixels in [0, 1], nothing subtracted
        data = dict(raw)
        if ready("preprocess_splits", what="preprocessing the digits"):
            data["X_train"], data["X_val"], data["X_test"] = preprocessing.preprocess_splits(
                raw["X_train"], raw["X_val"], raw["X_test"], "standardize")
            print("train: mean %.2e, std %.3f" % (data["X_train"].mean(), data["X_train"].std()))
            print("val:   mean %.2e, std %.3f  (close to, not exactly, 0 and 1: fitted on train)"
                  % (data["X_val"].mean(), data["X_val"].std()))
        """),
        # ---------------------------------------------------------------- 2. sanity checks
        md("""
        ## 2. Sanity checks before training

        With small weights every class score is about the same, so softmax gives each of the
        $C$ classes probability $1/C$ and the loss is $-\\log(1/C) = \\log C$ — 2.303 for ten
        digits. A first loss far above means too large weights or a bug; far below means the
        labels leaked into the inputs.
        """),
        *g("initial_loss_verdict"),
        code("""
        if ready(*NETWORK, "initial_loss_verdict", what="the initial-loss check"):
            from nnlab.fc_net import FullyConnectedNet
            for scale in (1e-3, 1.0):
                net = FullyConnectedNet([64, 64], input_dim=64, num_classes=10, weight_scale=scale,
                                        dtype=np.float64, seed=0)
                loss, _ = net.loss(data["X_train"][:200], data["y_train"][:200])
                print(f"weight_scale {scale:g}: initial loss {loss:.3f} vs log(10) = "
                      f"{np.log(10):.3f} -> {diagnostics.initial_loss_verdict(loss, 10)}")
        """),
        md("""
        **Overfit a small sample.** Fifty training images, no regularisation: a working network
        reaches training accuracy 1.0 within a few dozen epochs. If it cannot, look for a bug
        before searching for hyperparameters.
        """),
        code("""
        if ready(*NETWORK, what="overfitting a small sample"):
            small = recipe.overfit_small_sample(data, num_examples=50,
                                                num_epochs=budget(full=40, graded=2))
            print(f"50 images: training accuracy {small.train_acc_history[-1]:.2f}, "
                  f"validation accuracy {small.val_acc_history[-1]:.2f} (memorised, not learnt)")
        """),
        # ---------------------------------------------------------------- 3. search
        md("""
        ## 3. Hyperparameter search

        Learning rates and regularisation strengths matter by **orders of magnitude**: search
        their exponents. `sample_log_uniform(1e-4, 1e-1, n)` gives each decade the same share.
        """),
        *g("sample_log_uniform"),
        md("""
        **Random search versus grid search.** A search gets a budget of trials. A grid spends
        it on every combination of a few values per hyperparameter; random search draws every
        hyperparameter afresh for every trial. When only some hyperparameters matter — the
        usual case — a 3×3 grid tries just 3 values of the important one, random search 9
        (Bergstra & Bengio, 2012). Both take the training function as an argument:
        `train_fn(params) -> validation accuracy`.
        """),
        *g("random_search", "grid_search"),
        code("""
        space2 = {"learning_rate": (1e-5, 1e-1, "log"), "unimportant": (0.0, 1.0, "linear")}
        if ready("random_search", "grid_search", what="grid versus random search"):
            _, grid_best, grid_trials = search.grid_search(recipe.important_only, space2, 9)
            _, rand_best, rand_trials = search.random_search(recipe.important_only, space2, 9,
                                                             seed=0)
            recipe.plot_grid_vs_random(grid_trials, rand_trials)
        """),
        md("""
        **Coarse to fine.** Search wide with short runs, then narrow the range around the best
        value and search again with longer runs. If the best value sits on the **border** of
        the range, the optimum may lie outside it: move the range instead of shrinking it.
        """),
        *g("refine_range"),
        md("""
        ### 3.1 Random search on the digits

        A two-hidden-layer network trained with Adam for a few epochs per trial, the learning
        rate and the L2 strength drawn log-uniformly. The bar counts the trials.
        """),
        code("""
        space = {"learning_rate": (1e-5, 1e-1, "log"), "reg": (1e-6, 1e0, "log")}
        runs = []
        if ready(*NETWORK, "random_search", what="the random search"):
            train_fn, runs = recipe.make_train_fn(data, num_epochs=size["epochs"],
                                                  progress_total=size["trials"], desc="coarse")
            best, best_acc, trials = search.random_search(train_fn, space, size["trials"], seed=0)
            for params, acc in sorted(trials, key=lambda t: -t[1])[:5]:
                print(f"val_acc {acc:.3f}  lr {params['learning_rate']:.2e}  reg {params['reg']:.2e}")
            recipe.plot_search(trials, title="coarse random search")
        """),
        code("""
        if runs and ready("refine_range", what="the fine search"):
            fine = {k: (*search.refine_range(low, high, best[k]), "log")
                    for k, (low, high, _) in space.items()}
            print("fine ranges:", {k: (f"{lo:.1e}", f"{hi:.1e}") for k, (lo, hi, _) in fine.items()})
            fine_fn, fine_runs = recipe.make_train_fn(data, num_epochs=size["epochs"],
                                                      progress_total=size["trials"], desc="fine")
            best, best_acc, fine_trials = search.random_search(fine_fn, fine, size["trials"],
                                                               seed=1)
            print(f"best after refining: val_acc {best_acc:.3f} with {best}")
            recipe.plot_search(fine_trials, title="fine random search")
            runs = runs + fine_runs
        """),
        # ---------------------------------------------------------------- 4. diagnostics
        md("""
        ## 4. Watching a run

        * **Loss curves** are noisy minibatch by minibatch: a moving average shows the trend.
        * A ReLU unit that outputs 0 for **every** input is **dead**: it passes no gradient
          back and never recovers. A large learning rate can kill whole layers.
        * The **update-to-weight ratio** ‖ΔW‖ / ‖W‖ of one step should be about $10^{-3}$:
          much smaller and the learning rate is too low, much larger and it is too high.
          ΔW is the **update**, what the step changed: learning rate × gradient for SGD,
          something else for Adam. The gradient's own size ‖∇W‖ / ‖W‖ stays the same whatever
          the learning rate, so it cannot tell you whether the rate is right (the cell below
          prints both).
        * The **gap** between training and validation accuracy: a large one is overfitting
          (more regularisation, more data); low training accuracy is underfitting (a bigger
          model, longer training, less regularisation).
        """),
        *g("moving_average", "dead_unit_fraction", "update_ratios", "fit_verdict"),
        code("""
        if runs and ready("moving_average", what="the loss curves"):
            recipe.plot_loss_curves(runs, diagnostics.moving_average, window=5)
        """),
        code("""
        if ready(*NETWORK, "dead_unit_fraction", "update_ratios", what="dead units and ratios"):
            for lr in (1e-3, 1e-1):
                train_one, one_run = recipe.make_train_fn(data, num_epochs=size["epochs"])
                train_one({"learning_rate": lr})
                net = one_run[0][1].model
                dead = diagnostics.dead_unit_fraction(
                    recipe.hidden_activations(net.params, data["X_val"]))
                print(f"Adam with learning rate {lr:g}: dead units per layer {np.round(dead, 2)}")
            # the update-to-weight ratio of one SGD step from the last network, at three rates
            _, grads = net.loss(data["X_train"][:100], data["y_train"][:100])
            before = {k: v.copy() for k, v in net.params.items()}
            gradient_ratio = np.linalg.norm(grads["W1"]) / np.linalg.norm(before["W1"])
            for lr in (1e-3, 1e-1, 1e1):
                after = {k: v - lr * grads[k] for k, v in before.items()}
                ratios = diagnostics.update_ratios(before, after, grads)
                print(f"one SGD step with learning rate {lr:g}: W1 update ratio "
                      f"{ratios['W1']:.1e} ({diagnostics.ratio_verdict(ratios['W1'])}); "
                      f"gradient ratio {gradient_ratio:.1e} (the same at every rate)")
        """),
        code("""
        if runs and ready("fit_verdict", what="the diagnosis"):
            chosen = {}
            for params, solver in runs:
                verdict = diagnostics.fit_verdict(solver.train_acc_history[-1],
                                                  solver.val_acc_history[-1])
                chosen.setdefault(verdict, (params, solver))
            for verdict, (params, solver) in chosen.items():
                print(f"{verdict:>12}: train {solver.train_acc_history[-1]:.3f}, "
                      f"val {solver.val_acc_history[-1]:.3f}  (lr {params['learning_rate']:.1e}, "
                      f"reg {params['reg']:.1e})")
            recipe.plot_accuracy_gap({v: s for v, (_, s) in chosen.items()})
        """),
        md("### Overview: every open check of this lab"),
        code('check_lab("06_training_recipe")'),
        md("""
        **Question (2 points).** Look at your coarse search's scatter plot: where in the
        (learning rate, reg) plane do the good trials lie, and which hyperparameter mattered
        more? Did the best value sit near a border of a range — what did `refine_range` do
        about it? Using the grid-versus-random plot, explain in two sentences why random search
        found a better learning rate with the same budget.
        """),
        answer("search_question", 2),
    ]
