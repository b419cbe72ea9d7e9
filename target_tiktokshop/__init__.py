"""target-tiktokshop: a Singer target that writes stock, prices and product changes to TikTok Shop.

Modules: ``target`` (the Target and ``main``), ``settings`` (target-only settings),
``sinks`` (one batch sink per stream), ``records`` (validation of input records),
``catalog`` (per-shop lookups and cache), ``planner`` (records -> API calls),
``apply`` (sending calls, per-item error mapping), ``results`` (the results file),
``runtime`` (state shared by one run), ``errors`` (run-ending errors).
"""
