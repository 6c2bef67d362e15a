"""Helpers that run the real servers locally, shared by tests/ and benchmarks/."""
