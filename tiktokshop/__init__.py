"""Shared TikTok Shop Open API layer used by tap-tiktokshop and target-tiktokshop."""

__all__ = ["__version__"]

__version__ = "0.1.0"
