"""Placeholder: exercises for network are being written."""
