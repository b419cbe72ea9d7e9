"""Session-wide test settings.

The project's own tests run the sandbox strict (``--strict``): a GET without
``content-type``, or a body field or query parameter the OpenAPI snapshot does not
define, is refused, so the client is held to the reference. The sandbox's default,
lenient mode is tested on its own (tests/sandbox/test_sandbox_leniency.py).
"""

import os

from tiktokshop_sandbox.options import GZIP_ENV, STRICT_ENV

os.environ[STRICT_ENV] = "1"
# Answers come gzip-compressed, as from a compressing gateway: the client must decode
# what it reads from the raw stream (tests/sandbox/test_gzip_answers.py runs both ways).
os.environ[GZIP_ENV] = "1"
