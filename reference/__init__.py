"""Reference NumPy implementations of every exercise in the course catalog (one module per topic)."""
