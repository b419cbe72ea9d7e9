"""Singer glue shared by tap-tiktokshop and target-tiktokshop.

The plugins' JSON config schema built from the client's settings model, the one-line
error CLI wrapper, the config-validation mixin and the one interruption error. The API
client itself (``tiktokshop``) never imports this package or the Singer SDK.
"""
