"""Grounding: the source registry (data/sources.yml) and the citation lines patients see."""
