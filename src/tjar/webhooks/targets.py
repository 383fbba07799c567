"""Where webhooks may be sent: the guard against server-side request forgery.

A target is checked twice: when the webhook is saved (its URL) and when each
attempt connects (the address the name resolves to at that moment, which is
the address the connection is then made to). Numeric hosts are read the way
the C library reads them (``2130706433``, ``0x7f.1``, ``0177.0.0.1``), and
IPv6 addresses that carry an IPv4 address are checked by that address too.
"""

import asyncio
import ipaddress
import select
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from tjar.i18n import _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Addresses of cloud instance-metadata services that are not link-local.
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in ("fd00:ec2::254", "100.100.100.200", "168.63.129.16")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Carrier-grade NAT space: not global, and private in practice.
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class BlockedAddress(httpcore.ConnectError):
    """An attempt whose host resolved only to addresses webhooks may not reach."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    )
    return [str(info[4][0]) for info in infos]


def parse_literal(host: str) -> IPAddress | None:
    """Read ``host`` as an IP address in any spelling, or return None for a name.

    Raises ``ValueError`` for a numeric host no address matches (``999.1.1.1``).
    """
    host = host.strip("[]")
    if ":" in host:
        return ipaddress.IPv6Address(host.split("%", 1)[0])
    parts = host.rstrip(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_is_number(part) for part in parts):
        return None
    numbers = [
        int(part, 0) if part[:2].lower() == "0x" else _int(part) for part in parts
    ]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        raise ValueError(host)
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _is_number(part: str) -> bool:
    if part[:2].lower() == "0x":
        return len(part) > 2 and all(c in "0123456789abcdefABCDEF" for c in part[2:])
    return part.isascii() and part.isdigit()


def _int(part: str) -> int:
    # A leading zero means octal, as inet_aton reads it.
    return int(part, 8) if len(part) > 1 and part.startswith("0") else int(part)


def refusal(ip: IPAddress, *, allow_private: bool) -> str | None:
    """Say why webhooks may not reach ``ip``, or return None when they may.

    Link-local, metadata, multicast, unspecified and reserved addresses are
    refused always; loopback and private networks unless ``allow_private``.
    An IPv6 address that carries an IPv4 address is judged by that address.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return refusal(ip.ipv4_mapped, allow_private=allow_private)
        if ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            return refusal(embedded, allow_private=allow_private)
        if ip.sixtofour is not None:
            found = refusal(ip.sixtofour, allow_private=allow_private)
            if found is not None:
                return found
    if ip in METADATA or ip.is_link_local:
        return "link_local"
    if ip.is_multicast or ip.is_unspecified:
        return "reserved"
    if ip.is_loopback:
        return None if allow_private else "private"
    if isinstance(ip, ipaddress.IPv4Address) and ip.is_reserved:
        return "reserved"
    if ip.is_private or ip in _SHARED:
        return None if allow_private else "private"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def _host_is_localhost(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith(".localhost")


async def url_problem(
    url: str, *, allow_private: bool, resolver: Resolver, seconds: float = 3.0
) -> str | None:
    """Check a webhook URL before it is saved; return a message when it is refused.

    A name that does not resolve now is accepted: the check is repeated at
    every attempt, and the delivery log shows the failure.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        return _("Enter a valid URL.")
    if port == 0:
        return _("Enter a valid URL.")
    if parts.scheme not in ("http", "https") or not host:
        return _("Use an http or https URL.")
    if parts.scheme == "http" and not allow_private:
        return _("Use an https URL.")
    if parts.username is not None or parts.password is not None:
        return _("Leave user names and passwords out of the URL.")
    if parts.fragment:
        return _("Leave the fragment (#...) out of the URL.")

    try:
        addresses = await _addresses(
            host, port or (443 if parts.scheme == "https" else 80), resolver, seconds
        )
    except ValueError:
        return _("Enter a valid URL.")
    except (OSError, TimeoutError):
        addresses = []
    if any(refusal(ip, allow_private=allow_private) for ip in addresses):
        return _(
            "This URL points to a private, local or reserved address; "
            "webhooks are sent only to public addresses."
        )
    try:
        # What the sender will parse; it refuses what it cannot encode.
        httpx.URL(url)
    except httpx.InvalidURL:
        return _("Enter a valid URL.")
    return None


async def _addresses(
    host: str, port: int, resolver: Resolver, seconds: float
) -> list[IPAddress]:
    literal = parse_literal(host)
    if literal is not None:
        return [literal]
    if _host_is_localhost(host):
        return [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
    with anyio.fail_after(seconds):
        resolved = await resolver(host, port)
    return [ipaddress.ip_address(address.split("%", 1)[0]) for address in resolved]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connect only to addresses the policy allows, checked as they are used.

    The name is resolved here and the connection is made to the checked
    address itself, so a DNS answer that changes between check and connect
    cannot redirect it. TLS still verifies the certificate for the name.
    """

    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await _addresses(host, port, self._resolver, timeout or 10.0)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
        except (OSError, ValueError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        allowed = [
            ip
            for ip in addresses
            if refusal(ip, allow_private=self._allow_private) is None
        ]
        if not allowed:
            raise BlockedAddress(f"address not allowed: {addresses[0]}")
        last: Exception | None = None
        for ip in allowed:
            try:
                stream = await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                last = error
            else:
                return KeptSocketStream(stream, stream.get_extra_info("socket"))
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class KeptSocketStream(httpcore.AsyncNetworkStream):
    """A stream that answers "is the idle socket readable?" cheaply.

    The connection pool asks this of every idle connection on every request;
    anyio builds a fresh attribute table to find the socket each time, which
    was a fifth of a busy worker's CPU. The socket never changes, so it is
    looked up once.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: socket.socket) -> None:
        self._inner = inner
        self._socket = sock
        # One poller for the socket's life: each check is then one syscall.
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        wrapped = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return KeptSocketStream(wrapped, self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "socket":
            return self._socket
        if info == "is_readable":
            # Data, a peer's close, or a socket already closed (POLLNVAL).
            return bool(self._poller.poll(0))
        return self._inner.get_extra_info(info)
