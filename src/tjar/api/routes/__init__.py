"""One module per resource of the store API."""
