"""`make bench`: benchmarks B1–B5 of issue #6 (see bench/run.py)."""
