"""Stored files: type detection from bytes, safe names, images, storage."""
