"""The network: a list of layers over one flat parameter vector; forward, backward, predict.

`layers` are layer objects (engine/layers/: each kind owns its tensors, forward,
backward and exports); this module only walks the list. All parameters live in
ONE contiguous vector `flat` (float64, or float32 when asked: `dtype`), layer after
layer, each layer's tensors in its declared order (dense: W0, b0, W1, b1, ...);
`weights[k]` (out, in) and `biases[k]` (out,) are views into it, and
`flat_grad` has the same layout.
Optimizers then update every layer in a handful of numpy calls, and per-tensor
norms are two calls (`np.add.reduceat` over `offsets`). Never rebind these arrays; write into them.

Dense layer k computes z = a @ W.T + b (PyTorch's Linear), then a = f(z); the
output layer is dense and linear (logits). Training buffers are allocated once per batch
size and reused, so a warmed-up step allocates nothing. `logits`/`predict` use
their own fresh arrays and never disturb the training caches.

`dtype` is the compute precision: every tensor, buffer and result is of it, and
inputs are converted to it (features are computed in float64, then rounded).
Weights are initialised in float64 and rounded, so a float32 network starts at
the float64 network's weights to 7 digits. `set_dtype` converts a network in place.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from engine.activations import Activation
from engine.errors import SpecError, WeightsFileError
from engine.features import FeatureMap
from engine.layers import Layer, build_layers
from engine.losses import make_objective
from engine.spec import NetworkSpec

_MAX_CACHED_BATCH_SIZES = 4
PREDICT_CHUNK = 1024  # rows per pass in `logits`: 1024 x 64 float64 = 512 KB, cache-sized
DTYPES = ("float64", "float32")  # the compute precisions (TrainConfig.dtype)


def as_generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    """An explicit Generator: a Generator as is, an int seed (or None) via default_rng."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise SpecError(
        f"Received an invalid value for `rng`, expected a numpy Generator, an integer seed "
        f"or None. Received: rng={rng!r}"
    )


class _Buffers:
    """Everything one training step writes, for one batch size, plus the per-layer call plans.

    Each layer makes its own scratch (`Layer.buffers`); the plans bind the layers'
    methods and scratch once, which keeps the per-step Python overhead low.
    """

    def __init__(self, n: int, net: Network):
        outs = net.sizes[1:]
        # Every layer's output a (its z when linear, as for the output layer) lives in
        # one block, so the per-layer activation statistics are a few `reduceat` calls.
        sizes = [n * m for m in outs]
        self.act_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        self.act_block = np.empty(sum(sizes), net.dtype)
        blocks = [
            self.act_block[start : start + n * m].reshape(n, m)
            for start, m in zip(self.act_offsets, outs, strict=True)
        ]
        layer_bufs = [layer.buffers(n, blk) for layer, blk in zip(net.layers, blocks, strict=True)]
        self.pre = [b.z for b in layer_bufs]
        self.post = blocks
        hidden = outs[:-1]
        self.deltas: list[np.ndarray | None] = [b.delta for b in layer_bufs]  # last: dlogits
        self.mask_store = [np.empty((n, m), net.dtype) for m in hidden]
        # dropout's uniform draws, float64 in either dtype: the same masks as a float64 run
        self.draws = [np.empty((n, m)) for m in hidden]
        self.dropped = [np.empty((n, m), net.dtype) for m in hidden]
        self.inputs: list[np.ndarray | None] = [None] * len(outs)
        self.dropout_masks: list[np.ndarray | None] = [None] * len(hidden)
        self.no_masks: list[None] = [None] * len(hidden)  # `masks` of a forward without dropout
        self.masks = self.no_masks
        self.ones = np.ones(n, net.dtype)
        # forward plan: (k, layer.forward, its scratch)
        self.forward_plan = [
            (k, layer.forward, lb)
            for k, (layer, lb) in enumerate(zip(net.layers, layer_bufs, strict=True))
        ]
        # backward plan, last layer first: (k, layer.backward, its scratch, where dL/d(input)
        # goes: the previous layer's delta, None for the first layer)
        self.backward_plan = [
            (k, net.layers[k].backward, layer_bufs[k], layer_bufs[k - 1].delta if k else None)
            for k in range(net.n_layers - 1, -1, -1)
        ]


