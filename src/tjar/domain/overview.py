"""What the dashboard's home page shows: today's numbers and the latest records."""

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tjar.clock import utcnow
from tjar.db.models import Order, Product, Store, Webhook


@dataclass(frozen=True)
class Overview:
    orders_today: int
    products: int
    webhook_problems: int
    recent_orders: list[Order]
    recent_products: list[Product]


async def store_overview(session: AsyncSession, store: Store) -> Overview:
    """Count today's orders (store time), products and troubled webhooks."""
    zone = ZoneInfo(store.timezone)
    midnight = datetime.combine(utcnow().astimezone(zone).date(), time(), zone)
    orders_today = await session.scalar(
        select(func.count(Order.id)).where(Order.created_at >= midnight)
    )
    products = await session.scalar(
        select(func.count(Product.id)).where(Product.deleted_at.is_(None))
    )
    problems = await session.scalar(
        select(func.count(Webhook.id)).where(
            or_(
                Webhook.failing_since.is_not(None), Webhook.disabled_reason.is_not(None)
            )
        )
    )
    recent_orders = list(
        await session.scalars(select(Order).order_by(Order.id.desc()).limit(5))
    )
    recent_products = list(
        await session.scalars(
            select(Product)
            .where(Product.deleted_at.is_(None))
            .order_by(Product.id.desc())
            .limit(5)
        )
    )
    return Overview(
        orders_today=int(orders_today or 0),
        products=int(products or 0),
        webhook_problems=int(problems or 0),
        recent_orders=recent_orders,
        recent_products=recent_products,
    )
