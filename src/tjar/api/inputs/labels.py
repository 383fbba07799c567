"""Bodies for brands, categories and tags."""

from tjar.api.inputs.common import Id, NameIn


class LabelIn(NameIn):
    pass


class CategoryIn(NameIn):
    parent_id: Id | None = None
