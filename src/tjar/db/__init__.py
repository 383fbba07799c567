"""Database: models, engine, store-bound sessions and migrations."""
