"""The lab-01 notebook (layers, activations and losses), described cell by cell.

It lives outside ``assignments/source/01_layers/`` because nbgrader releases every file of that
folder. ``python assignments/build_notebooks.py`` loads this module and writes
``assignments/source/01_layers/01_layers.ipynb``; ``nb`` below is the builder's cell helpers
(``md``, ``code``, ``setup``, ``grades``, ``answer``).
"""
import textwrap

from autograder.labs import LAB01

NAME = LAB01.name


def _text(block):
    """A triple-quoted block without its indentation and its first and last newlines."""
    return textwrap.dedent(block).strip("\n")


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


def cells(nb, lab=LAB01):
    md, code, setup, answer = nb.md, nb.code, nb.setup, nb.answer
    lab_setup = nb.lab_setup
    g = lambda *names: nb.grades(lab, *names)  # noqa: E731
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
        * Cells that plot or train with your functions check first that those functions are
          written; until they are, such a cell prints one line saying what it needs and the
          notebook goes on. **Run All always reaches the end**, however much is still unwritten.
        """),
        lab_setup("""
        import numpy as np
        import matplotlib.pyplot as plt
        from nnlab.checks import check, check_lab
        from nnlab.notebook import ready, TRAINING
        """),
        md("""
        | file | what you write |
        | --- | --- |
        | `nnlab/layers.py` | `affine_forward`, `affine_backward` |
        | `nnlab/activations.py` | forward and backward of ReLU, leaky ReLU, PReLU, ELU, SELU, GELU, sigmoid, tanh, Swish, maxout |
        | `nnlab/layer_utils.py` | `affine_relu_forward`, `affine_relu_backward` |
        | `nnlab/losses.py` | `softmax_loss`, `svm_loss` |
        | `nnlab/circuits.py` | `sigmoid_circuit_backward` (practice: checked, not graded) |
        | `nnlab/sanity.py` | `expected_initial_loss` (practice: checked, not graded) |
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
        ### Backpropagation by hand: the sigmoid circuit

        The lecture's example is one neuron with two inputs and a sigmoid,

        $$f(w, x) = \frac{1}{1 + e^{-(w_0 x_0 + w_1 x_1 + w_2)}},
        \qquad w = (2, -3, -3),\quad x = (-1, -2).$$

        Broken into gates, with a name for every intermediate value:

        ```
        w0 ──┐
             (*)── a ──┐
        x0 ──┘         (+)── c ──┐
        w1 ──┐         │         (+)── d ──(*-1)── e ──(exp)── g ──(+1)── h ──(1/x)── f
             (*)── b ──┘   w2 ───┘
        x1 ──┘
        ```

        | node | a | b | c | d | e | g | h | f |
        | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
        | forward value | −2 | 6 | 4 | 1 | −1 | 0.37 | 1.37 | 0.73 |

        The backward pass starts from $\partial f/\partial f = 1$ and visits the gates in reverse
        order, each time multiplying the upstream gradient by the gate's local gradient:

        | gate | local gradient |
        | --- | --- |
        | $1/u$ | $-1/u^2$ |
        | $e^u$ | $e^u$ |
        | $-u$ (i.e. $a u$ with $a = -1$) | $-1$ |
        | $c + u$ | $1$ |
        | $u + v$ | $1$ for each input: an **add gate distributes** the upstream gradient |
        | $u \cdot v$ | $v$ for $u$ and $u$ for $v$: a **multiply gate swaps** its inputs |

        The first step: the $(1/x)$ gate turns $\partial f/\partial f = 1$ into
        $\partial f/\partial h = 1 \cdot (-1/h^2) = -1/1.37^2 = -0.53$. The $(+1)$ gate passes
        it on unchanged: $\partial f/\partial g = -0.53$.

        **Your turn** (practice, not graded): in `nnlab/circuits.py`, write
        `sigmoid_circuit_backward`, one line per gate, down to the five inputs. Work the numbers
        out on paper first, then let the cell below compare your function, node by node, with the
        lecture's numbers and with numerical gradients at a second point. It tells you the first
        node where your backward pass goes wrong.
        """),
        code("""
        from nnlab.circuits import sigmoid_circuit_forward, check_sigmoid_circuit

        f, cache = sigmoid_circuit_forward(w=(2.0, -3.0, -3.0), x=(-1.0, -2.0))
        print("forward:", "  ".join(f"{node} {value:+.2f}" for node, value in cache.items()))
        check_sigmoid_circuit()
        """),
        md(r"""
        **The sigmoid gate.** The last four gates compute $\sigma(d)$, and
        $\sigma'(d) = (1 - \sigma(d))\,\sigma(d)$. So they can be drawn as *one* gate whose local
        gradient is $(1 - 0.73) \cdot 0.73 = 0.20$, the value your four steps gave for
        $\partial f/\partial d$. A gate may be any function whose local gradient we can write
        down: every `X_backward` you write in this lab is such a gate.
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
        md(r"""
        ### Choosing h

        A smaller $h$ is not always better. Two errors compete:

        * **truncation**: the difference quotient is only an approximation of the derivative; its
          error shrinks like $h$ (one-sided) or $h^2$ (centred);
        * **round-off**: $f$ is computed in floating point, with a relative error of about
          $\varepsilon \approx 2.2\cdot10^{-16}$ in float64. Subtracting two nearly equal values
          of $f$ and dividing by $h$ blows that error up like $\varepsilon/h$.

        The sum is smallest where the two balance: near $h \approx \varepsilon^{1/3} \approx
        10^{-5}$ for the centred difference (the default of `eval_numerical_gradient`, vertical line
        below) and near $\sqrt{\varepsilon} \approx 10^{-8}$ for the one-sided one. In float32,
        $\varepsilon \approx 1.2\cdot10^{-7}$ and the best achievable relative error is only
        around $10^{-5}$: always gradient-check in float64.
        """),
        code("""
        from nnlab.plots import plot_gradient_check_h

        plot_gradient_check_h()
        """),
        md(r"""
        ### Gradient checks at kinks

        ReLU, leaky ReLU, maxout and the SVM's hinge are not differentiable everywhere: they have
        *kinks* (at 0 for ReLU). When an input sits closer than $h$ to a kink, $x - h$ and $x + h$
        fall on different sides of it. The centred difference then averages two different slopes
        and disagrees with a perfectly correct analytic gradient. Below, the third input is
        $4\cdot10^{-6}$ from ReLU's kink:
        """),
        code("""
        relu_sum = lambda z: np.sum(np.maximum(0, z))    # f(z) = sum of ReLU(z)
        z = np.array([-0.8, 0.3, 4e-6, 1.5])             # z[2] sits 4e-6 from the kink at 0
        analytic = (z > 0).astype(float)                 # the correct derivative of f
        for h in (1e-5, 1e-7):
            numerical = eval_numerical_gradient(relu_sum, z.copy(), h=h)
            print(f"h = {h:.0e}: numerical {np.round(numerical, 3)}  analytic {analytic}  "
                  f"rel error {rel_error(numerical, analytic):.1e}")
        """),
        md(r"""
        With $h = 10^{-5}$ the check reports an error of about 0.2, which looks like a bug and is
        not; with $h = 10^{-7}$ the input is farther from the kink than $h$ and the check passes.
        A standard-normal pre-activation lands within $h$ of 0 with probability about
        $2h\,\varphi(0) \approx 0.8h$: rare for one number, but a large network has millions of
        them. So check the gradient on a few data points (fewer kinks), and when an error is
        unexpectedly large, look at whether an input crossed a kink between $x - h$ and $x + h$.
        (One more habit: check the data loss alone first, with regularisation off, so that a
        large penalty cannot hide a wrong data gradient.) The open checks of this lab draw their
        inputs at least 0.05 away from every kink, so a large error there is a real bug.
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
        md(r"""
        tanh is a sigmoid, stretched and shifted: over a common denominator,
        $2\sigma(2x) - 1 = \frac{2}{1 + e^{-2x}} - 1 = \frac{1 - e^{-2x}}{1 + e^{-2x}}$, so

        $$\tanh(x) = 2\,\sigma(2x) - 1, \qquad\text{so}\qquad \tanh'(x) = 4\,\sigma'(2x),
        \quad \tanh'(0) = 1 = 4\,\sigma'(0).$$

        The same S-shape, but centred on 0 and four times as steep at 0. Check it with your own
        two functions:
        """),
        code("""
        from nnlab.activations import sigmoid_forward, tanh_forward

        if ready("sigmoid_forward", "tanh_forward", what="this comparison"):
            x = np.linspace(-20, 20, 4001)
            s2, _ = sigmoid_forward(2 * x)
            t, _ = tanh_forward(x)
            print(f"max |tanh(x) - (2 sigmoid(2x) - 1)| on [-20, 20]: {np.max(np.abs(t - (2 * s2 - 1))):.1e}")
        """),
        md("""
        Once sigmoid and tanh are written, the plot below shows their outputs for pre-activations
        drawn from a normal distribution with mean 0 and **standard deviation 2**, wide enough to
        reach the flat parts of both curves (left), and, for a neuron fed by two such units, the
        direction of the gradient on its two weights for many random upstream gradients (right).
        With sigmoid inputs every gradient lies in the first or third quadrant.
        """),
        code("""
        from nnlab.plots import plot_activations, plot_dying_relu, plot_sigmoid_not_zero_centred

        plot_sigmoid_not_zero_centred(scale=2.0)
        """),
        md(r"""
        ### Why zero-centred data matters

        The same argument holds for the network's *input*. If every input $x_i$ of a neuron is
        positive — raw pixel intensities, say — then every gradient
        $\partial L/\partial w_i = \frac{\partial L}{\partial f}\,f'\,x_i$ on its weights has the
        sign of $\frac{\partial L}{\partial f}$: one step raises all the weights or lowers them all.
        To reach weights with mixed signs the neuron has to zig-zag. Below, a neuron with two
        weights learns $w^* = (1, -1)$ by SGD, one example per step, from the same inputs: raw
        (all positive, left) and with their mean subtracted (right). This is why we subtract the
        mean image of the training set before training (`load_digits` does it unless you pass
        `normalize=False`); minibatches soften the effect, because their gradient sums examples
        whose upstream gradients differ in sign.
        """),
        code("""
        from nnlab.plots import plot_zig_zag

        plot_zig_zag()
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
        md(r"""
        ### All activations at a glance

        Each panel draws $f$ and $f'$ (from *your* backward pass, with `dout` = 1). Red shading
        marks where the unit is **saturated or dead**: $|f'| < 0.01$ from there all the way to the
        edge of the plot, so the function has flattened out and passes (almost) no gradient for
        any larger $|x|$. A derivative that merely crosses zero is not saturation: GELU and Swish
        have a minimum near $x = -0.75$ and $x = -1.28$, and pass gradient again on both sides of
        it. PReLU is drawn with every slope $\alpha_j = 0.25$ (its usual initial value); maxout
        as one unit with one input and $k = 3$ pieces. Functions you have not written yet are left
        empty.
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
        md(r"""
        ### Sanity check: the loss at initialisation

        The first step of the lecture's training recipe comes before any training: switch
        regularisation off, initialise the network with small weights and **look at the loss**.
        With weights of standard deviation $10^{-4}$ every class score is almost exactly 0, so
        the classifier prefers no class, and the loss has a value you can predict from the number
        of classes $C$ alone. The lecture's two-layer network on CIFAR-10 starts at 2.3026: the
        "correct" value for 10 classes. A different number means a bug in the loss, a wrong
        initialisation or broken labels, found before a single training step.

        **Your turn** (practice, not graded): in `nnlab/sanity.py`, write
        `expected_initial_loss(num_classes, loss)`, the softmax and the SVM loss of an example
        whose $C$ scores are all equal. The cell checks your formula, then measures a freshly
        initialised network built from your layers on the digits ($C = 10$).
        """),
        code("""
        from nnlab.data import load_digits
        from nnlab.sanity import check_initial_loss

        data = load_digits()
        check_initial_loss(data)
        """),
        md(r"""
        ### Regularisation: the term $\lambda R(W)$

        The loss we minimise is the data loss plus a penalty on the weights,

        $$E(W) = \frac1N \sum_{i=1}^N L_i(W) + \lambda R(W), \qquad
        R(W) = \tfrac12 \sum_{k} \sum_{i,j} \big(W^{(k)}_{ij}\big)^2 \quad\text{(L2)},$$

        summed over the weight matrices (not the biases). Its gradient adds $\lambda W$ to every
        weight gradient, so each SGD step also shrinks the weights by a factor $(1 - \tau\lambda)$
        ("weight decay"): among weights that fit the data about equally well, L2 prefers small,
        spread-out ones. (L1, $R(W) = \sum |W_{ij}|$, prefers sparse ones.) In `FullyConnectedNet`
        $\lambda$ is the argument `reg`.

        The lecture's second sanity check: crank up $\lambda$ at initialisation and the loss must
        **go up**. Its network (3072 inputs, 50 hidden units, 10 classes, weights
        $10^{-4}\cdot\mathcal N(0,1)$) starts at 2.30 without regularisation and at about 3.07 with
        $\lambda = 10^3$: $\tfrac12\cdot 10^3 \cdot (3072\cdot 50 + 50\cdot 10)\cdot 10^{-8}
        \approx 0.77$ more. Below, the same network on 50 random CIFAR-sized inputs (at
        initialisation the data hardly matter), then a small network trained on 100 digits with
        three values of $\lambda$.
        """),
        code("""
        from nnlab.fc_net import FullyConnectedNet
        from nnlab.solver import Solver
        from nnlab.grading_mode import budget

        if ready(*TRAINING, "relu_forward", "relu_backward", what="this demo"):
            rng = np.random.default_rng(0)
            X, y = rng.standard_normal((50, 3072)), rng.integers(0, 10, size=50)
            for reg in (0.0, 1e3):
                model = FullyConnectedNet([50], input_dim=3072, num_classes=10, weight_scale=1e-4,
                                          reg=reg, dtype=np.float64, seed=0)
                print(f"lambda = {reg:<6g} loss at initialisation {model.loss(X, y)[0]:.4f}")

            small = dict(data, X_train=data["X_train"][:100], y_train=data["y_train"][:100])
            print()
            print(f"{'lambda':>7} {'sum W^2':>8} {'train acc':>10} {'val acc':>8}")
            for reg in (0.0, 0.01, 0.1):
                model = FullyConnectedNet([100], input_dim=64, num_classes=10, weight_scale=0.1,
                                          reg=reg, dtype=np.float64, seed=0)
                solver = Solver(model, small, update_rule="sgd", optim_config={"learning_rate": 0.3},
                                num_epochs=budget(full=100, graded=2), batch_size=25,
                                verbose=False, progress=False, seed=0)
                solver.train()
                w2 = sum(np.sum(model.params[k] ** 2) for k in model.params if k.startswith("W"))
                print(f"{reg:>7g} {w2:8.1f} {solver.train_acc_history[-1]:10.2f} "
                      f"{solver.val_acc_history[-1]:8.2f}")
        """),
        md(r"""
        The penalty pulls the weights in ($\sum W^2$ falls as $\lambda$ grows) at the price of
        fitting the 100 training images less exactly; too large a $\lambda$ underfits (training
        accuracy drops and validation accuracy with it). Which $\lambda$ is best is decided on
        the validation set, as every hyperparameter is.
        """),
        md("### Overview: every open check of this lab"),
        code('check_lab("01_layers")'),
        # ---------------------------------------------------------------- experiment
        md(f"""
        ## 6. Experiment: the same network, six activations

        We train one network — two hidden layers of 100 units, plain SGD — on the 8×8 digits
        that ship with nnlab (1,797 images of the digits 0–9), changing only the hidden
        activation: {", ".join(EXPERIMENT_ACTIVATIONS)}. Everything else (initial weights, data
        order, learning rate) is the same. All six runs take a few seconds together; while the
        notebook is being graded the experiment shrinks to a token run. An activation whose
        functions you have not written yet is skipped, with one line saying so.

        Each run is summed up by its validation accuracy over the **last five epochs** (mean,
        minimum and maximum): what a run has learnt, not its single luckiest epoch. A run that is
        still guessing can score one epoch far above its usual accuracy — watch sigmoid.
        """),
        code(f"""
        from nnlab.plots import plot_training_curves, summarise_runs

        run = budget(full=dict(activations={EXPERIMENT_ACTIVATIONS!r}, num_epochs=20),
                     graded=dict(activations=["relu", "sigmoid"], num_epochs=1))
        """),
        code("""
        solvers = {}
        if ready(*TRAINING, what="every training run"):
            for act in run["activations"]:
                if not ready(f"{act}_forward", f"{act}_backward", what=f"training with {act}"):
                    continue
                model = FullyConnectedNet([100, 100], input_dim=64, num_classes=10, activation=act,
                                          weight_scale=0.1, dtype=np.float64, seed=0)
                solver = Solver(model, data, update_rule="sgd", optim_config={"learning_rate": 0.1},
                                lr_decay=0.95, num_epochs=run["num_epochs"], batch_size=50,
                                verbose=False, progress=False, seed=0)
                solver.train()
                solvers[act] = solver
        summarise_runs(solvers, last=5)
        plot_training_curves(solvers)
        """),
        md(_text("""
        For comparison, the lecture's table of CIFAR-10 test accuracies (%) of three large
        architectures trained with different activations (deck on activations, from the Swish
        and GELU literature):
        """) + "\n\n" + CIFAR10_TABLE.strip() + "\n\n" + _text("""
        The activation matters, but no single one wins everywhere. From the best to the worst
        activation of a column the gap is 1.7 points on ResNet (Swish-1 94.7, SELU 93.0), 2.4 on
        WRN (leaky ReLU 95.6, SELU 93.2; still 1.5 without SELU, against ELU's 94.1) and 0.9 on
        DenseNet. At these accuracies 1.7 points is about a quarter of all remaining errors
        (7.0 % down to 5.3 %). ReLU is 0.9 behind the best on ResNet yet ties it on DenseNet.
        Sigmoid is not even in the table. The lecture's advice: **use ReLU** (mind your learning
        rate); try leaky ReLU / maxout / ELU / SELU / GELU / Swish for the last point or two;
        keep sigmoid and tanh for gating.
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
