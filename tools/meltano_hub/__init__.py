"""Meltano Hub definitions of tap-tiktokshop and target-tiktokshop, generated from
``--about`` (dev only, not in the wheel)."""
