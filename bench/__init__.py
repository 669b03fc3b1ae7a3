"""Benchmarks: the hardened app next to a bare Flask baseline, in one run (scripts/bench)."""
