"""Figures of the mlp lessons (see CONTRIBUTING.md)."""

__all__: list[str] = []
