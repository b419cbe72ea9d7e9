"""Performance benchmark of tap-tiktokshop and target-tiktokshop (``make bench``).

Every scenario runs the connector as a child process against ``tiktokshop-sandbox``
running as another process, and compares what it measured with a floor measured or
computed in the same run (the rate limit, a bare script making the same calls, a smaller
run of the same program). See ``benchmarks/run.py`` and ``benchmarks/RESULTS.md``.
"""
