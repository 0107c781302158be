"""The NumPy backpropagation engine: specs, network, optimizers, trainer, runner.

Never imports Qt: everything the GUI shows can be computed headless.
"""
