"""Figures of the cnn lessons (see CONTRIBUTING.md)."""

__all__: list[str] = []
