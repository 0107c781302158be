"""The words of the backprop inspector: what each phase shows, one weight's chain rule.

Plain functions returning rich text, so the panel stays about widgets and the
wording can be tested without one.
"""

from __future__ import annotations

import html
import math

import numpy as np

from engine.backprop_phases import InspectedStep, WeightExplanation
from engine.gradcheck import DEFAULT_TOLERANCE, GradcheckResult
from engine.optimizers import OPTIMIZERS
from playground.gui.inspector.inspector_table import fmt

TERMS_SHOWN = 6  # rows of the chain-rule sum written out; the rest are summed


def phase_text(step: InspectedStep, phase: str) -> str:
    """The sentence above a phase's tables."""
    b = step.batch_size
    batch = f"the training row {step.rows[0]}" if step.single else f"a minibatch of {b} examples"
    if phase == "forward":
        drop = (
            " Dropout masks multiply a hidden layer's a on its way out."
            if any(m is not None for m in step.masks)
            else ""
        )
        return (
            f"<b>Forward</b> on {batch}: each dense layer computes z = a_in · Wᵀ + b, "
            f"then a = f(z); one row per example.{drop} Rings in the diagram: each unit's "
            f"mean a over the batch."
        )
    if phase == "loss":
        return (
            f"<b>Loss</b> ({step.loss_name}): the output layer's z are the logits; each "
            f"example has its own loss, and the step minimises their mean, "
            f"<b>{step.loss:.6g}</b>. Rings: mean dL/dlogits."
        )
    if phase == "backward":
        return (
            "<b>Backward</b>: δ = dL/dz flows from the output back (δ of a hidden layer = "
            "(δ_next · W_next) ⊙ f′(z)); dL/dW = δᵀ · a_in and dL/db = Σ δ. δ here is of the "
            "mean loss, so each row already carries 1/n. Rings: dL/db per unit. "
            "Click a dL/dW cell or an edge in the diagram to see its chain rule."
        )
    c = step.config
    extras = []
    if not OPTIMIZERS.get(c.optimizer).decoupled_decay and c.l2:
        extras.append(f"L2 adds {c.l2:g}·w")
    if c.l1:
        extras.append(f"L1 adds {c.l1:g}·sign(w)")
    if step.clip_scale != 1.0:
        extras.append(f"clipping scaled the gradient by {step.clip_scale:.4g}")
    more = ("; " + "; ".join(extras)) if extras else ""
    return (
        f"<b>Update</b> by {step.optimizer} ({_rate_text(step)}){more}. <b>Finish applies these "
        f"updates as step {step.step}</b> (the weights below are what it will leave). "
        f"Rings: each unit's bias update."
    )


def _rate_text(step) -> str:
    """The rate the step used; with a schedule, which one and the configured base rate."""
    c = step.config
    lr = c.lr if math.isnan(step.lr) else step.lr
    if c.schedule == "constant":
        return f"lr {lr:g}"
    return f"lr {lr:.4g} this epoch, {c.schedule} schedule from {c.lr:g}"


