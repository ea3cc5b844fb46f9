"""Placeholder: exercises for loss are being written."""
