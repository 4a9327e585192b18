"""Build the nbgrader SOURCE notebooks from the readable descriptions below.

    python assignments/build_notebooks.py            # write assignments/source/*/*.ipynb
    python assignments/build_notebooks.py --check    # exit 1 when a notebook is out of date

The notebooks are generated, never edited by hand: this file is what a reviewer reads, and the
points of every grade cell come from ``autograder/labs.py`` (one grade cell ``check_<function>``
per graded function, worth exactly its points there).

Cells:  md(text)        a markdown cell
        code(src)       an ordinary code cell
        setup(src)      a locked, ungraded code cell (nbgrader read-only)
        grade(name)     the locked autograded cell of one graded function
        answer(id, pts, question)  a manually graded markdown answer cell
"""
import argparse
import sys
import textwrap
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from autograder.generated import write_or_check  # noqa: E402
from autograder.labs import LAB01  # noqa: E402

SOURCE = HERE / "source"


def _clean(text):
    return textwrap.dedent(text).strip("\n")


def md(text):
    return nbformat.v4.new_markdown_cell(_clean(text))


def code(src):
    return nbformat.v4.new_code_cell(_clean(src))


def _nbgrader(cell, grade_id, grade, solution, locked, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id,
            "schema_version": 3}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def setup(src, grade_id="setup"):
    return _nbgrader(code(src), grade_id, grade=False, solution=False, locked=True)


def grade(lab, name):
    f = lab.function(name)
    return _nbgrader(code(f'check("{name}").raise_if_failed()'), f.grade_cell_id, grade=True,
                     solution=False, locked=True, points=f.points)


def answer(grade_id, points, text="YOUR ANSWER HERE"):
    return _nbgrader(md(text), grade_id, grade=True, solution=True, locked=False, points=points)


def grades(lab, *names):
    return [grade(lab, n) for n in names]


# --------------------------------------------------------------------------------------------
# Lab 01: layers, activations and losses
# --------------------------------------------------------------------------------------------
EXPERIMENT_ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu"]

CIFAR10_TABLE = """
| activation | ResNet | WRN | DenseNet |
| --- | ---: | ---: | ---: |
| Leaky ReLU | 94.2 | 95.6 | 94.7 |
| PReLU | 94.1 | 95.1 | 94.5 |
| Softplus | 94.6 | 94.9 | 94.7 |
| ELU | 94.1 | 94.1 | 94.4 |
| SELU | 93.0 | 93.2 | 93.9 |
| GELU | 94.3 | 95.5 | 94.8 |
| ReLU | 93.8 | 95.3 | 94.8 |
| Swish-1 | 94.7 | 95.5 | 94.8 |
| Swish | 94.5 | 95.5 | 94.8 |
"""


