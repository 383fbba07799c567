"""The ``tjar`` command line."""
