"""The PyTorch side of `playground bench`: the same workloads in eager mode on the CPU.

PyTorch is never a dependency: it is imported only here, inside a try. The loop
is the idiomatic one (nn.Sequential of Linear + activations, BCEWithLogitsLoss,
torch.optim.SGD / Adam, a fresh randperm each epoch, the last smaller batch kept,
zero_grad(set_to_none=True)), starting from the engine's initial weights so both
do the same arithmetic. Tensors are float32, what a PyTorch user gets by default,
with torch's default thread count unless `--threads` says otherwise. The
optimizers keep torch's CPU defaults (the per-tensor loop; `foreach=True` measured
about 10% faster on W2 and no faster on W1 or W3).
"""

from __future__ import annotations

from typing import Any

ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU"}


def import_torch(threads: int | None = None) -> Any | None:
    """torch (with `threads` intra-op threads if given), or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    return torch


def build_model(torch: Any, w: Any, data: Any, dtype: str):
    """A Sequential with the engine's initial weights for workload `w`, and its optimizer."""
    from playground.cli.bench_workloads import engine_trainer

    nn = torch.nn
    net = engine_trainer(w, data).network
    layers: list[Any] = []
    for k, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        linear = nn.Linear(W.shape[1], W.shape[0], dtype=getattr(torch, dtype))
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W.tolist(), dtype=linear.weight.dtype))
            linear.bias.copy_(torch.tensor(b.tolist(), dtype=linear.bias.dtype))
        layers.append(linear)
        if k < len(w.hidden):
            layers.append(getattr(nn, ACTIVATIONS[w.hidden[k][1]])())
    model = nn.Sequential(*layers)
    if w.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=w.lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=w.lr)
    return model, optimizer


def torch_runner(torch: Any, w: Any, data: Any, dtype: str = "float32"):
    """`run(n)`: n steps (W4: n grid predicts) of workload `w` in PyTorch with `dtype` tensors."""
    from playground.cli.bench_workloads import grid_points

    tdtype = getattr(torch, dtype)
    model, optimizer = build_model(torch, w, data, dtype)
    X = torch.tensor(data.X_train.tolist(), dtype=tdtype)
    y = torch.tensor(data.y_train.tolist(), dtype=tdtype).reshape(-1, 1)
    n = len(y)
    batch = n if w.batch_size == 0 else min(w.batch_size, n)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    gen = torch.Generator().manual_seed(0)
    state = {"perm": torch.randperm(n, generator=gen), "cursor": 0}

    def step() -> None:
        c = state["cursor"]
        if c == 0 and batch < n:
            state["perm"] = torch.randperm(n, generator=gen)
        if batch >= n:
            xb, yb = X, y
        else:
            idx = state["perm"][c : c + batch]
            xb, yb = X[idx], y[idx]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        state["cursor"] = 0 if c + len(yb) >= n else c + len(yb)

    if w.predict:
        for _ in range(-(-n // batch)):  # one epoch, as on the engine side
            step()
        grid = torch.from_numpy(grid_points(data.bounds)).to(tdtype)

        def run(k: int) -> None:
            with torch.no_grad():
                for _ in range(k):
                    torch.sigmoid(model(grid))
    else:

        def run(k: int) -> None:
            for _ in range(k):
                step()

    return run
