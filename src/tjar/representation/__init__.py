"""How records read: the same dicts for API responses and webhook payloads.

Nothing here touches the database or the web framework; callers load what a
representation needs and pass the store's context in.
"""
