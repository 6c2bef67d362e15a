"""Checks of the assistant's content and understanding, shared by `make` targets and tests."""
