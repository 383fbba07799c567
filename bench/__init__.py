"""Benchmarks: run with ``make bench-webhooks``; not part of the test suite."""
