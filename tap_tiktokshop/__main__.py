"""``python -m tap_tiktokshop``: the same as the ``tap-tiktokshop`` command."""

from tap_tiktokshop.tap import main

main()
