"""Hyper-parameter search (Qt-free): parameters, trials, the study loop and its executors.

The command line (playground/cli/sweep_cli.py) and the sweep window both use it.
Optuna and Dask are imported only inside the functions that need them, so the app
and `playground train` start without them.
"""
