"""Figures of the images lessons (see CONTRIBUTING.md)."""

__all__: list[str] = []
