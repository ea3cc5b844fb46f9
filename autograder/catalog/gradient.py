"""Placeholder: exercises for gradient are being written."""
