"""A fully connected network of any depth, built from your layers (cs231n-compatible).

The architecture, for L = len(hidden_dims) + 1 layers:

    {affine - activation [- dropout]} x (L - 1)  -  affine  -  softmax

The network calls your functions through their modules (``layer_utils.affine_act_forward``,
``losses.softmax_loss``, ...), so whatever you write in ``nnlab`` is what trains; fix a bug,
re-run the cell, and the network uses the fix.
"""
import numpy as np

from . import activations, dropout, layer_utils, layers, losses, regularization


class FullyConnectedNet:
    """A multi-layer fully connected network with a softmax loss, dropout and L2/L1 penalties.

    Learnable parameters live in ``self.params``, a dict from name to array:
    ``W1 .. WL`` of shapes (input_dim, H1), (H1, H2), ..., (H_{L-1}, num_classes) and
    ``b1 .. bL`` of shapes (H1,), ..., (num_classes,).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None, activation="relu", l1_reg=0.0):
        """Build the network and initialise its parameters.

        Inputs:
        - hidden_dims: list of ints, the size of each hidden layer (may be empty: then the
          network is a softmax classifier)
        - input_dim: int, the size of one flattened input (64 for 8x8 digits, 3072 for CIFAR-10)
        - num_classes: int, the number of classes
        - dropout_keep_ratio: probability of KEEPING a unit in the dropout layer after every
          hidden layer (your ``dropout.dropout_forward``); 1 means no dropout
        - normalization: None; 'batchnorm' and 'layernorm' arrive in lab 02
        - reg: float, L2 regularisation strength: the loss gains 0.5 * reg * sum(W**2) over all
          weight matrices (biases are not regularised), via ``regularization.l2_penalty``
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
        - l1_reg: float, L1 regularisation strength: the loss gains l1_reg * sum(|W|) over all
          weight matrices, via ``regularization.l1_penalty``
        """
        if normalization is not None:
            if normalization not in ("batchnorm", "layernorm"):
                raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', "
                                 f"got {normalization!r}")
            raise NotImplementedError(
                f"normalization={normalization!r}: batch/layer normalisation arrives in lab 02. "
                f"Use normalization=None for now.")
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
        # Dropout: one dict shared by every dropout layer (mode is set on each call to loss).
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio} if self.use_dropout else {}
        if self.use_dropout and seed is not None:
            self.dropout_param["seed"] = seed
        # Kept for cs231n compatibility; lab 02 (normalisation) uses it.
        self.bn_params = []

        rng = np.random.default_rng(seed)
        dims = [input_dim] + hidden_dims + [num_classes]
        for i in range(1, self.num_layers + 1):
            d_in, d_out = dims[i - 1], dims[i]
            self.params[f"W{i}"] = (weight_scale * rng.standard_normal((d_in, d_out))).astype(dtype)
            self.params[f"b{i}"] = np.zeros(d_out, dtype=dtype)

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
        if self.use_dropout:    # dropout only while training: scores (y is None) use test mode
            self.dropout_param["mode"] = "test" if y is None else "train"

        # Forward: hidden layers, then the output affine layer.
        caches = []
        h = X
        for i in range(1, L):
            h, cache = layer_utils.affine_act_forward(
                h, self.params[f"W{i}"], self.params[f"b{i}"], self.activation)
            if self.use_dropout:
                h, drop_cache = dropout.dropout_forward(h, self.dropout_param)
                cache = (cache, drop_cache)
            caches.append(cache)
        scores, out_cache = layers.affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])

        if y is None:
            return scores

        # Loss: softmax data loss plus the penalties on the weights (never on the biases).
        loss, dscores = losses.softmax_loss(scores, y)
        penalties = []
        if self.reg > 0:
            penalties.append(regularization.l2_penalty(self.params, self.reg))
        if self.l1_reg > 0:
            penalties.append(regularization.l1_penalty(self.params, self.l1_reg))

        # Backward: the same layers in reverse order.
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = layers.affine_backward(dscores, out_cache)
        for i in range(L - 1, 0, -1):
            cache = caches[i - 1]
            if self.use_dropout:
                cache, drop_cache = cache
                dh = dropout.dropout_backward(dh, drop_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = layer_utils.affine_act_backward(dh, cache)
        for penalty, dpenalty in penalties:
            loss += penalty
            for name, g in dpenalty.items():
                grads[name] = grads[name] + g
        return float(loss), grads