def lab01_cells(lab=LAB01):
    g = lambda *names: grades(lab, *names)  # noqa: E731
    return [
        md("""
        # Lab 01 — Layers, activations and losses

        In this lab you write the building blocks every network in this course is made of: the
        affine (fully connected) layer, ten activation functions with their gradients, and the
        softmax and SVM losses. At the end you train the same small network with six different
        activations and compare them.

        **How the lab works**

        * Your code goes in the Python package **`nnlab/`** next to this notebook — *not* in the
          notebook. Each function you write raises `NotImplementedError` until you replace that
          line with your code (the docstring says what to return, a hint says where to start).
        * The notebook explains each function, then a **check cell** runs the open checks on it:
          fixed inputs, forward outputs compared with the reference values, backward passes
          compared with numerical gradients of *your own* forward pass. A table shows the
          relative error of each comparison and a hint when something is wrong.
        * Edit `nnlab/*.py`, save, and rerun the check cell: the `autoreload` extension loaded
          below picks your edits up without restarting the kernel.
        * The grade comes from hidden checks (other inputs, edge cases) run by the course staff.
          Passing the open checks is necessary, not sufficient.
        * From a terminal, `nnlab check 01_layers` runs every open check at once.
        """),
        setup("""
        import os
        # The matrices in these labs are small: one BLAS thread is fastest (set before numpy loads).
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
        %load_ext autoreload
        %autoreload 2
        %matplotlib inline
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/layers.py` | `affine_forward`, `affine_backward` |
        | `nnlab/activations.py` | forward and backward of ReLU, leaky ReLU, PReLU, ELU, SELU, GELU, sigmoid, tanh, Swish, maxout |
        | `nnlab/layer_utils.py` | `affine_relu_forward`, `affine_relu_backward` |
        | `nnlab/losses.py` | `softmax_loss`, `svm_loss` |
        """),
        # ---------------------------------------------------------------- graphs and backprop
        md(r"""
        ## 1. Computational graphs and backpropagation

        A network is a **computational graph**: a chain (in general a DAG) of simple operations
        (nodes, or gates) applied to the inputs and the parameters, ending in a scalar loss $L$.
        Graphs compose like Lego bricks, and they can be huge.

        **Backpropagation** is the chain rule applied recursively along that graph, from the
        loss back to every input. Its key property is that it is *local*: a node only needs
        the gradient arriving from above (the *upstream* gradient) and its own *local* gradient,

        $$\frac{\partial L}{\partial x} = \frac{\partial L}{\partial z}\,\frac{\partial z}{\partial x}
        \qquad\text{(downstream = upstream × local)},$$

        no matter how large the rest of the graph is. Training therefore alternates two passes:

        1. **forward**: compute every node's output and the loss, *keeping what the backward pass
           will need* in memory;
        2. **backward**: visit the nodes in reverse order, turning upstream gradients into
           gradients on each node's inputs and parameters.

        For vectors, the local gradient is a Jacobian. With 4096 inputs and outputs it would be a
        4096 × 4096 matrix (16M entries) — but for elementwise operations such as activations it
        is **diagonal**, so the backward pass is just an elementwise product: never build it.
        """),
        md("""
        Every layer in `nnlab` follows the same pattern (the cs231n API): the forward function
        returns its output and a **cache**, the backward function receives the upstream
        derivative `dout` and that cache.

        ```python
        def layer_forward(x, w):
            z = ...                       # intermediate values
            out = ...                     # the output
            cache = (x, w, z, out)        # what the backward pass needs
            return out, cache

        def layer_backward(dout, cache):
            x, w, z, out = cache          # unpack
            dx = ...                      # dL/dx = local gradient applied to dout
            dw = ...                      # dL/dw
            return dx, dw                 # one gradient per input, in argument order
        ```

        A backward pass costs about as much as the forward pass (a little more), and it has to
        store the forward values: that is the memory price of backpropagation.
        """),
        md(r"""
        ### Numerical versus analytic gradients

        The **analytic** gradient is an exact formula (calculus): for $E(W) = \|W\|_F^2$,
        $\nabla_W E = 2W$. It is exact and fast. The **numerical** gradient approximates each
        partial derivative by nudging one entry at a time,

        $$\frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x)}{h}
        \quad\text{(one-sided)}, \qquad
        \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}
        \quad\text{(centred)}.$$

        Example from the lecture: the loss is 1.25347 at the current $W$ and 1.25322 after
        adding $h = 0.0001$ to the first weight, so $\partial L/\partial W_1 \approx
        (1.25322 - 1.25347)/0.0001 = -2.5$. It is slow (two evaluations of the whole loss per
        parameter) and approximate, so in practice we **always use the analytic gradient and
        check it with the numerical one** (a *gradient check*). The centred formula's error
        shrinks like $h^2$ instead of $h$. We compare with the relative error

        $$\text{rel}(a, b) = \max_i \frac{|a_i - b_i|}{\max(10^{-8}, |a_i| + |b_i|)};$$

        around $10^{-7}$ or less means the two agree, $10^{-2}$ and above means a bug.
        """),
        code("""
        from nnlab.gradient_check import eval_numerical_gradient, rel_error

        # f(x) = sum(x^3): the analytic gradient is 3 x^2. Compare one-sided and centred differences.
        x = np.random.default_rng(0).standard_normal(5)
        f = lambda x: np.sum(x ** 3)
        analytic = 3 * x ** 2
        h = 1e-5
        one_sided = np.array([(f(x + h * e) - f(x)) / h for e in np.eye(5)])
        centred = eval_numerical_gradient(f, x.copy(), h=h)
        print(f"one-sided: rel error {rel_error(one_sided, analytic):.1e}")
        print(f"centred:   rel error {rel_error(centred, analytic):.1e}")
        """),
        # ---------------------------------------------------------------- affine
        md(r"""
        ## 2. The affine layer

        `affine_forward(x, w, b)` receives a minibatch `x` of shape $(N, d_1, \dots, d_k)$ —
        images, say — and treats each example as one row of length $D = d_1\cdots d_k$:
        $\text{out} = X W + b$ with $X$ of shape $(N, D)$, $W$ $(D, M)$, $b$ $(M,)$.
        The backward pass, with upstream gradient $G = \partial L/\partial\,\text{out}$ of shape
        $(N, M)$:

        $$\frac{\partial L}{\partial X} = G W^T,\qquad \frac{\partial L}{\partial W} = X^T G,
        \qquad \frac{\partial L}{\partial b} = \textstyle\sum_n G_{n,:}.$$

        `dx` must have the shape of the original `x`, not of the flattened $X$: reshape back.
        """),
        *g("affine_forward", "affine_backward"),
        # ---------------------------------------------------------------- sigmoid / tanh
        md(r"""
        ## 3. Activation functions

        Without a nonlinearity between them, stacked affine layers collapse into a single
        affine map. Which nonlinearity we choose decides how well gradients flow.

        ### Sigmoid

        $$\sigma(x) = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = \sigma(x)\,\bigl(1 - \sigma(x)\bigr).$$

        It squashes numbers into $[0, 1]$ and was popular as a "firing rate" of a neuron. It has
        three problems:

        1. **Saturated neurons kill the gradient.** At $x = \pm 10$ the local gradient is about
           $4.5\cdot 10^{-5}$ (its maximum, at $x = 0$, is only $0.25$), so almost nothing flows
           back — the vanishing-gradient problem.
        2. **Its outputs are not zero-centred.** If the inputs $x_i$ of a neuron
           $f(\sum_i w_i x_i + b)$ are all positive, then
           $\partial L/\partial w_i = \frac{\partial L}{\partial f}\,f'\,x_i$ has the same sign
           for every $i$: all the gradients on $w$ are positive or all negative, and the weights
           can only move along a zig-zag path (minibatches soften this).
        3. **`exp()` is somewhat expensive to compute.**

        Write it so that it is stable for $|x|$ in the hundreds without a warning: for
        $x < 0$ use $\sigma(x) = e^{x}/(1+e^{x})$, which never evaluates $e^{+|x|}$.
        """),
        *g("sigmoid_forward", "sigmoid_backward"),
        md(r"""
        ### tanh

        $$\tanh(x) = \frac{1 - e^{-2x}}{1 + e^{-2x}}, \qquad \tanh'(x) = 1 - \tanh^2(x).$$

        It squashes into $[-1, 1]$ and is **zero-centred** (good), but it still **kills
        gradients when saturated**. (`np.tanh` is fine to use.)
        """),
        *g("tanh_forward", "tanh_backward"),
        md("""
        Once sigmoid and tanh are written, the plot below shows their outputs for
        standard-normal inputs (left) and, for a neuron fed by two such units, the direction of
        the gradient on its two weights for many random upstream gradients (right). With
        sigmoid inputs every gradient lies in the first or third quadrant.
        """),
        code("""
        from nnlab.plots import plot_activations, plot_dying_relu, plot_sigmoid_not_zero_centred

        plot_sigmoid_not_zero_centred()
        """),
        # ---------------------------------------------------------------- relu family
        md(r"""
        ### ReLU

        $$\text{ReLU}(x) = \max(0, x), \qquad \text{ReLU}'(x) = \begin{cases}1 & x > 0\\ 0 & x < 0\end{cases}$$

        It does not saturate for $x > 0$, costs one comparison, and in practice converges much
        faster than sigmoid/tanh (about 6× in Krizhevsky et al., 2012). Its problems: the output
        is not zero-centred, and the gradient is **zero for every $x < 0$**. A unit whose
        pre-activation is negative for every input — after a bad initialisation or one update
        with too high a learning rate — never passes a gradient again: a **dead ReLU**. People
        therefore sometimes initialise ReLU biases slightly positive (e.g. 0.01).
        (At exactly $x = 0$ use gradient 0.)
        """),
        *g("relu_forward", "relu_backward"),
        code("plot_dying_relu()"),
        md(r"""
        ### Leaky ReLU and PReLU

        $$f(x) = \begin{cases} x & x \ge 0\\ \alpha x & x < 0\end{cases} \qquad
        \text{(leaky ReLU: } \alpha = 0.01 \text{, i.e. } \max(0.01x, x)\text{)}$$

        Everything ReLU does well, and it **does not die**: the gradient for $x < 0$ is
        $\alpha$, not 0. The results are not always consistent, though.
        **PReLU** (He et al., 2015) learns the negative slope: one $\alpha_j$ per feature, updated
        by backprop like any weight. For `x` of shape $(N, D)$ and `alpha` of shape $(D,)$:
        $\partial L/\partial \alpha_j = \sum_{n:\,x_{nj} < 0} G_{nj}\,x_{nj}$ (a sum over the
        batch), so `prelu_backward` returns `(dx, dalpha)`.
        """),
        *g("leaky_relu_forward", "leaky_relu_backward", "prelu_forward", "prelu_backward"),
        md(r"""
        ### ELU and SELU

        $$\text{ELU}(x) = \begin{cases} x & x > 0\\ \alpha\,(e^{x} - 1) & x \le 0\end{cases}
        \quad(\alpha = 1 \text{ by default}), \qquad
        \text{ELU}'(x) = \begin{cases} 1 & x > 0\\ \alpha e^{x} & x \le 0\end{cases}$$

        ELU (Clevert et al., 2015) keeps the benefits of ReLU, has outputs closer to zero mean,
        and its negative saturation regime adds some robustness to noise — at the price of an
        `exp()`. Careful: `np.where(x > 0, x, alpha * (np.exp(x) - 1))` evaluates `np.exp(x)`
        for *every* x and overflows for large positive x; exponentiate only `np.minimum(x, 0)`.

        **SELU** (Klambauer et al., 2017) is a scaled ELU,
        $\text{SELU}(x) = \lambda\,x$ for $x > 0$ and $\lambda\alpha(e^x - 1)$ otherwise, with
        $\alpha = 1.6732632423543772848170429916717$ and
        $\lambda = 1.0507009873554804934193349852946$. These constants make it
        *self-normalising*: deep SELU networks keep zero-mean, unit-variance activations and can
        train without batch normalisation.
        """),
        *g("elu_forward", "elu_backward", "selu_forward", "selu_backward"),
        md(r"""
        ### GELU and Swish

        $$\text{GELU}(x) = x\,\Phi(x), \qquad \Phi(x) = \int_{-\infty}^{x} \frac{e^{-t^2/2}}{\sqrt{2\pi}}\,dt
        = \tfrac12\bigl(1 + \operatorname{erf}(x/\sqrt2)\bigr),$$
        $$\text{GELU}'(x) = \Phi(x) + x\,\varphi(x), \qquad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}}.$$

        GELU weights its input by the probability that a standard normal is below it; it is the
        activation of BERT, ViT and GPT. Use the exact form with `nnlab.mathutils.erf` (numpy has
        no erf).

        **Swish** is $f(x) = x\,\sigma(\beta x)$ with
        $f'(x) = \sigma(\beta x) + \beta x\,\sigma(\beta x)\bigl(1 - \sigma(\beta x)\bigr)$.
        As $\beta \to \infty$ it becomes ReLU; with $\beta = 1$ it is "Swish-1" (also called SiLU).
        """),
        *g("gelu_forward", "gelu_backward", "swish_forward", "swish_backward"),
        md(r"""
        ### Maxout

        A maxout unit (Goodfellow et al., 2013) is not "dot product then nonlinearity": it takes
        the maximum of $k$ affine functions, e.g. $\max(w_1^T x + b_1,\; w_2^T x + b_2)$. With
        `x` $(N, D)$, `w` $(D, k, M)$ and `b` $(k, M)$, output $m$ of example $n$ is
        $\max_j (x_n^T w_{:,j,m} + b_{j,m})$. It generalises ReLU ($w_1 = 0, b_1 = 0$) and
        leaky ReLU, has a linear regime, does not saturate and does not die — but it multiplies
        the number of parameters per neuron by $k$. The gradient flows only through the piece
        that won the max; `maxout_backward` returns `(dx, dw, db)`.
        """),
        *g("maxout_forward", "maxout_backward"),
        md("""
        ### All activations at a glance

        Each panel draws $f$ and $f'$ (from *your* backward pass, with `dout` = 1) and shades
        where $|f'| < 0.01$: there the unit passes (almost) no gradient (saturated, or dead). Functions you have not
        written yet are left empty.
        """),
        code("plot_activations()"),
        # ---------------------------------------------------------------- sandwich + losses
        md("""
        ## 4. Layer sandwiches

        An affine layer followed by a ReLU is so common that `nnlab/layer_utils.py` has a
        "sandwich" for it: `affine_relu_forward` calls your two forward functions and keeps both
        caches, `affine_relu_backward` calls the two backward functions in reverse order.
        """),
        *g("affine_relu_forward", "affine_relu_backward"),
        md(r"""
        ## 5. Losses

        Both take scores `x` of shape $(N, C)$ and labels `y` $(N,)$, and return the loss
        **averaged over the batch** with its gradient `dx`.

        **Softmax (cross-entropy):** $p_{ij} = e^{x_{ij}} / \sum_k e^{x_{ik}}$,
        $L = -\frac1N \sum_i \log p_{i,y_i}$, and $\partial L/\partial x_{ij} = (p_{ij} -
        [j = y_i])/N$. Subtract each row's maximum before exponentiating: it leaves $p$ unchanged
        and keeps `exp` from overflowing for scores around $10^3$.

        **Multiclass SVM (hinge):** $L = \frac1N \sum_i \sum_{j \ne y_i}
        \max(0,\; x_{ij} - x_{i,y_i} + 1)$. Each positive margin adds $1/N$ to $\partial L/\partial
        x_{ij}$ and subtracts $1/N$ from $\partial L/\partial x_{i,y_i}$.
        """),
        *g("softmax_loss", "svm_loss"),
        md("### Overview: every open check of this lab"),
        code('check_lab("01_layers")'),
        # ---------------------------------------------------------------- experiment
        md(f"""
        ## 6. Experiment: the same network, six activations

        We train one network — two hidden layers of 100 units, plain SGD — on the 8×8 digits
        that ship with nnlab (1,797 images of the digits 0–9), changing only the hidden
        activation: {", ".join(EXPERIMENT_ACTIVATIONS)}. Everything else (initial weights, data
        order, learning rate) is the same. All six runs take a few seconds together; while the
        notebook is being graded the experiment shrinks to a token run.
        """),
        code(f"""
        from nnlab.data import load_digits
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.solver import Solver
        from nnlab.grading_mode import budget
        from nnlab.plots import plot_training_curves

        data = load_digits()
        run = budget(full=dict(activations={EXPERIMENT_ACTIVATIONS!r}, num_epochs=20),
                     graded=dict(activations=["relu", "sigmoid"], num_epochs=1))
        """),
        code("""
        solvers = {}
        for act in run["activations"]:
            model = FullyConnectedNet([100, 100], input_dim=64, num_classes=10, activation=act,
                                      weight_scale=0.1, dtype=np.float64, seed=0)
            solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 0.1},
                            lr_decay=0.95, num_epochs=run["num_epochs"], batch_size=50,
                            verbose=False, progress=False, seed=0)
            try:
                solver.train()
            except NotImplementedError as exc:
                print(f"{act:>10}: skipped — {str(exc).split('. ')[0]}")
                continue
            solvers[act] = solver
            print(f"{act:>10}: best validation accuracy {solver.best_val_acc:.3f}")
        plot_training_curves(solvers)
        """),
        md(_clean("""
        For comparison, the lecture's table of CIFAR-10 test accuracies (%) of three large
        architectures trained with different activations (deck on activations, from the Swish
        and GELU literature):
        """) + "\n\n" + CIFAR10_TABLE.strip() + "\n\n" + _clean("""
        The differences between the modern activations are a fraction of a percent; sigmoid is
        not even in the table. The lecture's advice: **use ReLU** (mind your learning rate); try
        leaky ReLU / maxout / ELU / SELU / GELU to squeeze out marginal gains; keep sigmoid and
        tanh for gating.
        """)),
        md("""
        **Question (2 points).** Look at your curves. Which activations learn fastest in the
        first epochs and which lag behind? Explain what you see with what you learnt in this
        lab (saturation, zero-centred outputs, dead units), and say whether your ranking agrees
        with the CIFAR-10 table above — and why it need not, for a small network on 8×8 digits
        trained for a few epochs.
        """),
        answer("activation_question", 2),
    ]


