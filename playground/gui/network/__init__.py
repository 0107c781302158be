"""The network diagram: layout of units and edges, and the view that draws it."""
