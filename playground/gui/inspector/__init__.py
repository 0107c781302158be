"""The backprop inspector: a recorded step's phases, tables and chain-rule text."""
