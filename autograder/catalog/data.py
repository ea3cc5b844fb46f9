"""Placeholder: exercises for data are being written."""
