"""Reading from the network with care: URLs through httpx and RSS/Atom feeds through feedparser.

* Every request has a timeout and a size cap (the body is streamed and cut off past ``max_bytes``).
* Redirects are followed one at a time, and each hop is checked like the first URL.
* Only ``http`` and ``https``. A host that is, or resolves to, a private, loopback, link-local,
  multicast, reserved or unspecified address is refused unless ``allow_private`` is set (an IPv6
  address that carries an IPv4 one, and the numeric spellings 2130706433, 0x7f.1, 0177.0.0.1, are
  judged by the IPv4 address they stand for); the request
  then goes to the address that was checked (the connection is pinned to it, with the host name kept
  for the ``Host`` header and TLS), so a name cannot resolve to a public address for the check and a
  private one for the request.
* feedparser never fetches anything itself: the feed's bytes come through the same reader, and so
  does every item's link.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..errors import InputError
from ..pipeline import SourceDoc
from .formats import ReadOptions, normalise_date, parse_html, parse_text

__all__ = ["Fetched", "fetch", "check_address", "numeric_ipv4", "resolve", "is_url", "parse_feed", "read_url", "FEED_SUFFIXES"]

FEED_SUFFIXES = (".rss", ".xml", ".atom")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")


def is_url(value: str) -> bool:
    return value.lower().startswith(("http://", "https://"))


@dataclass(slots=True)
class Fetched:
    url: str  # the final URL, after redirects
    content_type: str
    body: bytes


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries and may be routed to: IPv4-mapped (``::ffff:a.b.c.d``),
    6to4 (``2002:AABB:CCDD::``), NAT64 (``64:ff9b::a.b.c.d``) or the old IPv4-compatible form."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _NAT64) or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or not ip.is_global:
        return "non-public"
    return None


def check_address(address: str, host: str, allow_private: bool = False) -> None:
    """Refuse ``address`` (an IP the host resolved to) when it is not a public one; an IPv6 address
    that carries an IPv4 one (mapped, 6to4, NAT64) is refused when either of them is not public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:a.b.c.d is a.b.c.d
    if allow_private:
        return
    kind = _kind(ip)
    if kind is None and isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None and _kind(inner):
            kind, ip = _kind(inner), inner
    if kind:
        shown = host if host == str(ip) else f"{host} ({ip})"
        article = "an" if kind[0] in "aeiou" else "a"
        raise InputError(host, f"is {article} {kind} address {shown}: refused (pass --allow-private to read from it)")


# an IPv4 address in any form inet_aton reads: 2130706433, 0x7f.1, 0177.0.0.1, 127.1
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?$", re.IGNORECASE)


def numeric_ipv4(host: str) -> str | None:
    """The dotted IPv4 address a numeric host name stands for (as the C resolver, and so curl and most
    browsers, read it), None for a name. Raises ``InputError`` for numbers that are no address."""
    if not _NUMERIC_HOST.match(host):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(host.rstrip(".")))
    except OSError:
        raise InputError(host, "is a number that is not a valid IPv4 address") from None


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        pass
    numeric = numeric_ipv4(host)
    if numeric is not None:
        return [numeric]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(host, f"cannot be resolved ({exc})") from None
    seen: list[str] = []
    for info in infos:
        addr = info[4][0]
        if addr not in seen:
            seen.append(addr)
    if not seen:
        raise InputError(host, "resolves to no address")
    return seen


def _checked_address(url: str, options: ReadOptions, resolver: Callable[[str, int], list[str]]) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InputError(url, f"has the scheme {parts.scheme or '(none)'!r}: only http and https are read")
    host = parts.hostname
    if not host:
        raise InputError(url, "has no host name")
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    addresses = resolver(host, port)
    for address in addresses:  # every address must pass: any of them may be the one connected to
        try:
            check_address(address, host, options.allow_private)
        except InputError as exc:
            raise InputError(url, exc.problem) from None
    return addresses[0]


