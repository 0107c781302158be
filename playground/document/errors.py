"""Bad input the document layer finds itself, shared by the command line and the GUI.

It lives here, below both, so that raising it never makes the GUI import the
command line (which once tied nine modules into one import circle).
"""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input (an option, a path, a file's content); the message is shown as it is."""


def require_file(text: str, what: str) -> Path:
    """`text` as an existing regular file; a FIFO or device would block a read for ever."""
    path = Path(text)
    if not path.exists():
        raise InputError(f"cannot read {what} {text!r}: no such file")
    if not path.is_file():
        raise InputError(f"cannot read {what} {text!r}: not a regular file")
    return path
