"""Builders for test data; each writes through the same domain code as the API."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar.clock import utcnow
from tjar.db.models import (
    Customer,
    Media,
    Order,
    OrderLine,
    Product,
    SkuClaim,
    Store,
    Webhook,
    WebhookDelivery,
)
from tjar.db.session import bind_to_store, platform_session, store_session
from tjar.domain.api_keys import create_api_key
from tjar.domain.money import ZERO, price_line
from tjar.domain.products import sku_key
from tjar.domain.stores import create_store
from tjar.domain.text import search_text
from tjar.domain.webhooks import (
    TargetPolicy,
    WebhookInput,
    create_webhook,
    send_test_event,
)
from tjar.webhooks.vault import Vault

KEY_PREFIX = "tjar_sk_"
_serial = count(1)


@dataclass(frozen=True)
class StoreWithKey:
    store: Store
    key: str
    domain: str


async def make_store(
    sessions: async_sessionmaker[AsyncSession],
    slug: str,
    *,
    default_language: str = "ar",
    custom_domain: str | None = None,
) -> StoreWithKey:
    async with platform_session(sessions) as session:
        store = await create_store(
            session,
            slug=slug,
            name=f"Store {slug}",
            platform_domain="localhost",
            custom_domain=custom_domain,
            default_language=default_language,
        )
        bind_to_store(session, store.id)
        issued = await create_api_key(session, prefix=KEY_PREFIX)
        await session.commit()
    return StoreWithKey(store=store, key=issued.secret, domain=f"{slug}.localhost")


async def make_product(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    *,
    name_en: str | None = None,
    name_ar: str | None = None,
    price: str = "10.00",
    sku: str | None = None,
    is_published: bool = True,
    created_at: datetime | None = None,
) -> Product:
    serial = next(_serial)
    name_en = f"Product {serial}" if name_en is None else name_en
    name_ar = f"منتج {serial}" if name_ar is None else name_ar
    sku = sku or f"SKU-{serial}"
    async with store_session(sessions, store.id) as session:
        product = Product(
            name_ar=name_ar,
            name_en=name_en,
            search_text=search_text(name_ar, name_en, sku),
            slug=f"product-{serial}",
            sku=sku,
            sku_key=sku_key(sku),
            price=Decimal(price),
            stock=10,
            is_published=is_published,
            created_at=created_at or utcnow(),
            updated_at=created_at or utcnow(),
        )
        session.add(product)
        await session.flush()
        session.add(SkuClaim(sku_key=sku_key(sku), product_id=product.id))
        await session.commit()
    return product


async def make_order(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    *,
    product: Product | None = None,
    status: str = "pending",
    created_at: datetime | None = None,
    customer_name: str = "سارة الحربي",
    email: str | None = None,
    quantity: int = 2,
) -> Order:
    """Write an order with one priced line.

    TODO(#4): create orders through the order engine once it exists.
    """
    when = created_at or utcnow()
    async with store_session(sessions, store.id) as session:
        locked = await session.get_one(Store, store.id, with_for_update=True)
        serial = next(_serial)
        customer = Customer(
            name=customer_name, email=email or f"customer{serial}@example.com"
        )
        session.add(customer)
        await session.flush()
        unit = product.price if product is not None else Decimal("115.00")
        amounts = price_line(
            unit_price=unit,
            quantity=quantity,
            discount=ZERO,
            vat_rate=locked.vat_rate,
            prices_include_vat=locked.prices_include_vat,
        )
        order = Order(
            number=locked.next_order_number,
            customer_id=customer.id,
            name=customer_name,
            email=customer.email,
            phone="+966501234567",
            status=status,
            subtotal=amounts.gross,
            coupon_discounted=ZERO,
            shipping=ZERO,
            tax=amounts.tax,
            total_amount=amounts.subtotal,
            created_at=when,
            updated_at=when,
        )
        locked.next_order_number += 1
        session.add(order)
        await session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                product_id=product.id if product else None,
                name_ar=product.name_ar if product else "قهوة",
                name_en=product.name_en if product else "Coffee",
                sku=product.sku if product else None,
                qty=quantity,
                unit_price=unit,
                discount=amounts.discount,
                tax=amounts.tax,
                subtotal=amounts.subtotal,
            )
        )
        await session.commit()
    return order


async def make_media(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    *,
    visibility: str = "public",
    mime_type: str = "image/png",
) -> Media:
    """Record a stored file (uploads arrive with the media work)."""
    serial = next(_serial)
    async with store_session(sessions, store.id) as session:
        media = Media(
            visibility=visibility,
            path=f"file-{serial}.{mime_type.rsplit('/', 1)[-1]}",
            mime_type=mime_type,
            size=1024,
            width=10 if mime_type.startswith("image/") else None,
            height=10 if mime_type.startswith("image/") else None,
            original_filename=f"upload-{serial}",
        )
        session.add(media)
        await session.commit()
    return media


async def make_webhook(
    sessions: async_sessionmaker[AsyncSession],
    store: Store,
    *,
    url: str = "http://127.0.0.1:9/hook",
) -> tuple[Webhook, WebhookDelivery]:
    """Register a webhook with one queued test delivery (the port is closed)."""
    policy = TargetPolicy(allow_private=True, resolver=_no_dns)
    async with store_session(sessions, store.id) as session:
        webhook, _ = await create_webhook(
            session,
            data=WebhookInput(name="Hook", url=url, events=["order.created"]),
            vault=Vault("test-secret"),
            policy=policy,
        )
        delivery = await send_test_event(session, webhook_id=webhook.id)
        await session.commit()
    return webhook, delivery


async def _no_dns(host: str, port: int) -> list[str]:
    raise OSError(f"no DNS in tests: {host}")
