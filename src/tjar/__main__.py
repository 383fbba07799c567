"""``python -m tjar`` runs the command line."""

from tjar.cli.main import app

app()
