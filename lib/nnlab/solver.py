"""Train a model with minibatch gradient descent (cs231n-compatible ``Solver``).

    data = nnlab.data.load_digits()
    model = FullyConnectedNet([100, 100], input_dim=64, seed=0)
    solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 1e-1},
                    num_epochs=10, batch_size=100, seed=0)
    solver.train()
    plt.plot(solver.loss_history)

The model must have
- ``model.params``: dict from parameter name to array;
- ``model.loss(X, y=None)``: returns scores (N, C) when y is None, else ``(loss, grads)`` with
  grads keyed like params.

After ``train()`` the model holds the parameters that scored best on the validation set.
"""
import os
import pickle

import numpy as np
from tqdm.auto import tqdm

from . import optim


class Solver:
    """Minibatch training loop with accuracy checks, learning-rate decay and best-model tracking.

    Attributes filled in by ``train()``:
    - loss_history: list of the minibatch loss at every iteration
    - train_acc_history, val_acc_history: lists of accuracies, one per check (after the first
      iteration, at the end of every epoch, after the last iteration)
    - best_val_acc: the best validation accuracy seen; best_params: copies of the parameters
      that scored it
    - lr_history: the learning rate used at every iteration
    - diverged: True if training stopped early because the loss became NaN or infinite
    - epoch: number of epochs completed

    ``show_progress`` (set from verbose and progress) tells whether train() draws a tqdm bar.
    """

    def __init__(self, model, data, **kwargs):
        """Set up a training run (nothing trains until ``train()``).

        Required:
        - model: an object with ``params`` and ``loss`` as described in the module docstring
        - data: dict with X_train (N_train, ...), y_train (N_train,), X_val (N_val, ...),
          y_val (N_val,); e.g. the dict from ``nnlab.data.load_digits()``

        Optional keyword arguments:
        - update_rule: name of an update rule in ``nnlab.optim`` (default "sgd"), or a callable
          ``rule(w, dw, config) -> (next_w, config)``
        - optim_config: dict of hyperparameters given to the update rule, e.g.
          {"learning_rate": 1e-1}; every parameter gets its own copy (rules keep state in it)
        - lr_decay: the learning rate is multiplied by this after every epoch (default 1.0)
        - lr_schedule: a function ``epoch -> learning rate`` (see ``nnlab.schedules``), called
          before every iteration with the (fractional) number of epochs completed,
          ``iteration / iterations_per_epoch``; the rate it returns replaces every parameter's
          ``learning_rate``. Default None: the rate of optim_config, times lr_decay per epoch.
          Give lr_schedule or an lr_decay other than 1, not both.
        - batch_size: minibatch size (default 100)
        - num_epochs: number of epochs to train (default 10)
        - num_train_samples: training examples used to measure training accuracy (default
          1000; None uses all)
        - num_val_samples: validation examples used to measure validation accuracy (default
          None: all)
        - checkpoint_name: if given, pickle a checkpoint to ``<checkpoint_name>_epoch_<e>.pkl``
          after every epoch
        - print_every: with progress=False, print the loss every this many iterations
          (default 10)
        - verbose: False silences all progress output (default True)
        - progress: show a tqdm progress bar with the running loss instead of printed loss
          lines (default True; only when verbose is True)
        - seed: seed of minibatch sampling and accuracy subsampling (np.random.default_rng), so
          a run can be repeated exactly; None draws fresh randomness
        """
        self.model = model
        missing = [k for k in ("X_train", "y_train", "X_val", "y_val") if k not in data]
        if missing:
            raise KeyError(f"data is missing {', '.join(missing)}; Solver needs a dict with "
                           f"X_train, y_train, X_val and y_val (e.g. nnlab.data.load_digits()).")
        self.X_train, self.y_train = data["X_train"], data["y_train"]
        self.X_val, self.y_val = data["X_val"], data["y_val"]
        for split in ("train", "val"):
            X, y = getattr(self, f"X_{split}"), getattr(self, f"y_{split}")
            if len(X) != len(y):
                raise ValueError(f"X_{split} has {len(X)} examples but y_{split} has {len(y)} labels")
            if len(X) == 0:
                raise ValueError(f"X_{split} is empty")

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.lr_schedule = kwargs.pop("lr_schedule", None)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)
        self.progress = kwargs.pop("progress", True)
        self.seed = kwargs.pop("seed", None)
        self.show_progress = bool(self.verbose and self.progress)
        if kwargs:
            raise ValueError(f"Unrecognized arguments {', '.join(sorted(kwargs))}")
        if self.batch_size < 1 or self.num_epochs < 0 or self.print_every < 1:
            raise ValueError("batch_size and print_every must be >= 1 and num_epochs >= 0")
        if self.lr_schedule is not None:
            if not callable(self.lr_schedule):
                raise TypeError(f"lr_schedule must be a function epoch -> learning rate, "
                                f"got {self.lr_schedule!r}")
            if self.lr_decay != 1.0:
                raise ValueError("give lr_schedule or lr_decay, not both (exponential_decay "
                                 "is lr_decay as a schedule)")

        if isinstance(self.update_rule, str):
            if not hasattr(optim, self.update_rule):
                known = ", ".join(n for n in dir(optim)
                                  if not n.startswith("_") and callable(getattr(optim, n))
                                  and n != "np")
                raise ValueError(f'Invalid update_rule "{self.update_rule}"; nnlab.optim has: {known}')
            self.update_rule = getattr(optim, self.update_rule)
        elif not callable(self.update_rule):
            raise TypeError(f"update_rule must be a name in nnlab.optim or a callable, "
                            f"got {self.update_rule!r}")

        self._reset()

    def _reset(self):
        """Set up the book-keeping variables. Called by __init__; don't call it yourself."""
        self.epoch = 0
        self.best_val_acc = 0.0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []
        self.lr_history = []
        self.diverged = False
        self._rng = np.random.default_rng(self.seed)
        # Each parameter gets its own copy of optim_config: update rules keep state in it.
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """One gradient update on a random minibatch (sampled with replacement, as cs231n)."""
        num_train = self.X_train.shape[0]
        batch_mask = self._rng.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(float(loss))
        if not np.isfinite(loss):
            return  # train() stops; don't push NaN/inf into the parameters

        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        """Pickle the model and the histories to ``<checkpoint_name>_epoch_<epoch>.pkl``."""
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            self._print(f'Saving checkpoint to "{filename}"')
        directory = os.path.dirname(filename)
        if directory:
            os.makedirs(directory, exist_ok=True)
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of examples the model classifies correctly.

        Inputs:
        - X: array of data, shape (N, d_1, ..., d_k)
        - y: array of labels, shape (N,)
        - num_samples: if given and smaller than N, score a random subset of this many
          examples (without replacement)
        - batch_size: examples per forward pass (bounds memory use)

        Returns:
        - acc: float in [0, 1]
        """
        N = X.shape[0]
        if num_samples is not None and num_samples < N:
            mask = self._rng.choice(N, num_samples, replace=False)
            N = num_samples
            X, y = X[mask], y[mask]

        y_pred = []
        for start in range(0, N, batch_size):
            scores = self.model.loss(X[start:start + batch_size])
            y_pred.append(np.argmax(scores, axis=1))
        y_pred = np.concatenate(y_pred) if y_pred else np.zeros(0, dtype=np.int64)
        return float(np.mean(y_pred == y)) if N else 0.0

    def train(self):
        """Run the optimisation; afterwards the model holds the best parameters found."""
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        bar = tqdm(total=num_iterations, disable=not self.show_progress, unit="it",
                   desc=f"epoch 0/{self.num_epochs}", leave=True)
        try:
            for t in range(num_iterations):
                if self.lr_schedule is not None:
                    self._set_learning_rate(self.lr_schedule(t / iterations_per_epoch))
                # NaN/inf from a diverging run would raise RuntimeWarnings in every layer;
                # they are checked for once, just below, instead.
                with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                    self._step()
                self.lr_history.append(self._learning_rate())
                loss = self.loss_history[-1]
                bar.set_postfix(loss=f"{loss:.4f}", refresh=False)  # drawn at tqdm's own pace
                bar.update(1)

                if not np.isfinite(loss):
                    self._stop_diverged(t, num_iterations, loss)
                    break

                if self.verbose and not self.show_progress and t % self.print_every == 0:
                    print(f"(Iteration {t + 1} / {num_iterations}) loss: {loss:f}")

                # At the end of every epoch, increment the epoch counter and decay the rate.
                epoch_end = (t + 1) % iterations_per_epoch == 0
                if epoch_end:
                    self.epoch += 1
                    bar.set_description(f"epoch {self.epoch}/{self.num_epochs}", refresh=False)
                    for config in self.optim_configs.values():
                        if "learning_rate" in config:
                            config["learning_rate"] *= self.lr_decay

                # Check accuracy after the first iteration, the last one and every epoch.
                if t == 0 or t == num_iterations - 1 or epoch_end:
                    self._record_accuracy()
        finally:
            bar.close()

        if self.best_params:
            self.model.params = {k: v.copy() for k, v in self.best_params.items()}

    def _set_learning_rate(self, lr):
        """Give every parameter's update rule the learning rate ``lr``."""
        lr = float(lr)
        if not np.isfinite(lr) or lr < 0:
            raise ValueError(f"lr_schedule returned {lr}; a learning rate must be finite and >= 0")
        for config in self.optim_configs.values():
            config["learning_rate"] = lr

    def _learning_rate(self):
        """The learning rate of the last update (None when the rule has none)."""
        for config in self.optim_configs.values():
            if "learning_rate" in config:
                return float(config["learning_rate"])
        return None

    def _record_accuracy(self):
        """Measure train/val accuracy, remember the best parameters, checkpoint, report."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            train_acc = self.check_accuracy(self.X_train, self.y_train,
                                            num_samples=self.num_train_samples)
            val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()

        if self.verbose:
            self._print(f"(Epoch {self.epoch} / {self.num_epochs}) "
                        f"train acc: {train_acc:f}; val_acc: {val_acc:f}")

        # The first check always sets best_params, so the model never ends without parameters.
        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}

    def _stop_diverged(self, t, num_iterations, loss):
        """Record that training diverged and say so (even when verbose is False)."""
        self.diverged = True
        lr = self.optim_config.get("learning_rate")
        rate = f" (learning_rate={lr:g})" if isinstance(lr, (int, float)) else ""
        kept = (f"the model keeps the best parameters seen (val acc {self.best_val_acc:.3f})"
                if self.best_params else "no parameters were good enough to keep")
        self._print(
            f"Training stopped at iteration {t + 1} / {num_iterations} (epoch {self.epoch}): "
            f"the loss became {loss}. The learning rate{rate} is probably too high, or the "
            f"initial weights too large; {kept}. solver.diverged is True.")

    def _print(self, message):
        """Print a line without breaking the progress bar (tqdm.write prints above it)."""
        if self.show_progress:
            tqdm.write(message)
        else:
            print(message)
