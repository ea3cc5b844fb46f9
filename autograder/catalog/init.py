"""Placeholder: exercises for init are being written."""
