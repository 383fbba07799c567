"""The demo store: real-looking products, customers and orders to try the API on."""

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tjar.clock import utcnow
from tjar.db.models import Customer, Order, OrderLine, Product, Store
from tjar.db.session import bind_to_store, platform_session
from tjar.domain.catalogue import DIGITAL, PHYSICAL, ProductInput, create_product
from tjar.domain.money import ZERO, price_line
from tjar.domain.stores import create_store
from tjar.domain.users import Role, create_user

DEMO_SLUG = "demo-store"

# (Arabic name, English name, price in SAR, sale price or None, stock)
PRODUCTS: tuple[tuple[str, str, str, str | None, int], ...] = (
    ("قهوة عربية بالهيل", "Arabic Coffee with Cardamom", "45.00", None, 120),
    ("تمر سكري فاخر", "Premium Sukkari Dates", "79.99", "64.99", 200),
    ("تمر عجوة المدينة", "Madinah Ajwa Dates", "120.00", None, 80),
    ("دلة قهوة نحاسية", "Copper Coffee Dallah", "185.50", "159.00", 25),
    ("فناجين قهوة خزفية (٦ قطع)", "Ceramic Coffee Cups (6 pcs)", "59.00", None, 60),
    ("بخور عود كمبودي", "Cambodian Oud Incense", "250.00", None, 40),
    ("مبخرة كهربائية", "Electric Incense Burner", "99.00", "85.00", 35),
    ("عطر مسك الطهارة", "Musk Tahara Perfume", "35.00", None, 150),
    ("دهن عود ملكي", "Royal Oud Oil", "420.00", None, 12),
    ("سجادة صلاة مطرزة", "Embroidered Prayer Rug", "89.00", None, 70),
    ("مصحف بغلاف جلدي", "Leather-bound Quran", "140.00", None, 30),
    ("شماغ أحمر قطني", "Red Cotton Shemagh", "110.00", "95.00", 90),
    ("ثوب رجالي أبيض", "White Men's Thobe", "230.00", None, 45),
    ("عباءة سوداء كلاسيكية", "Classic Black Abaya", "299.00", "249.00", 38),
    ("طرحة شيفون", "Chiffon Headscarf", "49.00", None, 110),
    ("زعفران إيراني (١ غرام)", "Saffron (1 g)", "32.00", None, 300),
    ("عسل سدر جبلي", "Mountain Sidr Honey", "275.00", None, 22),
    ("حبة البركة", "Black Seed", "18.50", None, 250),
    ("بهارات كبسة", "Kabsa Spice Mix", "22.00", None, 180),
    ("أرز بسمتي (٥ كغ)", "Basmati Rice (5 kg)", "68.00", "59.50", 95),
    ("شاي أحمر سيلاني", "Ceylon Black Tea", "27.00", None, 140),
    ("معمول بالتمر", "Date Maamoul", "55.00", None, 75),
    ("كعك بالسمسم", "Sesame Ka'ak", "19.99", None, 130),
    ("ترمس حافظ للحرارة", "Thermal Flask", "75.00", None, 55),
    ("فانوس رمضان نحاسي", "Copper Ramadan Lantern", "129.00", "110.00", 28),
    ("مسبحة كهرمان", "Amber Prayer Beads", "199.00", None, 20),
    ("حقيبة جلدية يدوية", "Handmade Leather Bag", "349.00", None, 15),
    ("صابون زيت الزيتون", "Olive Oil Soap", "15.00", None, 400),
    ("ماء ورد طائفي", "Taif Rose Water", "39.00", None, 160),
    ("زيت أرغان نقي", "Pure Argan Oil", "89.00", "79.00", 65),
    ("سماعات لاسلكية", "Wireless Earbuds", "249.00", "199.00", 50),
    ("شاحن سريع ٢٠ واط", "20W Fast Charger", "69.00", None, 85),
    ("بطاقة هدية رقمية", "Digital Gift Card", "100.00", None, 0),
)

CUSTOMERS: tuple[tuple[str, str, str], ...] = (
    ("محمد العتيبي", "mohammed.otaibi@example.com", "+966501234567"),
    ("نورة القحطاني", "noura.q@example.com", "+966551234568"),
    ("عبدالله الشهري", "a.alshehri@example.com", "+966531234569"),
    ("سارة الحربي", "sara.harbi@example.com", "+966541234570"),
    ("Fatima Khan", "fatima.khan@example.com", "+966561234571"),
    ("خالد الدوسري", "khalid.d@example.com", "+966591234572"),
    ("ريم الزهراني", "reem.z@example.com", "+966501234573"),
    ("John Carter", "john.carter@example.com", "+966551234574"),
    ("هند المطيري", "hind.m@example.com", "+966581234575"),
    ("يوسف الغامدي", "yousef.g@example.com", "+966571234576"),
)

CITIES = ("الرياض", "جدة", "الدمام", "مكة المكرمة", "المدينة المنورة", "الخبر", "أبها")
STATUS_WEIGHTS = (
    ("completed", 30),
    ("delivered", 12),
    ("shipped", 10),
    ("processing", 12),
    ("pending", 14),
    ("ready_for_shipping", 6),
    ("cancelled", 10),
    ("refunded", 6),
)
GATEWAYS = ("tjar-pay", "cod", "bank_transfer")
ORDER_COUNT = 72
ORDER_SPAN_DAYS = 180