def _canonical_host(url: str) -> str:
    """``url`` with a numeric IPv4 host (0177.0.0.1, 0x7f.1) written as the dotted address it stands
    for, which is also what httpx accepts."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    dotted = numeric_ipv4(host) if host and not host.startswith("[") else None
    if dotted is None or dotted == host:
        return url
    userinfo, at, hostport = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=userinfo + at + dotted + hostport[len(host):]))


def fetch(url: str, options: ReadOptions | None = None, *, client=None,
          resolver: Callable[[str, int], list[str]] = resolve) -> Fetched:
    """GET ``url`` with the checks above. Raises ``InputError`` naming the URL (and the hop)."""
    import httpx

    options = options or ReadOptions()
    own = client is None
    if own:
        client = httpx.Client(follow_redirects=False, timeout=httpx.Timeout(options.timeout),
                              headers={"User-Agent": options.user_agent})
    try:
        current = url
        for _hop in range(options.max_redirects + 1):
            address = _checked_address(current, options, resolver)
            try:
                target = httpx.URL(_canonical_host(current))
                pinned = target.copy_with(host=address)
            except httpx.InvalidURL as exc:
                raise InputError(current, f"is not a URL that can be fetched ({exc})") from None
            headers = {"Host": target.netloc.decode("ascii")}
            extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
            try:
                request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
                response = client.send(request, stream=True)
            except httpx.TimeoutException:
                raise InputError(current, f"timed out after {options.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise InputError(current, f"cannot be fetched ({type(exc).__name__}: {exc})") from None
            try:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise InputError(current, f"redirects ({response.status_code}) without a Location")
                    current = urljoin(current, location)
                    continue
                if response.status_code >= 400:
                    raise InputError(current, f"answered HTTP {response.status_code} {response.reason_phrase}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > options.max_bytes:
                    raise InputError(current, f"is {int(declared):,} bytes, over the limit of {options.max_bytes:,}")
                body = bytearray()
                try:
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > options.max_bytes:
                            raise InputError(current, f"is over the limit of {options.max_bytes:,} bytes; not read")
                except httpx.TimeoutException:
                    raise InputError(current, f"timed out after {options.timeout:g} s") from None
                except httpx.HTTPError as exc:
                    raise InputError(current, f"broke off ({type(exc).__name__}: {exc})") from None
                ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Fetched(url=current, content_type=ctype, body=bytes(body))
            finally:
                response.close()
        raise InputError(url, f"redirects more than {options.max_redirects} times")
    finally:
        if own:
            client.close()


def _looks_like_feed(fetched: Fetched) -> bool:
    if fetched.content_type in FEED_TYPES:
        head = fetched.body[:2048].lstrip().lower()
        return b"<rss" in head or b"<feed" in head or b"<rdf" in head or fetched.content_type != "text/xml"
    return False


def read_url(url: str, options: ReadOptions, published: str | None = None, *, as_feed: bool | None = None,
             fallback: dict | None = None, fetcher: Callable[..., Fetched] | None = None
             ) -> Iterator[SourceDoc | InputError]:
    """The document at ``url`` (an HTML page or a plain text), or every item of a feed there."""
    fetcher = fetcher or fetch
    try:
        got = fetcher(url, options)
    except InputError as exc:
        yield exc
        return
    feed = as_feed if as_feed is not None else (options.feed or urlsplit(url).path.lower().endswith(FEED_SUFFIXES)
                                                or _looks_like_feed(got))
    if feed:
        yield from parse_feed(got.body, url, options, published, fetcher=fetcher)
        return
    name = url if got.url == url else f"{url} -> {got.url}"
    meta = dict(fallback or {})
    meta.setdefault("source", got.url)
    if got.content_type.startswith("text/plain"):
        meta.setdefault("url", got.url)
        yield from parse_text(got.body, name, options, published or meta.get("published"), meta=meta)
    else:
        for doc in parse_html(got.body, name, options, published, url=got.url, fallback=meta):
            if isinstance(doc, SourceDoc) and not doc.url:
                doc.url = got.url
            yield doc


def parse_feed(raw: bytes, name: str, options: ReadOptions, published: str | None = None, *,
               fetcher: Callable[..., Fetched] | None = None) -> Iterator[SourceDoc | InputError]:
    """Every item of an RSS/Atom feed: each item's link is fetched (through the checked reader) and
    read as a page; an item without a link, or whose page cannot be read, falls back to the text the
    feed itself carries, else it is reported (``feed#n``) and skipped."""
    try:
        import feedparser
    except ImportError:  # pragma: no cover - a dependency
        yield InputError(name, "needs feedparser to read feeds: pip install feedparser")
        return
    try:
        parsed = feedparser.parse(raw)  # bytes: feedparser fetches nothing
    except Exception as exc:  # noqa: BLE001 - e.g. ValueError from a character reference past U+10FFFF
        yield InputError(name, f"is not a readable RSS/Atom feed ({type(exc).__name__}: {exc})")
        return
    entries = list(parsed.get("entries") or [])
    if not entries:
        reason = parsed.get("bozo_exception")
        if parsed.get("bozo") and reason is not None:
            yield InputError(name, f"is not a valid RSS/Atom feed ({reason})")
        else:
            yield InputError(name, "is a feed with no items")
        return
    reason = parsed.get("bozo_exception")
    if parsed.get("bozo") and reason is not None and not isinstance(reason, feedparser.CharacterEncodingOverride):
        line = getattr(reason, "getLineNumber", lambda: None)()
        where = f"{name}:{line}" if line else name
        yield InputError(where, f"is a malformed feed ({reason}); the items that could be recovered are still read")
    base = name if is_url(name) else None
    for n, entry in enumerate(entries, 1):
        where = f"{name}#{n}"
        try:
            when = normalise_date(entry.get("published_parsed") or entry.get("updated_parsed"), where)
        except InputError:
            when = None
        link = entry.get("link")
        if link and base:
            link = urljoin(base, link)
        fallback = {"title": entry.get("title"), "published": when, "url": link}
        embedded = None
        if entry.get("content"):
            embedded = entry["content"][0].get("value")
        embedded = embedded or entry.get("summary")
        if link and is_url(link):
            docs = list(read_url(link, options, published, as_feed=False, fallback=fallback, fetcher=fetcher))
            for d in docs:
                if isinstance(d, SourceDoc):
                    d.name = f"{where} {d.name}"
                    yield d
                else:
                    yield InputError(where, f"item {link} cannot be read: {d.problem}")
            continue
        if embedded:  # no link to follow: the feed's own text is the document
            docs = list(parse_html(b"<html><body><article>" + embedded.encode("utf-8") + b"</article></body></html>",
                                   where, options, published, url=link, fallback=fallback))
            for d in docs:
                if isinstance(d, SourceDoc):
                    d.source = name
                yield d
            continue
        yield InputError(where, "has no link to fetch and no text of its own; skipped")


def read_feed_file(raw: bytes, name: str, options: ReadOptions, published: str | None = None
                   ) -> Iterator[SourceDoc | InputError]:
    """A feed saved as a file; its items' links are fetched like any URL."""
    if b"\x00" in raw[:8192]:
        yield InputError(name, "contains NUL bytes: it is not a feed")
        return
    yield from parse_feed(raw, name, options, published)
