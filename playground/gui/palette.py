"""Colours readable by colour-blind people, used by every view of the application.

Class colours follow Okabe & Ito ("Color Universal Design"), extended with three
of Paul Tol's muted colours for up to ten classes. Binary probability shading runs
blue -> light grey -> orange, which stays distinguishable under protanopia,
deuteranopia and tritanopia; regression surfaces use cividis, designed for it.

Signs (weights, unit outputs, the inspector's numbers) use a pair of their own,
Paul Tol's purple (negative) / green (positive) from his colour-blind safe PRGn
scheme, so that blue and orange always mean a class and nothing else.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

CLASS_HEX = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#882255",  # wine (Tol)
    "#44AA99",  # teal (Tol)
    "#999933",  # olive (Tol)
)
LAYER_HEX = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#882255",
    "#44AA99",
    "#999933",
    "#332288",
    "#000000",
    "#AA4499",
    "#117733",
)
POSITIVE_HEX = "#0072B2"  # accents (selection, drop markers); not a sign: see SIGN_*
NEGATIVE_HEX = "#E69F00"
SIGN_POSITIVE_HEX = "#1B7837"  # green (Tol PRGn)
SIGN_NEGATIVE_HEX = "#762A83"  # purple (Tol PRGn)
NEUTRAL_HEX = "#F2F2F2"
MISTAKE_HEX = "#000000"
VANISHING_RGBA = (86, 180, 233, 45)  # sky blue, translucent
EXPLODING_RGBA = (213, 94, 0, 40)  # vermillion, translucent


def hex_to_rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def class_colour(k: int) -> QColor:
    return QColor(CLASS_HEX[k % len(CLASS_HEX)])


def layer_colour(k: int) -> QColor:
    return QColor(LAYER_HEX[k % len(LAYER_HEX)])


def class_rgb_table(n_classes: int) -> np.ndarray:
    """(K, 3) float RGB in 0..255, one row per class."""
    return np.array([hex_to_rgb(CLASS_HEX[k % len(CLASS_HEX)]) for k in range(n_classes)], float)


def lighten(rgb: np.ndarray, amount: float) -> np.ndarray:
    """Blend towards white: heatmaps are lightened so the data points stand out on them."""
    return rgb + (255.0 - rgb) * amount


def binary_colormap(lightness: float = 0.35) -> pg.ColorMap:
    """P(class 1) from 0 (blue, class 0) through light grey (0.5) to 1 (orange, class 1)."""
    blue = lighten(np.array(hex_to_rgb(CLASS_HEX[0]), float), lightness)
    orange = lighten(np.array(hex_to_rgb(CLASS_HEX[1]), float), lightness)
    mid = np.array(hex_to_rgb(NEUTRAL_HEX), float)
    colours = np.vstack([blue, mid, orange]).astype(np.uint8)
    return pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]), color=colours, name="playground-binary")


def sign_colormap() -> pg.ColorMap:
    """Signed values from -1 (purple) through white (0) to +1 (green): weights, unit outputs."""
    neg, pos = hex_to_rgb(SIGN_NEGATIVE_HEX), hex_to_rgb(SIGN_POSITIVE_HEX)
    colours = np.array([neg, (255, 255, 255), pos], dtype=np.uint8)
    return pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]), color=colours, name="playground-sign")


def surface_colormap() -> pg.ColorMap:
    """Regression surfaces and targets: cividis (perceptually uniform, colour-blind safe)."""
    return pg.colormap.get("cividis")
