"""Placeholder: exercises for regularization are being written."""
