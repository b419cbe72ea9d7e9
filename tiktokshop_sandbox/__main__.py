"""``python -m tiktokshop_sandbox``: the same as the ``tiktokshop-sandbox`` command."""

import sys

from tiktokshop_sandbox.cli import main

sys.exit(main())
