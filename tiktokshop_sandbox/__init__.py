"""tiktokshop-sandbox: a local emulator of the TikTok Shop Open API (202309+) and token host.

Python API::

    from tiktokshop_sandbox import Sandbox, SandboxOptions

    with Sandbox(SandboxOptions(seed=7, shops=1)) as sb:
        sb.base_url, sb.port, sb.config()        # config accepted by the tap and target
        sb.dataset.dump()                        # same JSON as GET /sandbox/dataset
        sb.mint_auth_code(); sb.issue_tokens()
        sb.mutate(products=3, orders=5)

Modules: ``options`` (settings), ``cli`` (command line), ``server`` (HTTP plumbing and
the Sandbox class), ``gateway`` (business request checks), ``routes`` (route table),
``handlers_*`` (endpoints), ``handlers_token`` (token host), ``admin`` (/sandbox/ routes),
``auth`` (tokens, codes, scopes), ``dataset`` + ``gen_*`` (seeded data), ``query`` and
``pagination`` (search, keyset page tokens), ``shapes`` (response field sets),
``ratelimit``, ``faults``, ``stats``.
"""

from .options import SandboxOptions
from .server import Sandbox

__all__ = ["Sandbox", "SandboxOptions"]