def explanation_html(e: WeightExplanation) -> str:
    """W[l][i, j]'s gradient as the chain-rule sum with its numbers, then its update."""
    n = len(e.terms)
    rows = []
    for k in range(min(n, TERMS_SHOWN)):
        rows.append(
            f"<tr><td>{k}</td><td>{e.rows[k]}</td><td>{fmt(e.delta[k])}</td>"
            f"<td>×</td><td>{fmt(e.a_in[k])}</td><td>=</td><td>{fmt(e.terms[k])}</td></tr>"
        )
    if n > TERMS_SHOWN:
        rest = float(e.terms[TERMS_SHOWN:].sum())
        rows.append(
            f"<tr><td colspan=6>… {n - TERMS_SHOWN} more examples, summing to</td>"
            f"<td>{fmt(rest)}</td></tr>"
        )
    layer, i, j = e.layer + 1, e.i + 1, e.j + 1  # as a person counts: from 1
    src = f"input {j}" if layer == 1 else f"unit {j} of layer {layer - 1}"
    parts = [
        f"<b>W{layer}[{i}, {j}]</b>: from {src} to unit {i} of layer {layer}; w = {e.weight:.6g}",
        "<p>dL/dw = (1/n) Σ<sub>examples</sub> δ<sub>i</sub> · a<sub>j</sub>, with "
        "δ<sub>i</sub> = dloss/dz<sub>i</sub> of each example and a<sub>j</sub> the "
        "sending unit's value:</p>",
        "<table cellspacing=0 cellpadding=2><tr><th>#</th><th>row</th><th>δ_i</th><th></th>"
        "<th>a_j</th><th></th><th>δ_i·a_j</th></tr>" + "".join(rows) + "</table>",
        f"<p>sum {fmt(float(e.terms.sum()))} / n={n} = <b>{e.chain_sum:.9g}</b>; "
        f"backprop's dL/dw = {e.backprop:.9g} (difference {abs(e.chain_sum - e.backprop):.1e})",
    ]
    g = [f"{e.backprop:.6g}"]
    if e.l2_term:
        g.append(f"+ L2 {e.l2_term:.4g}")
    if e.l1_term:
        g.append(f"+ L1 {e.l1_term:.4g}")
    if e.clip_scale != 1.0:
        g = ["(", *g, f") × clip {e.clip_scale:.4g}"]
    received = (
        f"{' '.join(g)} = <b>{e.gradient:.6g}</b>"
        if len(g) > 1
        else "dL/dw (no penalty, no clipping)"
    )
    parts.append(f"<br>gradient the optimizer received: g = {received}")
    values = ", ".join(f"{html.escape(k)} = {v:.6g}" for k, v in e.quantities)
    parts.append(
        f"<p><b>Update ({e.optimizer})</b>: {html.escape(e.formula)}<br>"
        f"update = <b>{e.update:.6g}</b> (the step's own: {e.applied:.6g}); "
        f"w: {e.weight:.6g} → <b>{e.new_weight:.6g}</b><br>with {values}</p>"
    )
    return "".join(parts)


def gradcheck_html(result: GradcheckResult, n_layers: int, tol: float = DEFAULT_TOLERANCE) -> str:
    """Per layer: the largest relative error of its trained tensors, pass or fail."""
    lines = [
        f"<b>Gradient check</b> on this minibatch (before the update, no dropout; central "
        f"differences, eps {result.eps:g}). Pass: largest relative error ≤ {tol:g}.<br>"
    ]
    worst_of = [0.0] * n_layers  # every trained tensor of the layer (layers.{k}.*)
    for t in result.tensors:
        k = int(t.name.split(".")[1])
        worst_of[k] = max(worst_of[k], t.max_relative_error)
    for k, worst in enumerate(worst_of):
        ok = worst <= tol
        colour = "#1a6b4f" if ok else "#b00020"
        lines.append(
            f"layer {k + 1}: {worst:.2e} <span style='color:{colour}'><b>"
            f"{'pass' if ok else 'FAIL'}</b></span><br>"
        )
    if not result.passed(tol):
        lines.append("A relu unit sitting within eps of 0 can fail without a bug.")
    return "".join(lines)


def overlay_for(step: InspectedStep, phase: str) -> list[np.ndarray]:
    """The diagram's rings for a phase: per column (forward) or per dense layer.

    A zero vector leaves a column without rings (the hidden layers at the loss).
    """
    if phase == "forward":
        return [step.layer_inputs[0].mean(0), *(a.mean(0) for a in step.a)]
    if phase == "loss":
        return [*(np.zeros(d.shape[1]) for d in step.deltas[:-1]), step.deltas[-1].sum(0)]
    if phase == "backward":
        return list(step.grad_b)
    return list(step.update_b)
