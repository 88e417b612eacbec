"""Benchmarks: scripts (not tests) that print ratios against a baseline measured in the same run."""
