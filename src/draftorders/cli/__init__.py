"""The command line (``python -m draftorders``, the ``draftorders`` script): price, invoice and
compare order files, and the guided demo."""

from draftorders.cli.commands import main

__all__ = ["main"]
