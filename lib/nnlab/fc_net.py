"""A fully connected network of any depth, built from your layers (cs231n-compatible).

The architecture, for L = len(hidden_dims) + 1 layers:

    {affine - activation} x (L - 1)  -  affine  -  softmax

The network calls your functions through their modules (``layer_utils.affine_act_forward``,
``losses.softmax_loss``, ...), so whatever you write in ``nnlab`` is what trains; fix a bug,
re-run the cell, and the network uses the fix.
"""
import numpy as np

from . import activations, layer_utils, layers, losses


class FullyConnectedNet:
    """A multi-layer fully connected network with a softmax loss and L2 regularisation.

    Learnable parameters live in ``self.params``, a dict from name to array:
    ``W1 .. WL`` of shapes (input_dim, H1), (H1, H2), ..., (H_{L-1}, num_classes) and
    ``b1 .. bL`` of shapes (H1,), ..., (num_classes,).
    """

    def __init__(self, hidden_dims, input_dim=3 * 32 * 32, num_classes=10,
                 dropout_keep_ratio=1, normalization=None, reg=0.0, weight_scale=1e-2,
                 dtype=np.float32, seed=None, activation="relu"):
        """Build the network and initialise its parameters.

        Inputs:
        - hidden_dims: list of ints, the size of each hidden layer (may be empty: then the
          network is a softmax classifier)
        - input_dim: int, the size of one flattened input (64 for 8x8 digits, 3072 for CIFAR-10)
        - num_classes: int, the number of classes
        - dropout_keep_ratio: probability of KEEPING a unit; only 1 (no dropout) is supported
          until dropout arrives in lab 04
        - normalization: None; 'batchnorm' and 'layernorm' arrive in lab 02
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
        """
        if normalization is not None:
            if normalization not in ("batchnorm", "layernorm"):
                raise ValueError(f"normalization must be None, 'batchnorm' or 'layernorm', "
                                 f"got {normalization!r}")
            raise NotImplementedError(
                f"normalization={normalization!r}: batch/layer normalisation arrives in lab 02. "
                f"Use normalization=None for now.")
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
        # Kept for cs231n compatibility; lab 02 (normalisation) and lab 04 (dropout) use them.
        self.dropout_param = {}
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

        # Forward: hidden layers, then the output affine layer.
        caches = []
        h = X
        for i in range(1, L):
            h, cache = layer_utils.affine_act_forward(
                h, self.params[f"W{i}"], self.params[f"b{i}"], self.activation)
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
            dh, grads[f"W{i}"], grads[f"b{i}"] = layer_utils.affine_act_backward(dh, caches[i - 1])
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * self.params[f"W{i}"]
        return float(loss), grads
