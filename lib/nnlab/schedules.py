"""Learning-rate schedules: the learning rate as a function of training time.

Every schedule has the signature

    lr = schedule(epoch, base_lr, ...hyperparameters)

- epoch: float >= 0, the number of epochs completed so far. The Solver evaluates the schedule
  before every iteration at epoch = iteration / iterations_per_epoch, so it may be fractional
  (2.5 = halfway through the third epoch); at whole epochs the values are those of PyTorch's
  schedulers (StepLR, ExponentialLR, CosineAnnealingLR, LinearLR), see tests/test_lab04.py.
- base_lr: float, the learning rate at epoch 0 (after warm-up, for ``linear_warmup``).

Returns the learning rate, a float. The schedules are pure functions of their arguments: no
state, nothing stored between calls.

Use one with the Solver through a one-argument function of the epoch, e.g.

    Solver(model, data, update_rule="sgd_momentum", optim_config={"learning_rate": 0.1},
           lr_schedule=lambda epoch: cosine_decay(epoch, 0.1, total_epochs=10))

or with ``make_schedule("cosine", 0.1, total_epochs=10, warmup_epochs=1)``.
"""
import math


def step_decay(epoch, base_lr, step_size=10, gamma=0.1):
    """Multiply the rate by gamma every step_size epochs (PyTorch's StepLR).

    lr = base_lr * gamma ** floor(epoch / step_size)

    E.g. step_size=10, gamma=0.1: base_lr for epochs [0, 10), base_lr / 10 for [10, 20), ...
    """
    # Hint: count the COMPLETED steps with math.floor; epoch 10 with step_size 10 is already decayed once.
    raise NotImplementedError("step_decay is yours to write (nnlab/schedules.py). Hint: count the COMPLETED steps with math.floor; epoch 10 with step_size 10 is already decayed once.")


def exponential_decay(epoch, base_lr, gamma=0.95):
    """Multiply the rate by gamma every epoch, smoothly (PyTorch's ExponentialLR).

    lr = base_lr * gamma ** epoch

    This is what the Solver's ``lr_decay=gamma`` does, once per epoch.
    """
    # Hint: one line; at epoch 0 the rate is base_lr.
    raise NotImplementedError("exponential_decay is yours to write (nnlab/schedules.py). Hint: one line; at epoch 0 the rate is base_lr.")


def inverse_time_decay(epoch, base_lr, decay_rate=1.0):
    """1/t decay: lr = base_lr / (1 + decay_rate * epoch).

    The rate the convergence theory of SGD asks for (steps that sum to infinity while their
    squares sum to a finite number); decays fast at first, then slowly.
    """
    # Hint: at epoch 0 the rate is base_lr, at epoch 1 / decay_rate it is base_lr / 2.
    raise NotImplementedError("inverse_time_decay is yours to write (nnlab/schedules.py). Hint: at epoch 0 the rate is base_lr, at epoch 1 / decay_rate it is base_lr / 2.")


def cosine_decay(epoch, base_lr, total_epochs, min_lr=0.0):
    """Half a cosine from base_lr down to min_lr over total_epochs (Loshchilov & Hutter, 2017).

    lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * epoch / total_epochs)) / 2

    for epoch <= total_epochs, and min_lr after that (the curve does not come back up). This is
    the closed form of PyTorch's CosineAnnealingLR(T_max=total_epochs, eta_min=min_lr).
    """
    # Hint: clip the epoch at total_epochs; at epoch total_epochs / 2 the rate is halfway.
    raise NotImplementedError("cosine_decay is yours to write (nnlab/schedules.py). Hint: clip the epoch at total_epochs; at epoch total_epochs / 2 the rate is halfway.")


def linear_warmup(epoch, base_lr, warmup_epochs, start_factor=0.0):
    """Ramp the rate linearly from start_factor * base_lr up to base_lr (PyTorch's LinearLR).

    lr = base_lr * (start_factor + (1 - start_factor) * epoch / warmup_epochs)

    for epoch < warmup_epochs, and base_lr from warmup_epochs on. Warm-up keeps the first steps
    small while the statistics of adaptive rules (Adam's v) and of the network settle (Goyal et
    al., 2017).
    """
    # Hint: how far through the warm-up are you, as a fraction that stops growing at 1?
    raise NotImplementedError("linear_warmup is yours to write (nnlab/schedules.py). Hint: how far through the warm-up are you, as a fraction that stops growing at 1?")


SCHEDULES = {
    "constant": lambda epoch, base_lr: base_lr,
    "step": step_decay,
    "exponential": exponential_decay,
    "inverse_time": inverse_time_decay,
    "cosine": cosine_decay,
}


def make_schedule(name, base_lr, warmup_epochs=0, start_factor=0.0, **hyper):
    """A one-argument schedule ``epoch -> lr`` for the Solver's ``lr_schedule``.

    name: one of "constant", "step", "exponential", "inverse_time", "cosine";
    hyper: that schedule's hyperparameters (step_size, gamma, decay_rate, total_epochs, min_lr).
    With warmup_epochs > 0 the rate first ramps up linearly (``linear_warmup``) and the schedule
    then starts from base_lr, its clock shifted by warmup_epochs.

        make_schedule("cosine", 0.1, total_epochs=9, warmup_epochs=1)
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    decay = SCHEDULES[name]

    def schedule(epoch):
        if warmup_epochs and epoch < warmup_epochs:
            return linear_warmup(epoch, base_lr, warmup_epochs, start_factor)
        return decay(epoch - warmup_epochs, base_lr, **hyper)

    schedule.__name__ = f"{name}_schedule"
    return schedule
