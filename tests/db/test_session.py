import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import StoreWithKey, make_order, make_product
from tjar.db.models import Customer, Order, OrderLine, Product
from tjar.db.session import TenancyViolation, platform_session, store_session


async def test_a_store_session_sees_only_its_store(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey, beta: StoreWithKey
) -> None:
    mine = await make_order(sessions, alpha.store)
    theirs = await make_order(sessions, beta.store)

    async with store_session(sessions, alpha.store.id) as session:
        assert await session.scalar(select(func.count(Order.id))) == 1
        assert await session.get(Order, theirs.id) is None
        assert (await session.get(Order, mine.id)) is not None
        counted = select(func.count()).select_from(select(OrderLine).subquery())
        assert await session.scalar(counted) == 1
        joined = select(Order.id).join(Customer, Customer.id == Order.customer_id)
        assert list(await session.scalars(joined)) == [mine.id]


async def test_updates_cannot_reach_another_store(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey, beta: StoreWithKey
) -> None:
    product = await make_product(sessions, beta.store, price="10.00")

    async with store_session(sessions, alpha.store.id) as session:
        await session.execute(update(Product).values(stock=0))
        await session.commit()

    async with store_session(sessions, beta.store.id) as session:
        assert (await session.get_one(Product, product.id)).stock == 10


async def test_writing_a_row_of_another_store_is_refused(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey, beta: StoreWithKey
) -> None:
    async with store_session(sessions, alpha.store.id) as session:
        session.add(Customer(name="x", store_id=beta.store.id))
        with pytest.raises(TenancyViolation):
            await session.flush()


async def test_new_rows_are_stamped_with_the_session_store(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey
) -> None:
    async with store_session(sessions, alpha.store.id) as session:
        customer = Customer(name="x")
        session.add(customer)
        await session.flush()
        assert customer.store_id == alpha.store.id


async def test_an_unbound_session_cannot_query(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        with pytest.raises(TenancyViolation):
            await session.execute(select(Order))


async def test_the_platform_session_sees_every_store(
    sessions: async_sessionmaker[AsyncSession], alpha: StoreWithKey, beta: StoreWithKey
) -> None:
    await make_order(sessions, alpha.store)
    await make_order(sessions, beta.store)

    async with platform_session(sessions) as session:
        assert await session.scalar(select(func.count(Order.id))) == 2
