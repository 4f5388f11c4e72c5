"""Immutable domain classes: validation only, no clinical decisions."""
