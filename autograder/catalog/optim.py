"""Placeholder: exercises for optim are being written."""
