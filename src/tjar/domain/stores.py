"""Stores and the host names that reach them."""

import re
from decimal import Decimal
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from tjar.db.models import Store, StoreDomain
from tjar.domain.text import has_unsafe_characters
from tjar.errors import Conflict, NotFound, StoreNotFound, ValidationFailed
from tjar.i18n import LANGUAGES, _

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$"
)
# Sub-domains the platform keeps for itself.
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "app",
        "admin",
        "dashboard",
        "assets",
        "static",
        "cdn",
        "mail",
        "smtp",
        "status",
        "docs",
        "help",
        "support",
        "tjar",
        "platform",
    }
)
MAX_NAME = 200


def normalise_host(host: str) -> str:
    """Lower-case a ``Host`` value and drop its port and trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal; never a store domain
        return host
    return host.rsplit(":", 1)[0].rstrip(".")


def platform_host(slug: str, platform_domain: str) -> str:
    return f"{slug}.{platform_domain}"


async def find_store_by_host(
    session: AsyncSession, host: str, *, platform_domain: str
) -> Store:
    """Return the store served at ``host``, or raise ``StoreNotFound``."""
    name = normalise_host(host)
    store = await session.scalar(
        select(Store).join(StoreDomain).where(StoreDomain.domain == name)
    )
    if store is None:
        raise StoreNotFound()
    return store


async def create_store(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    platform_domain: str,
    custom_domain: str | None = None,
    default_language: str = "ar",
    timezone: str = "Asia/Riyadh",
) -> Store:
    """Create a store with its platform subdomain and an optional custom domain."""
    slug = slug.strip().lower()
    name = name.strip()
    if not _SLUG.match(slug):
        raise ValidationFailed.single(
            "slug", _("Use lower-case letters, digits and hyphens.")
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed.single("slug", _("This name is reserved."))
    if not 0 < len(name) <= MAX_NAME:
        raise ValidationFailed.single(
            "name", _("Use between 1 and {max_length} characters."), max_length=MAX_NAME
        )
    if timezone not in available_timezones():
        raise ValidationFailed.single("timezone", _("Choose a known time zone."))
    if default_language not in LANGUAGES:
        raise ValidationFailed.single("default_language", _("Choose ar or en."))
    domains = [platform_host(slug, platform_domain)]
    if custom_domain:
        domains.append(_custom_domain(custom_domain, platform_domain))

    taken = await session.scalar(
        select(StoreDomain.domain).where(StoreDomain.domain.in_(domains)).limit(1)
    )
    if taken is not None or await session.scalar(
        select(Store.id).where(Store.slug == slug)
    ):
        raise Conflict("store_exists")

    store = Store(
        slug=slug,
        name=name,
        default_language=default_language,
        timezone=timezone,
    )
    session.add(store)
    await session.flush()
    for position, domain in enumerate(domains):
        session.add(
            StoreDomain(store_id=store.id, domain=domain, is_primary=position == 0)
        )
    await session.flush()
    return store


def _custom_domain(domain: str, platform_domain: str) -> str:
    """Check a custom domain; one under the platform's domain is refused.

    The platform's sub-domains belong to the stores named by them, so a
    custom domain there could take another store's address.
    """
    try:
        name = normalise_host(domain).encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationFailed.single(
            "domain", _("Enter a valid domain name.")
        ) from None
    if not _DOMAIN.match(name):
        raise ValidationFailed.single("domain", _("Enter a valid domain name."))
    if name == platform_domain or name.endswith(f".{platform_domain}"):
        raise ValidationFailed.single(
            "domain", _("Use a domain of your own, not one under the platform's.")
        )
    return name


async def get_store_by_slug(session: AsyncSession, slug: str) -> Store:
    store = await session.scalar(
        select(Store).options(selectinload(Store.domains)).where(Store.slug == slug)
    )
    if store is None:
        raise NotFound("store_slug_unknown")
    return store


async def list_stores(session: AsyncSession) -> list[Store]:
    result = await session.scalars(
        select(Store).options(selectinload(Store.domains)).order_by(Store.id)
    )
    return list(result)


async def update_store_settings(
    session: AsyncSession,
    store: Store,
    *,
    prices_include_vat: bool | None = None,
    vat_rate: Decimal | None = None,
    shipping_fee: Decimal | None = None,
    clear_shipping_fee: bool = False,
    webhook_limit: int | None = None,
    name: str | None = None,
    default_language: str | None = None,
    timezone: str | None = None,
) -> Store:
    """Change the settings given; the rest stay. Refuses all if one is wrong."""
    errors: dict[str, list[tuple[str, dict[str, object]]]] = {}
    if name is not None and has_unsafe_characters(name):
        errors["name"] = [(_("Leave out control characters such as line breaks."), {})]
    elif name is not None and not 0 < len(name.strip()) <= MAX_NAME:
        errors["name"] = [
            (_("Use between 1 and {max_length} characters."), {"max_length": MAX_NAME})
        ]
    if default_language is not None and default_language not in LANGUAGES:
        errors["default_language"] = [(_("Choose ar or en."), {})]
    if timezone is not None and timezone not in available_timezones():
        errors["timezone"] = [(_("Choose a known time zone."), {})]
    if errors:
        raise ValidationFailed(errors)
    if name is not None:
        store.name = name.strip()
    if default_language is not None:
        store.default_language = default_language
    if timezone is not None:
        store.timezone = timezone
    if vat_rate is not None:
        if not 0 <= vat_rate < 1 or vat_rate != vat_rate.quantize(Decimal("0.0001")):
            raise ValidationFailed.single(
                "vat_rate", _("Enter a rate from 0 to below 1, e.g. 0.15.")
            )
        store.vat_rate = vat_rate
    if prices_include_vat is not None:
        store.prices_include_vat = prices_include_vat
    if shipping_fee is not None:
        store.shipping_fee = shipping_fee
    if clear_shipping_fee:
        store.shipping_fee = None
    if webhook_limit is not None:
        if not 0 <= webhook_limit <= 100:
            raise ValidationFailed.single(
                "webhook_limit", _("Enter a whole number from 0 to {le}."), le=100
            )
        store.webhook_limit = webhook_limit
    await session.flush()
    return store
