"""Business rules. Nothing in this package imports the web framework."""
