"""Placeholder: exercises for conv are being written."""
