"""``python -m target_tiktokshop``: the same as the ``target-tiktokshop`` command."""

from target_tiktokshop.target import main

main()
