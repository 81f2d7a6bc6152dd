"""``python -m draftorders``: see :mod:`draftorders.cli`."""

import sys

from draftorders.cli import main

sys.exit(main())
