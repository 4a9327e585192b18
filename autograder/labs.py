"""Which functions each lab grades, where they live, and what they are worth.

This table is the single place that ties the notebook's grade cells, the hidden checks and the
Gradescope/nbgrader scores together: a grade cell named ``check_<function>`` in the lab notebook
is worth exactly ``points`` here (a test keeps them in step).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class GradedFunction:
    name: str        # function name, e.g. "affine_forward"
    module: str      # module inside the nnlab package, e.g. "layers"
    points: float    # what it is worth in the gradebook

    @property
    def grade_cell_id(self) -> str:
        return f"check_{self.name}"


@dataclass(frozen=True)
class Lab:
    name: str                      # e.g. "01_layers" (the nbgrader assignment name)
    title: str
    functions: tuple[GradedFunction, ...]

    @property
    def max_points(self) -> float:
        return sum(f.points for f in self.functions)

    def function(self, name: str) -> GradedFunction:
        for f in self.functions:
            if f.name == name:
                return f
        raise KeyError(f"{name!r} is not graded in lab {self.name}")


def _g(module, *pairs):
    return tuple(GradedFunction(name, module, points) for name, points in pairs)


LAB01 = Lab(
    name="01_layers",
    title="Layers, activations and losses",
    functions=(
        _g("layers", ("affine_forward", 2), ("affine_backward", 3))
        + _g("activations",
             ("relu_forward", 1), ("relu_backward", 1),
             ("leaky_relu_forward", 1), ("leaky_relu_backward", 1),
             ("prelu_forward", 1), ("prelu_backward", 2),
             ("elu_forward", 1), ("elu_backward", 1),
             ("selu_forward", 1), ("selu_backward", 1),
             ("gelu_forward", 1), ("gelu_backward", 2),
             ("sigmoid_forward", 2), ("sigmoid_backward", 1),
             ("tanh_forward", 1), ("tanh_backward", 1),
             ("swish_forward", 1), ("swish_backward", 2),
             ("maxout_forward", 2), ("maxout_backward", 3))
        + _g("layer_utils", ("affine_relu_forward", 1), ("affine_relu_backward", 1))
        + _g("losses", ("softmax_loss", 4), ("svm_loss", 4))
    ),
)

LAB02 = Lab(
    name="02_normalization",
    title="Normalization: batch, layer and group; residual connections",
    functions=_g("normalization",
                 ("batchnorm_forward", 6), ("batchnorm_backward", 5), ("batchnorm_backward_alt", 4),
                 ("layernorm_forward", 3), ("layernorm_backward", 3),
                 ("groupnorm_forward", 3), ("groupnorm_backward", 3)),
)

LAB03 = Lab(
    name="03_regularization",
    title="Regularization: dropout, weight penalties, augmentation",
    functions=(
        _g("dropout", ("dropout_forward", 4), ("dropout_backward", 3))
        + _g("regularization", ("l2_penalty", 3), ("l1_penalty", 2))
        + _g("augment", ("augment", 3))
    ),
)

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

LAB05 = Lab(
    name="05_initialization",
    title="Weight initialization",
    functions=(
        _g("initializers",
           ("constant", 1), ("gaussian", 1), ("xavier_normal", 2), ("xavier_uniform", 2),
           ("he_normal", 2), ("he_uniform", 2))
        + _g("init_stats", ("activation_statistics", 3), ("gradient_statistics", 3))
    ),
)

LAB06 = Lab(
    name="06_training_recipe",
    title="The training recipe: preprocessing, sanity checks, hyperparameter search, diagnostics",
    functions=(
        _g("preprocessing",
           ("fit_preprocessing", 3), ("apply_preprocessing", 1), ("preprocess_splits", 2),
           ("train_val_test_split", 2), ("kfold_indices", 2))
        + _g("search",
             ("sample_log_uniform", 2), ("random_search", 3), ("grid_search", 2),
             ("refine_range", 2))
        + _g("diagnostics",
             ("initial_loss_verdict", 1), ("dead_unit_fraction", 2), ("update_ratios", 2),
             ("fit_verdict", 1), ("moving_average", 2))
    ),
)

LABS = {lab.name: lab for lab in (LAB01, LAB02, LAB03, LAB04, LAB05, LAB06)}


def get_lab(name: str) -> Lab:
    """Look a lab up by name; accepts "01", "1", "01_layers"."""
    if name in LABS:
        return LABS[name]
    for lab in LABS.values():
        if lab.name.split("_")[0].lstrip("0") == name.lstrip("0"):
            return lab
    raise SystemExit(f"No lab called {name!r}. Labs: {', '.join(LABS)}")
