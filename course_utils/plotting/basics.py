"""Figures of the basics lessons (see CONTRIBUTING.md)."""

__all__: list[str] = []
