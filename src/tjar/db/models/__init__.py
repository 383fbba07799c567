"""Every table of the platform; importing this package registers them all."""

from tjar.db.models.catalogue import (
    Brand,
    Category,
    Product,
    ProductCategory,
    ProductCode,
    ProductMedia,
    ProductOption,
    ProductTag,
    ProductVariant,
    SkuClaim,
    Tag,
)
from tjar.db.models.idempotency import IdempotencyRecord
from tjar.db.models.media import DownloadLink, Media
from tjar.db.models.orders import (
    Coupon,
    Customer,
    Order,
    OrderLine,
    OrderStatusChange,
)
from tjar.db.models.stores import ApiKey, Store, StoreDomain, StoreUser
from tjar.db.models.webhooks import (
    StoreNotice,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

__all__ = [
    "ApiKey",
    "Brand",
    "Category",
    "Coupon",
    "DownloadLink",
    "Media",
    "ProductCategory",
    "ProductCode",
    "ProductMedia",
    "ProductOption",
    "ProductTag",
    "ProductVariant",
    "SkuClaim",
    "Tag",
    "Customer",
    "IdempotencyRecord",
    "Order",
    "OrderLine",
    "OrderStatusChange",
    "Product",
    "Store",
    "StoreDomain",
    "StoreNotice",
    "StoreUser",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
]
