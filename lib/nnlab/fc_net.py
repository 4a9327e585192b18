"""A fully connected network of any depth, built from your layers (cs231n-compatible).

The architecture, for L = len(hidden_dims) + 1 layers:

    {affine - [normalization] - activation [- dropout]} x (L - 1)  -  affine  -  softmax

With ``residual=True`` every hidden block after the first whose input and output widths are
equal becomes a residual block, ``h = h + block(h)`` (lab 02).

The network calls your functions through their modules (``layer_utils.affine_act_forward``,
``losses.softmax_loss``, ...), so whatever you write in ``nnlab`` is what trains; fix a bug,
re-run the cell, and the network uses the fix.
"""
import numpy as np

from . import activations, dropout, initializers, layer_utils, layers, losses, regularization
from . import normalization as norm


class FullyConnectedNet:
    """A multi-layer fully connected network with a softmax loss, dropout and L2/L1 penalties.

    Learnable parameters live in ``self.params``, a dict from name to array:
    ``W1 .. WL`` of shapes (input_dim, H1), (H1, H2), ..., (H_{L-1}, num_classes) and
    ``b1 .. bL`` of shapes (H1,), ..., (num_classes,).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None, activation="relu",
                 residual=False, groups=2, l1_reg=0.0, initializer=None):
        """Build the network and initialise its parameters.

        Inputs:
        - hidden_dims: list of ints, the size of each hidden layer (may be empty: then the
          network is a softmax classifier)
        - input_dim: int, the size of one flattened input (64 for 8x8 digits, 3072 for CIFAR-10)
        - num_classes: int, the number of classes
        - dropout_keep_ratio: probability of KEEPING a unit in the dropout layer after every
          hidden layer (your ``dropout.dropout_forward``, lab 03); 1 means no dropout
        - normalization: None, 'batchnorm', 'layernorm' or 'groupnorm' (lab 02): a
          normalization layer between each hidden affine layer and its activation, with
          parameters gamma1.., beta1.. of shape (H_i,) (start at 1 and 0)
        - reg: float, L2 regularisation strength: the loss gains 0.5 * reg * sum(W**2) over all
          weight matrices (biases are not regularised)
        - weight_scale: float, standard deviation of the Gaussian the weights are drawn from;
          biases start at zero
        - dtype: numpy dtype of every parameter; float64 for gradient checks, float32 trains
          faster
        - seed: seed of the weight initialisation (np.random.default_rng), so a run can be
          repeated exactly; None draws a fresh initialisation. As in cs231n, a seed also goes
          into ``self.dropout_param``, which makes every dropout mask the same on every call
          (what a gradient check needs); to train with fresh masks, ``dropout_param.pop("seed")``
        - activation: name of the hidden layers' activation, a key of
          ``nnlab.activations.ACTIVATIONS`` (e.g. "relu", "tanh", "sigmoid", "gelu")
        - residual: bool; True makes each hidden block after the first, of equal input and
          output width, a residual block h -> h + block(h) (lab 02)
        - groups: number of groups G of 'groupnorm' (must divide every hidden width)
        - l1_reg: float, L1 regularisation strength: the loss gains l1_reg * sum(|W|) over all
          weight matrices, via your ``regularization.l1_penalty`` (lab 03)
        - initializer: how the weight matrices start (lab 05). None (default): cs231n's
          ``weight_scale * N(0, 1)``. Otherwise a name of ``nnlab.initializers.INITIALIZERS``
          ("xavier_normal", "he_normal", "zeros", ...) or a callable
          ``f(fan_in, fan_out, rng=...)`` returning a (fan_in, fan_out) array (e.g.
          ``functools.partial(initializers.gaussian, std=0.1)``); it is called once per layer
          with the network's Generator as rng, and weight_scale is not used.

        The L2 term is computed here, not by your ``regularization.l2_penalty`` (lab 03): labs
        01 and 02 train with reg > 0 before that function is written.
        """
        if normalization is not None and normalization not in norm.NORMALIZATIONS:
            raise ValueError(f"normalization must be None, 'batchnorm', 'layernorm' or "
                             f"'groupnorm', got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio is the probability of KEEPING a unit, in (0, 1], "
                             f"got {dropout_keep_ratio!r}")
        if activation not in activations.ACTIVATIONS:
            known = ", ".join(sorted(activations.ACTIVATIONS))
            raise ValueError(f"Unknown activation {activation!r}; choose one of: {known}")
        hidden_dims = list(hidden_dims)
        for name, value in [("input_dim", input_dim), ("num_classes", num_classes)] + [
                (f"hidden_dims[{i}]", h) for i, h in enumerate(hidden_dims)]:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if reg < 0 or l1_reg < 0:
            raise ValueError(f"reg and l1_reg must be >= 0, got {reg!r} and {l1_reg!r}")

        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.l1_reg = l1_reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.activation = activation
        self.params = {}
        # Dropout (lab 03): one dict shared by every dropout layer (mode is set on each call).
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio} if self.use_dropout else {}
        if self.use_dropout and seed is not None:
            self.dropout_param["seed"] = seed
        self.residual = bool(residual)
        # One param dict per hidden layer: bn_param (with the running averages), ln_param or
        # gn_param (with G).
        extra = {"batchnorm": {"mode": "train"}, "groupnorm": {"G": groups}}.get(normalization, {})
        self.bn_params = [dict(extra) for _ in hidden_dims] if normalization else []

        rng = np.random.default_rng(seed)
        init = None if initializer is None else initializers.get_initializer(initializer)
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(1, self.num_layers + 1):
            d_in, d_out = dims[i - 1], dims[i]
            if init is None:
                W = weight_scale * rng.standard_normal((d_in, d_out))
            else:
                W = np.asarray(init(d_in, d_out, rng=rng))
                if W.shape != (d_in, d_out):
                    raise ValueError(f"the initializer returned shape {W.shape} for W{i}, "
                                     f"expected (fan_in, fan_out) = {(d_in, d_out)}")
            self.params[f"W{i}"] = W.astype(dtype)
            self.params[f"b{i}"] = np.zeros(d_out, dtype=dtype)
            if normalization and i < self.num_layers:
                if normalization == "groupnorm" and d_out % groups:
                    raise ValueError(f"groups={groups} does not divide "
                                     f"hidden_dims[{i - 1}]={d_out}")
                self.params[f"gamma{i}"] = np.ones(d_out, dtype=dtype)
                self.params[f"beta{i}"] = np.zeros(d_out, dtype=dtype)

    def _is_residual(self, i):
        """Whether hidden block i (1-based) adds its input to its output: with residual=True,
        every hidden block after the first whose input and output widths are equal."""
        W = self.params[f"W{i}"]
        return self.residual and i > 1 and W.shape[0] == W.shape[1]

    def loss(self, X, y=None):
        """Compute the loss and gradients for a minibatch, or the class scores.

        Inputs:
        - X: array of input data, shape (N, d_1, ..., d_k) with d_1 * ... * d_k = input_dim
        - y: array of labels, shape (N,), y[i] in 0 .. num_classes - 1; or None

        Returns:
        If y is None (test time): scores, shape (N, num_classes), scores[i, c] the score of
        class c for X[i].
        Otherwise (training time), a tuple of:
        - loss: float, the data loss plus the L2 regularisation
        - grads: dict with the same keys as self.params, grads[k] the gradient of the loss with
          respect to self.params[k] (same shape)
        """
        X = np.asarray(X).astype(self.dtype, copy=False)
        L = self.num_layers

        # Forward: hidden layers, then the output affine layer.
        caches = []
        h = X
        for p in self.bn_params:            # batchnorm: batch statistics only in training
            if "mode" in p:
                p["mode"] = "test" if y is None else "train"
        if self.use_dropout:                # dropout only while training
            self.dropout_param["mode"] = "test" if y is None else "train"
        for i in range(1, L):
            if self.normalization:
                f, cache = norm.affine_norm_act_forward(
                    h, self.params[f"W{i}"], self.params[f"b{i}"], self.params[f"gamma{i}"],
                    self.params[f"beta{i}"], self.normalization, self.bn_params[i - 1],
                    self.activation)
            else:
                f, cache = layer_utils.affine_act_forward(
                    h, self.params[f"W{i}"], self.params[f"b{i}"], self.activation)
            if self.use_dropout:
                f, drop_cache = dropout.dropout_forward(f, self.dropout_param)
                cache = (cache, drop_cache)
            h = h + f if self._is_residual(i) else f
            caches.append(cache)
        scores, out_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])

        if y is None:
            return scores

        # Loss: softmax data loss plus the penalties on the weights (never on the biases):
        # 0.5 * reg * sum of squared weights, and l1_reg * sum of absolute weights.
        loss, dscores = losses.softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))
        l1_grads = {}
        if self.l1_reg > 0:
            l1_loss, l1_grads = regularization.l1_penalty(self.params, self.l1_reg)
            loss += l1_loss

        # Backward: the same layers in reverse order.
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)
        for i in range(L - 1, 0, -1):
            cache = caches[i - 1]
            df = dh
            if self.use_dropout:
                cache, drop_cache = cache
                df = dropout.dropout_backward(df, drop_cache)
            if self.normalization:
                df, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = \
                    norm.affine_norm_act_backward(df, cache)
            else:
                df, grads[f"W{i}"], grads[f"b{i}"] = layer_utils.affine_act_backward(df, cache)
            dh = dh + df if self._is_residual(i) else df    # the skip path passes dh unchanged
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        for name, g in l1_grads.items():
            grads[name] = grads[name] + g
        return float(loss), grads
