"""Session-wide test settings.

The project's own tests run the sandbox strict (``--strict``): a GET without
``content-type``, or a body field or query parameter the OpenAPI snapshot does not
define, is refused, so the client is held to the reference. The sandbox's default,
lenient mode is tested on its own (tests/sandbox/test_sandbox_leniency.py).
"""

import os

from tiktokshop_sandbox.options import STRICT_ENV

os.environ[STRICT_ENV] = "1"
