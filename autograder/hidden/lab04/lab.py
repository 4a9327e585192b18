"""Lab 04's entry in the grading table (``autograder.labs`` imports it): what each function is worth."""
from autograder.labs import GradedFunction, Lab


def _g(module, *pairs):
    return tuple(GradedFunction(name, module, points) for name, points in pairs)


LAB04 = Lab(
    name="04_optimizers",
    title="Optimizers and learning-rate schedules",
    functions=(
        _g("optim",
           ("sgd_momentum", 2), ("nesterov_momentum", 3), ("adagrad", 2), ("rmsprop", 2),
           ("adam", 3), ("adamw", 3))
        + _g("schedules",
             ("step_decay", 1), ("exponential_decay", 1), ("inverse_time_decay", 1),
             ("cosine_decay", 1), ("linear_warmup", 1))
    ),
)
