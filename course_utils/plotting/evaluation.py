"""Figures of the evaluation lessons (see CONTRIBUTING.md)."""

__all__: list[str] = []
