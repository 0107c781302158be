"""Optimizers: one per module, each with its update rule in its docstring."""
