"""Authentication: request signing, tokens and their store, the tiktokshop-auth helper."""
