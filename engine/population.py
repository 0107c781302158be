"""Many networks of one shape trained in one step: K members as stacked arrays.

A small network's step is a few dozen numpy calls of about a microsecond each,
whatever the arithmetic, so training K such networks one after another costs K
times that. Here the K members' parameters are ONE (K, P) array (each row laid
out as `Network.flat`), each layer's weights a (K, out, in) view into it, and a
step is the same few dozen calls over the whole stack: one batched `np.matmul`
per product, elementwise activations and losses on (K, b, m) blocks, and one
optimizer update with each member's constants as (K, 1) columns
(engine/population_optimizer.py).

Member i gives the numbers of `Trainer(spec, configs[i], data)` run alone, step
for step: its own initial weights, shuffle and dropout generators (from its
seed, as the Trainer spawns them), learning rate and schedule, L1/L2, clipping,
dropout rate and optimizer constants. The batched products make, per member,
the BLAS call the single network makes, and every other operation is the
Trainer's own in the same order (clipping runs `clip_global_norm` on each
member's row), so on this machine the members match their lone Trainers bit for
bit (the contract, tested: 1e-12 in float64). In float32 (`TrainConfig.dtype`)
they do too, except Adam's and AdamW's members with their own learning rates: the
Trainer rounds its float64 step size -lr / (1 - b1^t) once, a member's float32 column
takes part in that expression already (the same to float32 rounding, ~1e-6). What
members must share is in engine/population_groups.py.

A member that diverges (the Trainer's rule, engine/divergence.py) is dropped
from the stack before its step is written: `errors[i]` holds the
`DivergenceError` a lone Trainer would have raised (same step, same message),
`network(i)` keeps its last finite weights, and the other members go on.
`finish(i)` drops a member on purpose (early stopping). Evaluation gives each
member its `Trainer.evaluate()` (engine/population_eval.py); `fit_members`
(engine/population_fit.py) is `Trainer.fit` for every member.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.data import Data
from engine.divergence import NO_LOSS_LIMIT, check_finite, loss_divergence, loss_limit
from engine.errors import DivergenceError, SpecError
from engine.network import Network
from engine.optimizers import clip_global_norm
from engine.penalties import penalty_strengths
from engine.population_eval import evaluate_members
from engine.population_groups import check_configs, check_spec, dtype_of, group_key, groups
from engine.population_losses import stacked_value_and_grad
from engine.population_optimizer import column, keep_rows, set_rates, stacked_optimizer
from engine.schedules import make_schedule
from engine.spec import NetworkSpec, TrainConfig
from engine.trainer import Evaluation, check_compatible

__all__ = ["PopulationTrainer", "group_key", "groups"]

BLAS_SERIAL = 8192  # entries below which OpenBLAS computes a dot on one thread (10,000)


class _StackBuffers:
    """What one stacked step writes for one batch size b (K members)."""

    def __init__(self, k: int, b: int, sizes: list[int], linear: list[bool], dtype):
        outs = sizes[1:]
        self.a = [np.empty((k, b, m), dtype) for m in outs]
        self.z = [a if lin else np.empty_like(a) for a, lin in zip(self.a, linear, strict=True)]
        self.delta = [np.empty((k, b, m), dtype) for m in outs[:-1]]
        self.deriv = [np.empty((k, b, m), dtype) for m in outs[:-1]]
        self.work = [np.empty((k, b, m), dtype) for m in outs[:-1]]
        self.draws = [np.empty((k, b, m)) for m in outs[:-1]]  # float64 in either dtype
        self.mask = [np.empty((k, b, m), dtype) for m in outs[:-1]]
        self.dropped = [np.empty((k, b, m), dtype) for m in outs[:-1]]
        self.dl = np.empty((k, b, outs[-1]), dtype)
        self.loss_work = np.empty((k, b, outs[-1]), dtype)
        self.ones = np.ones(b, dtype)
        self.inputs: list[np.ndarray | None] = [None] * len(outs)
        self.masks: list[np.ndarray | None] = [None] * len(outs)  # the output's stays None
        self.forward_plan: list[tuple] = []  # per layer: what `_forward` calls, bound once
        self.backward_plan: list[tuple] = []  # last layer first: what `_backward` calls


class PopulationTrainer:
    """Trains K networks of one spec on one `Data` together (see the module docstring)."""

    def __init__(self, spec: NetworkSpec, configs: Sequence[TrainConfig], data: Data):
        check_compatible(spec, data)
        configs = check_configs(configs)
        check_spec(spec)
        self.spec, self.data, self.configs = spec, data, configs
        self.size = k = len(configs)
        self.dtype = np.dtype(dtype_of(configs[0]))
        nets, self._shuffle_rngs, self._dropout_rngs = [], [], []
        for config in configs:
            init_ss, shuffle_ss, dropout_ss = np.random.SeedSequence(config.seed).spawn(3)
            nets.append(Network(spec, np.random.default_rng(init_ss), self.dtype.name))
            self._shuffle_rngs.append(np.random.default_rng(shuffle_ss))
            self._dropout_rngs.append(np.random.default_rng(dropout_ss))
        net = self._template = nets[0]
        self._networks: dict[int, Network] = {}
        self.objective = net.objective
        self._F = np.ascontiguousarray(net.features(data.X_train), dtype=self.dtype)
        t = np.ascontiguousarray(net.objective.prepare(data.y_train))
        self._t = t.astype(self.dtype) if t.dtype.kind == "f" else t  # as the Trainer's
        has_test = data.X_test is not None and len(data.X_test) > 0
        self._F_test = np.ascontiguousarray(net.features(data.X_test)) if has_test else None
        self.n_train = n = len(self._F)
        self.batch_size = n if configs[0].batch_size == 0 else min(configs[0].batch_size, n)
        self._full = self.batch_size >= n
        self.sizes = list(net.sizes)
        self.n_layers = net.n_layers
        self._linear = [layer.activation.name == "linear" for layer in net.layers]
        self._acts = [layer.activation for layer in net.layers]
        self._offsets = np.asarray(net.offsets, dtype=np.intp)
        self._names = net.tensor_names
        self._maskf = net.decay_mask.astype(self.dtype)
        # per member (indexed by member number; the stack holds the members in `rows`)
        self.rows = np.arange(k)
        self.flat = np.stack([m.flat for m in nets])
        self.optimizer = stacked_optimizer(configs, net.flat.size, net.decay_mask, self.dtype)
        self.schedules = [make_schedule(c) for c in configs]
        self._rates = [
            tuple(c.dropout if h.dropout is None else h.dropout for h in spec.hidden)
            for c in configs
        ]
        self._first_loss = [None] * k
        self._limit = np.full(k, NO_LOSS_LIMIT)
        self._losses = np.full(k, math.nan)  # each member's last minibatch loss
        self._slot_losses: np.ndarray | None = None  # the last step's, by stack slot
        self.errors: dict[int, DivergenceError] = {}
        self._final: dict[int, np.ndarray] = {}  # the weights of members that left the stack
        self.left_at: dict[int, int] = {}  # member -> the epoch count when it left the stack
        self.step_count = self.epoch = self._cursor = 0
        self._arange = np.arange(self.n_train)  # `permutation(n)` shuffles this, per member
        self._perms = np.empty((0, self.n_train), self._arange.dtype)
        self._stack_changed()

    # -- the stack -------------------------------------------------------------------
    def _stack_changed(self) -> None:
        """(Re)bind the views, buffers and per-member columns to the stack's current rows."""
        k, p = self.flat.shape
        self.grad = np.zeros((k, p), self.dtype)
        self._new = np.empty((k, p), self.dtype)
        # the finiteness checks' sums of squares: `np.dot` of the flat views while OpenBLAS
        # keeps a dot on one thread; beyond, `einsum` (BLAS threads cost ~1 ms on a busy machine)
        self._sumsq = np.dot if k * p <= BLAS_SERIAL else _einsum_sumsq
        self._grad_1d, self._new_1d = self.grad.reshape(-1), self._new.reshape(-1)
        self._tmp = np.empty((k, p), self.dtype)
        self._W, self._WT, self._b, self._Wg, self._bg = [], [], [], [], []
        for layer, start in zip(self._template.layers, self._offsets[::2], strict=True):
            o, i = layer.n_out, layer.n_in
            w = self.flat[:, start : start + o * i].reshape(k, o, i)
            self._W.append(w)
            self._WT.append(w.transpose(0, 2, 1))
            self._b.append(self.flat[:, start + o * i : start + o * i + o][:, None, :])
            self._Wg.append(self.grad[:, start : start + o * i].reshape(k, o, i))
            self._bg.append(self.grad[:, start + o * i : start + o * i + o])
        self._buffers: dict[int, _StackBuffers] = {}
        self._epoch_F = self._epoch_t = None
        self._slot_limit = self._limit[self.rows]
        self._waiting_first = any(self._first_loss[i] is None for i in self.rows)
        members = self.rows.tolist()
        if not members:
            return
        configs = [self.configs[i] for i in members]
        l1, l2 = zip(*(penalty_strengths(c) for c in configs), strict=True)
        self._l1, self._l2 = column(l1, self.dtype), column(l2, self.dtype)
        self._clip = [float(c.clip_norm) for c in configs]
        self._clipped = [slot for slot, clip in enumerate(self._clip) if clip > 0.0]
        self._clipping = bool(self._clipped)
        rates = np.array([self._rates[i] for i in members]).reshape(len(members), -1)
        self._drop = [  # per layer (the output's None): each member's rate, (K, 1, 1)
            None if not np.any(rates[:, h] > 0) else rates[:, h].reshape(-1, 1, 1)
            for h in range(self.n_layers - 1)
        ] + [None]
        # 1 / (1 - rate) as the Trainer's float scalar meets its mask: rounded to the dtype
        self._scale = [
            None if r is None else (1.0 / (1.0 - r)).astype(self.dtype) for r in self._drop
        ]
        self.apply_rate()

    def apply_rate(self) -> None:
        """Each member's schedule's rate of the current epoch (at each epoch end)."""
        set_rates(self.optimizer, [self.schedules[i].rate(self.epoch) for i in self.rows])

    def _keep(self, slots: np.ndarray) -> None:
        """Only the members in stack slots `slots` go on; the others' weights are kept aside."""
        self._file_losses()  # under the rows they were computed for
        for slot in np.setdiff1d(np.arange(len(self.rows)), slots):
            self._final[int(self.rows[slot])] = self.flat[slot].copy()
            self.left_at[int(self.rows[slot])] = self.epoch
        epoch_F, epoch_t = self._epoch_F, self._epoch_t
        self.rows = self.rows[slots]
        self.flat = self.flat[slots]
        keep_rows(self.optimizer, slots)
        self._stack_changed()
        if epoch_F is not None:
            self._epoch_F, self._epoch_t = epoch_F[slots], epoch_t[slots]

    def finish(self, member: int, weights: np.ndarray | None = None) -> None:
        """Take member `member` out of training; its weights (or `weights`: early stopping's
        best) stay readable through `network(member)`."""
        slots = np.flatnonzero(self.rows != member)
        if len(slots) < len(self.rows):
            self._keep(slots)
        if weights is not None:
            self._final[member] = np.array(weights, dtype=self.dtype)

    @property
    def losses(self) -> np.ndarray:
        """Each member's last minibatch loss (K,): NaN before its first step."""
        self._file_losses()
        return self._losses

    def _file_losses(self) -> None:
        """The last step's losses (by stack slot) into the members' array, when asked for."""
        if self._slot_losses is not None:
            self._losses[self.rows] = self._slot_losses
            self._slot_losses = None

    @property
    def active(self) -> list[int]:
        """The members still training, in order."""
        return self.rows.tolist()

    # -- training --------------------------------------------------------------------
    def run_steps(self, n: int) -> np.ndarray:
        """`n` steps of every member still training; returns `losses`."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(
                f"Received an invalid value for `n`, expected an integer >= 1. Received: n={n!r}"
            )
        with np.errstate(all="ignore"):
            for _ in range(n):
                self._step()
        return self.losses

    def run_epoch(self) -> None:
        """Steps to the end of the current epoch (sooner if every member has left)."""
        with np.errstate(all="ignore"):
            while len(self.rows) and not self._step():
                pass

    def step(self) -> np.ndarray:
        """One minibatch for every member still training; returns `losses` (NaN: never)."""
        with np.errstate(all="ignore"):
            self._step()
        return self.losses

    def _step(self) -> bool:
        """One step; True when it ended an epoch."""
        if not len(self.rows):
            raise SpecError("Every member of the population has stopped; nothing to train")
        n, c = self.n_train, self._cursor
        if self._full:
            xb, tb, b = self._F, self._t, n
        else:
            if c == 0:
                self._shuffle()
            b = min(self.batch_size, n - c)
            xb, tb = self._epoch_F[:, c : c + b], self._epoch_t[:, c : c + b]
        self.step_count = step = self.step_count + 1
        self._descend(xb, tb, b, step)
        self._cursor = c + b
        if self._cursor >= n:
            self._cursor = 0
            self.epoch += 1
            if len(self.rows):
                self.apply_rate()
            return True
        return False

    def _shuffle(self) -> None:
        """This epoch's order of each member's examples, gathered once (a batch is a slice).

        Each member's order is its generator's `permutation(n)`, which is `shuffle` of
        `arange(n)`: done in place in one (K, n) array instead of stacking K new ones.
        """
        k, n = len(self.rows), self.n_train
        if self._epoch_F is None or self._epoch_F.shape[0] != k:
            self._epoch_F = np.empty((k, *self._F.shape), self.dtype)
            self._epoch_t = np.empty((k, *self._t.shape), self._t.dtype)
        perms = self._perms
        if perms.shape[0] != k:
            perms = self._perms = np.empty((k, n), self._arange.dtype)
        perms[...] = self._arange
        for slot, member in enumerate(self.rows.tolist()):
            self._shuffle_rngs[member].shuffle(perms[slot])
        self._F.take(perms, axis=0, out=self._epoch_F)
        self._t.take(perms, axis=0, out=self._epoch_t)

    def _buffers_for(self, b: int) -> _StackBuffers:
        buf = self._buffers.get(b)
        if buf is None:
            buf = self._buffers[b] = _StackBuffers(
                len(self.rows), b, self.sizes, self._linear, self.dtype
            )
            last = self.n_layers - 1
            acts = [None if lin else act for lin, act in zip(self._linear, self._acts, strict=True)]
            buf.forward_plan = [
                (k, self._WT[k], self._b[k], buf.z[k], act and act.forward, buf.a[k])
                for k, act in enumerate(acts)
            ]
            buf.backward_plan = [
                (
                    k,
                    None if k == last or acts[k] is None else acts[k].derivative,
                    buf.z[k],
                    buf.a[k],
                    buf.deriv[k] if k < last else None,
                    buf.work[k] if k < last else None,
                    self._Wg[k],
                    self._bg[k],
                    self._W[k],
                    buf.delta[k - 1] if k else None,
                )
                for k in range(last, -1, -1)
            ]
        return buf

    def _forward(self, xb: np.ndarray, buf: _StackBuffers) -> np.ndarray:
        a, inputs, drop = xb, buf.inputs, self._drop
        for k, wt, bias, z, activate, out in buf.forward_plan:
            inputs[k] = a
            np.matmul(a, wt, out=z)
            z += bias
            a = z if activate is None else activate(z, out)
            if drop[k] is not None:  # hidden layers only (the output's entry is None)
                a = self._dropout(buf, k, a)
        return a

    def _dropout(self, buf: _StackBuffers, k: int, a: np.ndarray) -> np.ndarray:
        """Inverted dropout as `Network._drop`, each member's draws from its own generator."""
        rate, scale, draws, mask = self._drop[k], self._scale[k], buf.draws[k], buf.mask[k]
        for slot, member in enumerate(self.rows):
            if rate[slot, 0, 0] > 0.0:
                self._dropout_rngs[member].random(out=draws[slot])
            else:
                draws[slot] = 1.0  # no draw: a member without dropout here keeps a as it is
        np.greater_equal(draws, rate, out=mask)
        mask *= scale
        buf.masks[k] = mask
        return np.multiply(a, mask, out=buf.dropped[k])

    def _backward(self, dl: np.ndarray, buf: _StackBuffers) -> None:
        d, masks, inputs, ones = dl, buf.masks, buf.inputs, buf.ones
        for k, derivative, z, a, deriv, work, wg, bg, w, d_in in buf.backward_plan:
            if masks[k] is not None:
                d *= masks[k]
            if derivative is not None:
                d *= derivative(z, a, deriv, work)
            np.matmul(d.transpose(0, 2, 1), inputs[k], out=wg)
            np.matmul(ones, d, out=bg)
            if d_in is not None:
                d = np.matmul(d, w, out=d_in)

    def _descend(self, xb: np.ndarray, tb: np.ndarray, b: int, step: int) -> None:
        """Forward -> loss -> backward -> penalties -> clipping -> checked update, applied."""
        buf = self._buffers_for(b)
        rows = self.rows
        logits = self._forward(xb, buf)
        losses = stacked_value_and_grad(
            self.objective, logits, tb, buf.dl, buf.loss_work, shared=self._full
        )
        self._slot_losses = losses
        limit = self._slot_limit
        bad: dict[int, DivergenceError] = {}  # stack slot -> what its lone Trainer raises
        if not (losses <= limit).all():
            for slot in np.flatnonzero(~(losses <= limit)):
                member = int(rows[slot])
                post = [a[slot] for a in buf.a]
                bad[slot] = loss_divergence(
                    post, step, float(losses[slot]), self._first_loss[member]
                )
        if self._waiting_first:  # the first loss of each member sets its exploding-loss limit
            for slot, member in enumerate(rows.tolist()):
                if self._first_loss[member] is None and slot not in bad:
                    self._first_loss[member] = float(losses[slot])
                    self._limit[member] = loss_limit(float(losses[slot]))
            self._waiting_first = False
            self._slot_limit = self._limit[rows]
        self._backward(buf.dl, buf)
        g, flat = self.grad, self.flat
        if not math.isfinite(self._sumsq(self._grad_1d, self._grad_1d)):
            self._find(bad, step, "gradient", g)
        if self._l1 or self._l2:
            self._penalties(g, flat)
        if self._clipping:
            self._clip_norms(g)
        upd = self.optimizer.compute(flat, g)
        new = np.add(flat, upd, out=self._new)
        if not math.isfinite(self._sumsq(self._new_1d, self._new_1d)):
            self._find(bad, step, "update", upd, new)
        if bad:  # those members keep the weights from before this step and leave the stack
            for slot, error in bad.items():
                self.errors[int(rows[slot])] = error
            new[list(bad)] = flat[list(bad)]
        np.copyto(flat, new)
        if bad:
            self._keep(np.setdiff1d(np.arange(len(rows)), list(bad)))

    def _find(self, bad: dict, step: int, what: str, vec: np.ndarray, new=None) -> None:
        """Name each not-yet-failed member whose `vec` row holds a NaN or Inf (its error)."""
        for slot in range(len(self.rows)):
            if slot in bad:
                continue
            try:
                check_finite(self._offsets, step, vec[slot], what, self._names)
                if new is not None:
                    check_finite(self._offsets, step, new[slot], "", self._names)
            except DivergenceError as exc:
                bad[slot] = exc

    def _penalties(self, g: np.ndarray, flat: np.ndarray) -> None:
        """engine.penalties.add_penalties with each member's strengths (a column or a float)."""
        tmp = self._tmp
        if self._l2:
            np.multiply(flat, self._maskf, out=tmp)
            tmp *= self._l2
            g += tmp
        if self._l1:
            np.sign(flat, out=tmp)
            tmp *= self._maskf
            tmp *= self._l1
            g += tmp

    def _clip_norms(self, g: np.ndarray) -> None:
        """engine.optimizers.clip_global_norm on the row of each member with clipping on."""
        for slot in self._clipped:
            clip_global_norm(g[slot], self._clip[slot])

    # -- members as networks ---------------------------------------------------------
    def network(self, member: int) -> Network:
        """Member `member`'s weights as an ordinary Network (a copy; valid until the next step)."""
        net = self._networks.get(member)
        flat = self.member_flat(member)
        if net is None:
            net = self._networks[member] = self._template.copy()
        net.flat[...] = flat
        return net

    def member_flat(self, member: int) -> np.ndarray:
        """Member `member`'s parameter vector (a view while it trains; its last one after)."""
        if isinstance(member, bool) or not isinstance(member, int | np.integer):
            raise SpecError(f"Expected a member number; received {member!r}")
        if not 0 <= member < self.size:
            raise SpecError(f"Member {member} does not exist: expected 0 to {self.size - 1}")
        if member in self._final:
            return self._final[member]
        return self.flat[int(np.flatnonzero(self.rows == member)[0])]

    def evaluate(self, members: Sequence[int] | None = None) -> list[Evaluation]:
        """Each member's (or each of `members`') `Trainer.evaluate()`: loss and metric on the
        whole train and test sets, with its current or last weights."""
        chosen = range(self.size) if members is None else members
        return evaluate_members(self, [int(m) for m in chosen])


def _einsum_sumsq(x: np.ndarray, y: np.ndarray) -> float:
    """x . y without BLAS (so without its threads)."""
    return np.einsum("i,i->", x, y)
