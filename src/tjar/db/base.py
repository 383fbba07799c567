"""Declarative base and the mixins every table shares."""

from datetime import datetime

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from tjar.clock import utcnow
from tjar.db.types import AwareDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(AwareDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        AwareDateTime(), default=utcnow, onupdate=utcnow
    )


class TenantOwned:
    """A row that belongs to one store.

    Sessions bound to a store add ``store_id = :store`` to every query on these
    tables and stamp new rows with that store (see ``tjar.db.session``).
    """

    @declared_attr
    def store_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