@dataclass(frozen=True)
class DemoResult:
    store: Store
    created: bool


async def _add_products(session: AsyncSession) -> list[Product]:
    """Create the catalogue through the same code as ``POST /products``."""
    products = []
    for index, (name_ar, name_en, price, sale, stock) in enumerate(PRODUCTS, 1):
        digital = name_en == "Digital Gift Card"
        values: dict[str, object] = {
            "name_ar": name_ar,
            "name_en": name_en,
            "summary_ar": f"{name_ar} من متجر تجار التجريبي.",
            "summary_en": f"{name_en} from the Tjar demo store.",
            "description_ar": f"<p>{name_ar}</p>",
            "description_en": f"<p>{name_en}</p>",
            "sku": f"DEMO-{index:03d}",
            "price": Decimal(price),
            "sale_price": Decimal(sale) if sale else None,
        }
        if not digital:
            values |= {"stock": stock, "weight": Decimal("0.500")}
        product = await create_product(
            session, type_id=DIGITAL if digital else PHYSICAL, data=ProductInput(values)
        )
        products.append(product)
    return products


# TODO(#4): write demo orders through the order engine once it exists; until
# then they are priced here line by line with the same money functions.
async def _add_orders(
    session: AsyncSession,
    store: Store,
    products: list[Product],
    customers: list[Customer],
) -> None:
    # A fixed seed: every demo store reads the same, run after run.
    rng = random.Random(20260101)
    statuses = [status for status, _ in STATUS_WEIGHTS]
    weights = [weight for _, weight in STATUS_WEIGHTS]
    now = utcnow()

    for _ in range(ORDER_COUNT):
        customer = rng.choice(customers)
        placed = now - timedelta(
            days=rng.randrange(ORDER_SPAN_DAYS), minutes=rng.randrange(24 * 60)
        )
        status = rng.choices(statuses, weights)[0]
        lines = [
            _line(store, product, rng.randint(1, 3))
            for product in rng.sample(products, rng.randint(1, 3))
        ]
        subtotal = sum((line.subtotal for line in lines), ZERO)
        # Written whole in one insert, so updated_at keeps its historic value.
        session.add(
            Order(
                number=store.next_order_number,
                customer_id=customer.id,
                name=customer.name,
                email=customer.email,
                phone=customer.mobile,
                address=f"حي {rng.randint(1, 40)}، شارع {rng.randint(1, 200)}",
                city=rng.choice(CITIES),
                country="SA",
                zipcode=f"{rng.randint(11000, 34999)}",
                status=status,
                payment_status=_payment_status(status),
                payment_gateway=rng.choice(GATEWAYS),
                subtotal=subtotal,
                coupon_discounted=ZERO,
                shipping=ZERO,
                tax=sum((line.tax for line in lines), ZERO),
                total_amount=subtotal,
                source=rng.choice(("storefront", "storefront", "dashboard", "api")),
                created_at=placed,
                updated_at=min(now, placed + timedelta(hours=rng.randint(0, 72))),
                lines=lines,
            )
        )
        store.next_order_number += 1
    await session.flush()


def _line(store: Store, product: Product, quantity: int) -> OrderLine:
    unit = product.sale_price or product.price
    amounts = price_line(
        unit_price=unit,
        quantity=quantity,
        discount=ZERO,
        vat_rate=store.vat_rate,
        prices_include_vat=store.prices_include_vat,
    )
    return OrderLine(
        product_id=product.id,
        type_id=product.type_id,
        name_ar=product.name_ar,
        name_en=product.name_en,
        sku=product.sku,
        qty=quantity,
        unit_price=unit,
        weight=product.weight,
        options={},
        discount=amounts.discount,
        tax=amounts.tax,
        subtotal=amounts.subtotal,
    )


DEMO_OWNER = "owner@demo-store.example"


def _payment_status(status: str) -> str:
    if status == "refunded":
        return "refunded"
    if status in ("pending", "cancelled"):
        return "pending"
    return "paid"


async def ensure_demo_store(
    sessions: async_sessionmaker[AsyncSession], *, platform_domain: str
) -> DemoResult:
    """Create the demo store with its data unless it exists; safe to run again."""
    async with platform_session(sessions) as session:
        existing = await session.scalar(select(Store).where(Store.slug == DEMO_SLUG))
        if existing is not None:
            return DemoResult(store=existing, created=False)
        store = await create_store(
            session,
            slug=DEMO_SLUG,
            name="متجر تجار التجريبي",
            platform_domain=platform_domain,
        )
        bind_to_store(session, store.id)
        await create_user(session, email=DEMO_OWNER, role=Role.OWNER, password=None)
        customers = [
            Customer(name=name, email=email, mobile=mobile)
            for name, email, mobile in CUSTOMERS
        ]
        session.add_all(customers)
        await session.flush()
        products = await _add_products(session)
        await _add_orders(session, store, products, customers)
        await session.commit()
    return DemoResult(store=store, created=True)
