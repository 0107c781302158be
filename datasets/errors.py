"""The one error the datasets package raises on purpose.

Messages say what was wrong, what was expected and what was received (and, for
files, the line), so the command line and the GUI can show them as they are.
"""


class DatasetError(ValueError):
    """A dataset that cannot be built, split, read or written as asked."""
