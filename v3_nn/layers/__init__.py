"""v3_nn layers, one module per family; each author adds its import line here."""

# ruff: noqa: F401  (this file re-exports the public names)
