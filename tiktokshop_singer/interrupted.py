"""The error both plugins stop with on SIGINT/SIGTERM."""

from __future__ import annotations

from tiktokshop.errors import TikTokShopError


class Interrupted(TikTokShopError):
    """SIGINT/SIGTERM: exit status 128 + signal, with what it means for the data."""

    def __init__(self, signum: int, consequence: str = "") -> None:
        self.exit_code = 128 + signum
        text = f"interrupted by signal {signum}"
        super().__init__(f"{text}; {consequence}" if consequence else text)