NOTEBOOKS = {
    "01_layers": lab01_cells,
}


def _lab_modules():
    """Labs described in a module of their own, assignments/notebooks/NN_name.py, with a
    function ``cells(nb)`` that receives the cell helpers above (nb.md, nb.code, nb.setup,
    nb.grades, nb.answer)."""
    import functools
    import importlib.util
    import types
    helpers = types.SimpleNamespace(md=md, code=code, setup=setup, grade=grade, grades=grades,
                                    answer=answer)
    found = {}
    for path in sorted((HERE / "notebooks").glob("[0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"nnlab_notebook_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found[module.NAME] = functools.partial(module.cells, helpers)
    return found


NOTEBOOKS.update(_lab_modules())


def build(name) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = NOTEBOOKS[name]()
    # stable ids, so that rebuilding an unchanged description gives an identical file
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:03d}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    return nb


def path_of(name) -> Path:
    return SOURCE / name / f"{name}.ipynb"


def render(name) -> str:
    return nbformat.writes(build(name)) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a notebook is stale")
    args = parser.parse_args(argv)
    status = 0
    for name in NOTEBOOKS:
        status |= write_or_check(path_of(name), render(name), args.check,
                                 f"{len(build(name).cells)} cells")
    return status


if __name__ == "__main__":
    sys.exit(main())
