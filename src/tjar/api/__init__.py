"""The HTTP edge: the store API, its middleware and its error envelope."""
