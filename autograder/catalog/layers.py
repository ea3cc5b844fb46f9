"""Placeholder: exercises for layers are being written."""