class Network:
    """A dense network built from a NetworkSpec; see the module docstring for the layout."""

    def __init__(
        self,
        spec: NetworkSpec,
        rng: np.random.Generator | int | None = 0,
        dtype: str = "float64",
    ):
        if not isinstance(spec, NetworkSpec):
            raise SpecError(f"Received spec of type {type(spec).__name__}, expected a NetworkSpec")
        self._allocate(spec, checked_dtype(dtype))
        gen = as_generator(rng)
        inits = [h.init for h in spec.hidden] + [spec.output_init]
        for layer, name in zip(self.layers, inits, strict=True):
            layer.initialise(gen, name)

    def _allocate(self, spec: NetworkSpec, dtype: np.dtype) -> None:
        self.spec = spec
        self.dtype = dtype
        self.objective = make_objective(spec)
        self.feature_map = FeatureMap(spec.features, spec.input_dim)
        scaling = spec.input_scaling
        self.input_scaling = (
            None if scaling is None else (np.array(scaling.mean), np.array(scaling.std))
        )
        self.sizes = spec.layer_sizes
        self.n_layers = len(self.sizes) - 1
        self.layers: list[Layer] = build_layers(spec)
        self.activations: list[Activation] = [layer.activation for layer in self.layers]
        decls = [(layer, t) for layer in self.layers for t in layer.tensors()]
        shapes = [t.shape for _, t in decls]
        self.tensor_names = tuple(f"{layer.prefix}.{t.name}" for layer, t in decls)
        self.tensor_shapes = tuple(shapes)
        # False for buffers (running statistics): their gradient stays 0, nothing trains them
        self.tensor_trainable = tuple(t.trainable for _, t in decls)
        counts = [int(np.prod(s)) for s in shapes]
        self.offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        size = int(sum(counts))
        self.flat = np.zeros(size, dtype)
        self.flat_grad = np.zeros(size, dtype)
        self.decay_mask = np.zeros(size, dtype=bool)
        views, grad_views = [], []
        for start, count, (_, t) in zip(self.offsets, counts, decls, strict=True):
            views.append(self.flat[start : start + count].reshape(t.shape))
            grad_views.append(self.flat_grad[start : start + count].reshape(t.shape))
            self.decay_mask[start : start + count] = t.decay
        self._tensors = views  # every layer's tensors in flat order
        for layer in self.layers:
            own = [i for i, (owner, _) in enumerate(decls) if owner is layer]
            layer.bind(
                {decls[i][1].name: views[i] for i in own},
                {decls[i][1].name: grad_views[i] for i in own},
            )
        # per layer, the flat-order index of its weight and its bias tensor
        names = list(self.tensor_names)
        self.weight_tensor = [names.index(f"{layer.prefix}.weight") for layer in self.layers]
        self.bias_tensor = [names.index(f"{layer.prefix}.bias") for layer in self.layers]
        # every layer's dense weight and bias (views into flat / flat_grad)
        self.weights = [layer.params["weight"] for layer in self.layers]
        self.biases = [layer.params["bias"] for layer in self.layers]
        self.weight_grads = [layer.grads["weight"] for layer in self.layers]
        self.bias_grads = [layer.grads["bias"] for layer in self.layers]
        self._buffers: dict[int, _Buffers] = {}
        self._active: _Buffers | None = None  # those of the last `forward`
        self.inputs: list[np.ndarray | None] = []
        self.pre: list[np.ndarray] = []
        self.post: list[np.ndarray] = []
        self.deltas: list[np.ndarray | None] = []
        self.masks: list[np.ndarray | None] = []
        self.act_block = np.empty(0, dtype)  # every layer's post, end to end (see _Buffers)
        self.act_offsets = np.zeros(0, np.intp)

    @property
    def size(self) -> int:
        """Number of parameters."""
        return int(self.flat.size)

    def __repr__(self) -> str:
        return f"Network({' -> '.join(map(str, self.sizes))}, {self.size} parameters)"

    # ---- training pass -------------------------------------------------------------------

    def features(self, X: np.ndarray) -> np.ndarray:
        """Raw inputs (n, input_dim) -> feature matrix (n, n_features).

        With `spec.input_scaling` the raw columns are standardised first,
        (X - mean) / std, so callers always pass rows as the CSV had them.
        """
        if self.input_scaling is not None:
            mean, std = self.input_scaling
            X = (self.feature_map.check_inputs(X) - mean) / std
        return self.feature_map(X).astype(self.dtype, copy=False)

    def _buffers_for(self, n: int) -> _Buffers:
        buf = self._buffers.get(n)
        if buf is None:
            if len(self._buffers) >= _MAX_CACHED_BATCH_SIZES:
                del self._buffers[next(iter(self._buffers))]
            buf = self._buffers[n] = _Buffers(n, self)
        return buf

    def forward(
        self,
        F: np.ndarray,
        *,
        dropout: Sequence[float] | None = None,
        rng: np.random.Generator | None = None,
    ) -> np.ndarray:
        """Logits of a batch of features F (n, n_features), keeping what backward needs.

        `dropout` gives one rate per hidden layer (inverted dropout on that layer's
        output: kept units are scaled by 1 / (1 - rate)); masks are drawn from `rng`.
        The returned logits are a reused buffer, valid until the next forward.
        After the call: inputs[k] is the input of dense layer k (inputs[0] is F, later
        ones after dropout), pre[k] its z, post[k] its a (post[-1] the logits),
        masks[k] the scaled dropout mask of hidden layer k (None without dropout);
        act_block holds every post[k] end to end, post[k] starting at act_offsets[k].
        """
        n = F.shape[0]
        if F.ndim != 2 or F.shape[1] != self.sizes[0]:
            raise SpecError(f"Received features of shape {F.shape}, expected (n, {self.sizes[0]})")
        if F.dtype != self.dtype:
            F = F.astype(self.dtype)
        rates = None if dropout is None else self._check_dropout(dropout, rng)
        buf = self._buffers.get(n) or self._buffers_for(n)
        masks = buf.no_masks if rates is None else buf.dropout_masks
        if buf is not self._active or masks is not self.masks:  # else all in place already
            buf.masks = masks
            self.inputs, self.pre, self.post = buf.inputs, buf.pre, buf.post
            self.act_block, self.act_offsets = buf.act_block, buf.act_offsets
            self.deltas, self.masks = buf.deltas, buf.masks
            self._active = buf
        a = F
        inputs = buf.inputs
        last = self.n_layers - 1
        for k, forward, layer_buf in buf.forward_plan:
            inputs[k] = a
            a = forward(a, layer_buf)
            if rates is not None and k < last:
                a = self._drop(buf, k, a, rates[k], rng)
        return a

    @staticmethod
    def _drop(buf: _Buffers, k: int, a: np.ndarray, rate: float, rng) -> np.ndarray:
        """Inverted dropout on hidden layer k's output `a`; records the scaled mask."""
        if rate <= 0.0:
            buf.masks[k] = None
            return a
        mask = buf.mask_store[k]
        draws = rng.random(out=buf.draws[k])
        np.greater_equal(draws, rate, out=mask)
        mask *= 1.0 / (1.0 - rate)
        buf.masks[k] = mask
        return np.multiply(a, mask, out=buf.dropped[k])

    def _check_dropout(self, dropout, rng) -> Sequence[float] | None:
        if dropout is None:
            return None
        hidden = self.n_layers - 1
        rates = tuple(dropout)
        if len(rates) != hidden:
            raise SpecError(
                f"Received {len(rates)} dropout rate(s), expected {hidden}: one per hidden layer"
            )
        for r in rates:
            if not 0.0 <= r < 1.0:
                raise SpecError(f"Received dropout rate {r}, expected a number in [0, 1)")
        if any(r > 0.0 for r in rates) and not isinstance(rng, np.random.Generator):
            raise SpecError(
                "Dropout needs an explicit numpy Generator for its masks; received none"
            )
        return rates

    def backward(self, dlogits: np.ndarray) -> np.ndarray:
        """Fill flat_grad with the gradient of the MEAN loss, given d(mean loss)/d(logits).

        Uses the caches of the last `forward`; deltas[k] becomes dL/dz of layer k.
        """
        buf = self._active  # the last forward's
        if buf is None or dlogits.shape != buf.pre[-1].shape:
            raise SpecError(
                f"Received dlogits of shape {dlogits.shape}; expected the shape of the last "
                f"forward's logits {self.pre[-1].shape if self.pre else None}"
            )
        buf.deltas[-1] = dlogits
        masks, ones = buf.masks, buf.ones
        last = self.n_layers - 1
        d = dlogits
        for k, backward, layer_buf, d_in in buf.backward_plan:
            if k != last and masks[k] is not None:
                d *= masks[k]  # dropout's mask on the layer's output, before its derivative
            backward(d, layer_buf, ones, d_in)
            d = d_in
        return self.flat_grad

    # ---- inference -----------------------------------------------------------------------

    def logits_of_features(self, F: np.ndarray) -> np.ndarray:
        """Logits of features F with no dropout, in fresh arrays (training caches untouched).

        Works through PREDICT_CHUNK rows at a time in two scratch buffers, so a big
        grid's layer outputs stay in the CPU cache instead of streaming through memory.
        Every row's arithmetic is the same whatever the chunk, so the result is too.
        """
        n = F.shape[0]
        F = np.asarray(F, dtype=self.dtype)
        out = np.empty((n, self.sizes[-1]), self.dtype)
        rows = max(1, min(n, PREDICT_CHUNK))
        width = max(self.sizes[1:-1], default=0)
        scratch = (np.empty(rows * width, self.dtype), np.empty(rows * width, self.dtype))
        last = self.n_layers - 1
        for start in range(0, n, rows):
            a = F[start : start + rows]
            r = a.shape[0]
            for k, layer in enumerate(self.layers):
                m = layer.n_out
                z = out[start : start + r] if k == last else scratch[k % 2][: r * m].reshape(r, m)
                a = layer.evaluate(a, layer.params, out=z)
        return out

    def logits(self, X: np.ndarray) -> np.ndarray:
        """Raw inputs (n, input_dim) -> logits (n, n_outputs); no dropout, no caching."""
        return self.logits_of_features(self.features(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n, 1) P(class 1) for binary, (n, K) class probabilities, or (n, 1) values."""
        return self.objective.link(self.logits(X))

    # ---- weights -------------------------------------------------------------------------

    def layer_tensors(self) -> tuple[tuple[np.ndarray, ...], ...]:
        """Copies of each layer's tensors in declared order ((W, b) for a dense layer)."""
        return tuple(tuple(v.copy() for v in layer.params.values()) for layer in self.layers)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every tensor under PyTorch's names: layers.{k}.weight / .bias."""
        return {name: t.copy() for name, t in zip(self.tensor_names, self._tensors, strict=True)}

    def load_state_dict(self, state: Mapping[str, np.ndarray]) -> None:
        """Copy tensors in; refuses missing, unknown, misshapen or non-finite tensors.

        Everything is checked before anything is written, so a refused load leaves
        the network as it was.
        """
        if not isinstance(state, Mapping):
            raise WeightsFileError(
                f"Expected a mapping of tensor names to arrays; received {type(state).__name__}"
            )
        unknown = sorted(set(state) - set(self.tensor_names))
        if unknown:
            raise WeightsFileError(
                f"Unknown tensor(s) {', '.join(map(str, unknown))}: this network has "
                f"{', '.join(self.tensor_names)}"
            )
        arrays = []
        for name, shape in zip(self.tensor_names, self.tensor_shapes, strict=True):
            if name not in state:
                raise WeightsFileError(
                    f"{name} is missing: the network needs a tensor of shape {shape}"
                )
            try:
                value = np.asarray(state[name], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise WeightsFileError(f"{name} is not an array of numbers") from exc
            if value.shape != shape:
                raise WeightsFileError(
                    f"{name} has shape {value.shape} in the file but the network needs {shape}"
                )
            if not np.all(np.isfinite(value)):
                raise WeightsFileError(f"{name} contains NaN or Inf; expected finite numbers")
            with np.errstate(over="ignore"):
                value = value.astype(self.dtype, copy=False)
            if not np.all(np.isfinite(value)):
                raise WeightsFileError(
                    f"{name} holds values beyond the range of {self.dtype.name}; "
                    f"expected magnitudes below {float(np.finfo(self.dtype).max):.3g}"
                )
            arrays.append(value)
        for view, value in zip(self._tensors, arrays, strict=True):
            view[...] = value

    def copy(self, dtype: str | None = None) -> Network:
        """An independent network with the same spec and parameters (in `dtype` if given)."""
        clone = Network.__new__(Network)
        clone._allocate(self.spec, self.dtype if dtype is None else checked_dtype(dtype))
        clone.flat[...] = self.flat
        return clone

    def set_dtype(self, dtype: str) -> None:
        """Convert to another compute precision in place, keeping the weights (rounded).

        The one exception to "never rebind": `flat`, `flat_grad`, the layers and
        their views are new objects afterwards, so holders of them must take them again.
        """
        dtype = checked_dtype(dtype)
        if dtype == self.dtype:
            return
        flat = self.flat
        self._allocate(self.spec, dtype)
        self.flat[...] = flat


def checked_dtype(dtype: str | np.dtype) -> np.dtype:
    """The numpy dtype of a compute precision name; SpecError naming the choices otherwise."""
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name not in DTYPES:
        raise SpecError(f"Could not interpret dtype {dtype!r}: expected one of {', '.join(DTYPES)}")
    return np.dtype(name)


__all__ = ["DTYPES", "Network", "as_generator", "checked_dtype"]
