"""pyqtgraph views of a training run: loss, decision boundary, gradient norms.

Each view creates its plot items once and only calls setData / setImage after
that; the main window feeds all of them from one timer with the newest snapshot.
"""
