"""The output plot drawn without Qt: an RGB picture of a GridView and the data points.

Animations (`playground train --animate`, File > Export Animation) and the runs
list's thumbnails are drawn here with NumPy and Pillow, so a headless command needs
no display and a frame costs a few milliseconds. The colours are the application's
(playground/gui/palette.py keeps the same values; a test compares them): blue ->
light grey -> orange for P(class 1), one Okabe-Ito colour per class, cividis-like
shading for regression surfaces.
"""

from __future__ import annotations

import numpy as np

CLASS_HEX = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#882255",
    "#44AA99",
    "#999933",
)
NEUTRAL_HEX = "#F2F2F2"
HEAT_LIGHTEN = 0.35  # the boundary plot's: points stand out on a lightened heatmap
SURFACE_RGB = np.array([[0, 34, 78], [124, 123, 120], [255, 234, 70]], float)  # cividis ends
CURVE_RGB = (0, 114, 178)


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], float)


def class_rgb(n_classes: int) -> np.ndarray:
    """(K, 3) float RGB, one row per class."""
    return np.array([_rgb(CLASS_HEX[k % len(CLASS_HEX)]) for k in range(max(n_classes, 2))])


def _lighten(rgb: np.ndarray, amount: float = HEAT_LIGHTEN) -> np.ndarray:
    return rgb + (255.0 - rgb) * amount


def _ramp(t: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Linear interpolation of `stops` (evenly placed over 0..1) at t in 0..1."""
    t = np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0) * (len(stops) - 1)
    lo = np.minimum(t.astype(int), len(stops) - 2)
    frac = (t - lo)[..., None]
    return stops[lo] * (1.0 - frac) + stops[lo + 1] * frac


def view_rgb(view, n_classes: int = 2, levels: tuple[float, float] | None = None) -> np.ndarray:
    """(rows, cols, 3) uint8, top row the largest x2, for a 2-D GridView.

    Classification: binary P(class 1) on the blue-grey-orange ramp, K classes as the
    probability-weighted blend of their colours; regression surfaces on a dark-blue to
    yellow ramp over `levels` (default: the view's own range).
    """
    values = np.asarray(view.values, dtype=np.float64)
    if view.kind == "classification":
        if values.shape[-1] == 1:
            stops = np.vstack(
                [_lighten(class_rgb(2)[0]), _rgb(NEUTRAL_HEX), _lighten(class_rgb(2)[1])]
            )
            image = _ramp(values[..., 0], stops)
        else:
            rgb = _lighten(class_rgb(values.shape[-1]))
            image = values @ rgb + (1.0 - values.sum(-1, keepdims=True)) * 255.0
    elif view.kind == "surface":
        lo, hi = levels if levels is not None else (np.nanmin(values), np.nanmax(values))
        image = _ramp((values - lo) / (hi - lo if hi > lo else 1.0), SURFACE_RGB)
    else:
        raise ValueError(f"view_rgb draws 2-D views; received a {view.kind!r} view")
    return np.clip(image, 0, 255).astype(np.uint8)[::-1]


def draw_output(view, data, size: int):
    """A `size` x `size` Pillow image of the output plot: the view and the data points.

    Training points are filled circles in their class colour; test points are rings.
    A 1-D regression view is drawn as the fitted curve over the points.
    """
    from PIL import Image, ImageDraw

    n_classes = getattr(data, "n_classes", 2) if data is not None else 2
    if view.kind == "curve":
        image = Image.new("RGB", (size, size), (255, 255, 255))
    else:
        image = Image.fromarray(view_rgb(view, n_classes)).resize(
            (size, size), Image.Resampling.BILINEAR
        )
    draw = ImageDraw.Draw(image)
    (x0, x1) = view.bounds[0]
    if view.kind == "curve":
        ys = np.asarray(view.values, float).reshape(-1)
        targets = (
            []
            if data is None
            else [data.y_train] + ([data.y_test] if data.y_test is not None else [])
        )
        allv = np.concatenate([ys, *[np.asarray(t, float) for t in targets]])
        y0, y1 = float(np.nanmin(allv)), float(np.nanmax(allv))
        pad = 0.05 * (y1 - y0 or 1.0)
        y0, y1 = y0 - pad, y1 + pad
    else:
        (y0, y1) = view.bounds[1]

    def pixels(x, y):
        px = (np.asarray(x, float) - x0) / ((x1 - x0) or 1.0) * (size - 1)
        py = (1.0 - (np.asarray(y, float) - y0) / ((y1 - y0) or 1.0)) * (size - 1)
        return px, py

    if view.kind == "curve":
        px, py = pixels(view.xs, np.asarray(view.values, float).reshape(-1))
        draw.line(np.column_stack([px, py]).ravel().tolist(), fill=CURVE_RGB, width=3)
    if data is not None:
        _draw_points(draw, data, view.kind, pixels, n_classes, size)
    return image


def _draw_points(draw, data, kind: str, pixels, n_classes: int, size: int) -> None:
    radius = max(2.0, size / 140)
    colours = class_rgb(n_classes).astype(int)
    sets = [(data.X_train, data.y_train, True)]
    if data.X_test is not None:
        sets.append((data.X_test, data.y_test, False))
    for X, y, filled in sets:
        if kind == "curve":
            px, py = pixels(X[:, 0], y)
            fills = [(80, 80, 80)] * len(px)
        elif X.shape[1] >= 2:
            px, py = pixels(X[:, 0], X[:, 1])
            if data.task == "classification":
                fills = [tuple(colours[int(k) % len(colours)]) for k in y]
            else:
                lo, hi = float(np.min(y)), float(np.max(y))
                shades = _ramp((np.asarray(y, float) - lo) / ((hi - lo) or 1.0), SURFACE_RGB)
                fills = [tuple(int(c) for c in row) for row in shades]
        else:
            return
        for x, yy, fill in zip(px.tolist(), py.tolist(), fills, strict=True):
            box = (x - radius, yy - radius, x + radius, yy + radius)
            if filled:
                draw.ellipse(box, fill=fill, outline=(255, 255, 255))
            else:
                draw.ellipse(box, fill=None, outline=fill, width=2)


def thumbnail(view, n_classes: int = 2, size: int = 48) -> np.ndarray | None:
    """A small (size, size, 3) uint8 picture of a 2-D view (None for curves): a run's
    final boundary, kept in the runs list and in projects."""
    if view is None or view.kind == "curve":
        return None
    rgb = view_rgb(view, n_classes)
    rows = np.linspace(0, rgb.shape[0] - 1, size).round().astype(int)
    cols = np.linspace(0, rgb.shape[1] - 1, size).round().astype(int)
    return np.ascontiguousarray(rgb[rows][:, cols])


__all__ = ["CLASS_HEX", "class_rgb", "draw_output", "thumbnail", "view_rgb"]
