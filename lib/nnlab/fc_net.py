"""A fully connected network of any depth, built from your layers (cs231n-compatible).

The architecture, for L = len(hidden_dims) + 1 layers:

    {affine - [normalization] - activation} x (L - 1)  -  affine  -  softmax

With ``residual=True`` every hidden block after the first whose input and output widths are
equal becomes a residual block, ``h = h + block(h)`` (lab 02).

The network calls your functions through their modules (``layer_utils.affine_act_forward``,
``losses.softmax_loss``, ...), so whatever you write in ``nnlab`` is what trains; fix a bug,
re-run the cell, and the network uses the fix.
"""
import numpy as np

from . import activations, layer_utils, layers, losses, normalization as norm


class FullyConnectedNet:
    """A multi-layer fully connected network with a softmax loss and L2 regularisation.

    Learnable parameters live in ``self.params``, a dict from name to array:
    ``W1 .. WL`` of shapes (input_dim, H1), (H1, H2), ..., (H_{L-1}, num_classes) and
    ``b1 .. bL`` of shapes (H1,), ..., (num_classes,).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None, activation="relu",
                 residual=False, groups=2):
        """Build the network and initialise its parameters.

        Inputs:
        - hidden_dims: list of ints, the size of each hidden layer (may be empty: then the
          network is a softmax classifier)
        - input_dim: int, the size of one flattened input (64 for 8x8 digits, 3072 for CIFAR-10)
        - num_classes: int, the number of classes
        - dropout_keep_ratio: probability of KEEPING a unit; only 1 (no dropout) is supported
          until dropout arrives in lab 04
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
          repeated exactly; None draws a fresh initialisation
        - activation: name of the hidden layers' activation, a key of
          ``nnlab.activations.ACTIVATIONS`` (e.g. "relu", "tanh", "sigmoid", "gelu")
        - residual: bool; True makes each hidden block after the first, of equal input and
          output width, a residual block h -> h + block(h) (lab 02)
        - groups: number of groups G of 'groupnorm' (must divide every hidden width)
        """
        if normalization is not None and normalization not in norm.NORMALIZATIONS:
            raise ValueError(f"normalization must be None, 'batchnorm', 'layernorm' or "
                             f"'groupnorm', got {normalization!r}")
        if dropout_keep_ratio != 1:
            raise NotImplementedError(
                f"dropout_keep_ratio={dropout_keep_ratio!r}: dropout arrives in lab 04. "
                f"Use dropout_keep_ratio=1 (keep every unit) for now.")
        if activation not in activations.ACTIVATIONS:
            known = ", ".join(sorted(activations.ACTIVATIONS))
            raise ValueError(f"Unknown activation {activation!r}; choose one of: {known}")
        hidden_dims = list(hidden_dims)
        for name, value in [("input_dim", input_dim), ("num_classes", num_classes)] + [
                (f"hidden_dims[{i}]", h) for i, h in enumerate(hidden_dims)]:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if reg < 0:
            raise ValueError(f"reg must be >= 0, got {reg!r}")

        self.normalization = normalization
        self.use_dropout = False
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.activation = activation
        self.params = {}
        # Kept for cs231n compatibility; lab 04 (dropout) uses dropout_param.
        self.dropout_param = {}
        self.residual = bool(residual)
        # One param dict per hidden layer: bn_param (with the running averages), ln_param or
        # gn_param (with G).
        extra = {"batchnorm": {"mode": "train"}, "groupnorm": {"G": groups}}.get(normalization, {})
        self.bn_params = [dict(extra) for _ in hidden_dims] if normalization else []

        rng = np.random.default_rng(seed)
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(1, self.num_layers + 1):
            d_in, d_out = dims[i - 1], dims[i]
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((d_in, d_out))).astype(dtype)
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
        for i in range(1, L):
            if self.normalization:
                f, cache = norm.affine_norm_act_forward(
                    h, self.params[f"W{i}"], self.params[f"b{i}"], self.params[f"gamma{i}"],
                    self.params[f"beta{i}"], self.normalization, self.bn_params[i - 1],
                    self.activation)
            else:
                f, cache = layer_utils.affine_act_forward(
                    h, self.params[f"W{i}"], self.params[f"b{i}"], self.activation)
            h = h + f if self._is_residual(i) else f
            caches.append(cache)
        scores, out_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])

        if y is None:
            return scores

        # Loss: softmax data loss plus 0.5 * reg * sum of squared weights.
        loss, dscores = losses.softmax_loss(scores, y)
        loss += 0.5 * self.reg * sum(np.sum(self.params[f"W{i}"] ** 2) for i in range(1, L + 1))

        # Backward: the same layers in reverse order.
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)
        for i in range(L - 1, 0, -1):
            if self.normalization:
                df, grads[f"W{i}"], grads[f"b{i}"], grads[f"gamma{i}"], grads[f"beta{i}"] = \
                    norm.affine_norm_act_backward(dh, caches[i - 1])
            else:
                df, grads[f"W{i}"], grads[f"b{i}"] = layer_utils.affine_act_backward(
                    dh, caches[i - 1])
            dh = dh + df if self._is_residual(i) else df    # the skip path passes dh unchanged
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        return float(loss), grads
