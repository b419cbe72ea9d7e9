"""Everything one running sandbox holds, built from its options."""

from __future__ import annotations

from dataclasses import dataclass

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
        )
