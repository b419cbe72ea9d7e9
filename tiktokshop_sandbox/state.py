"""Everything one running sandbox holds, built from its options."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import IssuedTokens
from .chaos import Chaos
from .dataset import Dataset
from .faults import FaultInjector
from .gen_common import alnum_token
from .options import SandboxOptions
from .pagination import PageTokenCodec
from .query import SearchCache
from .ratelimit import RateLimitGate
from .stats import Stats


@dataclass
class SandboxState:
    options: SandboxOptions
    dataset: Dataset
    tokens: IssuedTokens
    codec: PageTokenCodec
    cache: SearchCache
    limiter: RateLimitGate
    faults: FaultInjector
    stats: Stats
    chaos: Chaos
    #: The analytics family's own limit (``analytics_rate_limit_qps``); ``limiter`` is the
    #: other families'.
    analytics_limiter: RateLimitGate = field(default_factory=lambda: RateLimitGate(1.0))

    def limiter_for(self, category: str) -> RateLimitGate:
        """The rate limit of an endpoint family (the path's first segment)."""
        return self.analytics_limiter if category == "analytics" else self.limiter

    @classmethod
    def build(cls, options: SandboxOptions) -> SandboxState:
        dataset = Dataset(options)
        first = dataset.shops[0]
        tokens = IssuedTokens(
            token_ttl=options.token_ttl,
            rotation=options.refresh_rotation,
            shop_ids=[s.id for s in dataset.shops],
            open_id=alnum_token(options.seed, "open_id", length=43),
            seller_name=f"Sandbox Seller {options.seed}",
            seller_region=first.region.code,
            prefix=options.token_prefix,
            clock=options.now,
        )
        return cls(
            options=options,
            dataset=dataset,
            tokens=tokens,
            codec=PageTokenCodec(),
            cache=SearchCache(),
            limiter=RateLimitGate(options.rate_limit_qps),
            faults=FaultInjector(options.fault_rate, options.seed),
            stats=Stats(),
            chaos=Chaos(options.chaos_seed),
            analytics_limiter=RateLimitGate(options.analytics_rate_limit_qps),
        )
