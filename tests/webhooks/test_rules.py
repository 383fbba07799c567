"""The pure rules: address spellings, the retry table, and signatures."""

import ipaddress
from datetime import UTC, datetime, timedelta
from random import Random

import pytest
from standardwebhooks.webhooks import Webhook as Reference

from tjar.webhooks import signing
from tjar.webhooks.schedule import (
    Decision,
    Outcome,
    decide,
    outcome_of,
    parse_retry_after,
)
from tjar.webhooks.targets import parse_literal, refusal

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0177.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.258", "10.0.1.2"),
        ("169.254.43518", "169.254.169.254"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("[::1]", "::1"),
        ("fe80::1%eth0", "fe80::1"),
    ],
)
def test_numeric_hosts_are_read_as_the_c_library_reads_them(
    host: str, address: str
) -> None:
    assert parse_literal(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "host", ["example.com", "1.2.3.example", "0x.example", "１２７.0.0.1"]
)
def test_names_are_not_addresses(host: str) -> None:
    assert parse_literal(host) is None


@pytest.mark.parametrize("host", ["256.1.1.1", "1.2.3.256", "0x1ffffffff", "08.1.1.1"])
def test_impossible_numbers_are_errors(host: str) -> None:
    with pytest.raises(ValueError, match="."):
        parse_literal(host)


@pytest.mark.parametrize(
    ("address", "strict", "relaxed"),
    [
        ("93.184.216.34", None, None),
        ("2606:2800:220:1::", None, None),
        ("127.0.0.1", "private", None),
        ("10.0.0.1", "private", None),
        ("100.64.0.1", "private", None),
        ("::ffff:10.0.0.1", "private", None),
        ("2002:7f00:1::", "private", None),
        ("169.254.169.254", "link_local", "link_local"),
        ("::ffff:169.254.169.254", "link_local", "link_local"),
        ("fd00:ec2::254", "link_local", "link_local"),
        ("100.100.100.200", "link_local", "link_local"),
        ("224.0.0.1", "reserved", "reserved"),
        ("0.0.0.0", "reserved", "reserved"),
        ("::", "reserved", "reserved"),
        ("240.0.0.1", "reserved", "reserved"),
    ],
)
def test_which_addresses_webhooks_may_reach(
    address: str, strict: str | None, relaxed: str | None
) -> None:
    ip = ipaddress.ip_address(address)

    assert refusal(ip, allow_private=False) == strict
    assert refusal(ip, allow_private=True) == relaxed


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCEEDED),
        (204, Outcome.SUCCEEDED),
        (None, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (410, Outcome.GONE),
        (400, Outcome.CLIENT_ERROR),
        (404, Outcome.CLIENT_ERROR),
        (302, Outcome.CLIENT_ERROR),
    ],
)
def test_outcomes(status: int | None, outcome: Outcome) -> None:
    assert outcome_of(status) is outcome


def test_retries_stop_after_eight_attempts_or_three_for_client_errors() -> None:
    rng = Random(7)

    assert decide(Outcome.RETRY, attempts=7, now=NOW, rng=rng).status == "pending"
    assert decide(Outcome.RETRY, attempts=8, now=NOW, rng=rng) == Decision("failed")
    assert decide(Outcome.CLIENT_ERROR, attempts=2, now=NOW, rng=rng).status == (
        "pending"
    )
    assert decide(Outcome.CLIENT_ERROR, attempts=3, now=NOW, rng=rng) == Decision(
        "failed"
    )
    assert decide(Outcome.GONE, attempts=1, now=NOW, rng=rng) == Decision("failed")
    assert decide(Outcome.SUCCEEDED, attempts=4, now=NOW) == Decision("succeeded")


def test_jitter_spreads_within_ten_percent() -> None:
    rng = Random(1)
    waits = [
        decide(Outcome.RETRY, attempts=2, now=NOW, rng=rng).next_attempt_at
        for _ in range(500)
    ]

    seconds = [(w - NOW).total_seconds() for w in waits if w is not None]
    assert 270 <= min(seconds) < 280
    assert 320 < max(seconds) <= 330


def test_retry_after_waits_longer_never_shorter_and_at_most_a_day() -> None:
    rng = Random(3)

    later = decide(
        Outcome.RETRY, attempts=1, now=NOW, retry_after=timedelta(hours=1), rng=rng
    )
    sooner = decide(
        Outcome.RETRY, attempts=2, now=NOW, retry_after=timedelta(seconds=1), rng=rng
    )
    capped = decide(
        Outcome.RETRY, attempts=1, now=NOW, retry_after=timedelta(days=9), rng=rng
    )

    assert later.next_attempt_at == NOW + timedelta(hours=1)
    assert sooner.next_attempt_at is not None
    assert sooner.next_attempt_at - NOW >= timedelta(minutes=4, seconds=30)
    assert capped.next_attempt_at == NOW + timedelta(hours=24)


def test_retry_after_reads_seconds_and_dates() -> None:
    assert parse_retry_after("120", now=NOW) == timedelta(seconds=120)
    assert parse_retry_after("Fri, 04 Dec 2026 12:10:00 GMT", now=NOW) == timedelta(
        minutes=10
    )
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None
    assert parse_retry_after("²", now=NOW) is None
    assert parse_retry_after("9" * 5000, now=NOW) == timedelta(hours=24)
    assert parse_retry_after("Fri, 04 Dec 9999 12:10:00 GMT", now=NOW) == timedelta(
        hours=24
    )


def test_signatures_match_the_reference_package() -> None:
    secret = signing.new_secret()
    body = '{"id":"evt_1","data":{"name":"متجر"}}'.encode()
    stamp = int(NOW.timestamp())

    ours = signing.signature(secret, "evt_1", stamp, body)

    assert ours == Reference(secret).sign("evt_1", NOW, body)


def test_check_names_what_is_wrong() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    body = b'{"a":1}'
    stamp = int(NOW.timestamp())
    header = signing.signature_header([new, old], "evt_1", stamp, body)

    def check(secrets: list[str], **changes: object) -> str | None:
        given: dict[str, object] = {
            "message_id": "evt_1",
            "timestamp": str(stamp),
            "header": header,
            "body": body,
            "now": NOW,
            **changes,
        }
        return signing.check(secrets, **given)  # type: ignore[arg-type]

    assert check([new]) is None
    assert check([old]) is None
    assert check([signing.new_secret()]) == "bad_signature"
    assert check([new], body=b'{"a":2}') == "bad_signature"
    assert check([new], header=None) == "missing_header"
    assert check([new], timestamp="soon") == "timestamp_out_of_tolerance"
    assert check([new], now=NOW + timedelta(minutes=6)) == "timestamp_out_of_tolerance"
    assert check([new], now=NOW - timedelta(minutes=4)) is None
