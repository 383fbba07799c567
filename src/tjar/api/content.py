"""Reading a request's declared content type."""


def media_type(content_type: str) -> str:
    """Return the bare media type of a ``Content-Type`` value, lower-cased."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    """Tell whether a ``Content-Type`` value declares JSON (``+json`` too)."""
    kind = media_type(content_type)
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )
