"""Tjar: a multi-tenant commerce platform."""

__version__ = "0.1.0"
