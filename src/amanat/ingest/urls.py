"""URLs: canonical form for identity, and the outlet (source) a URL belongs to."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from publicsuffixlist import PublicSuffixList

# Query parameters that track a click and never change the article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_")
_TRACKING = {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ocid", "cmpid", "ref_src"}


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    # The list ships inside the package: no download at run time.
    return PublicSuffixList()


def canonical_url(url: str) -> str:
    """A normal form of a URL: lower-case scheme and host, no default port, no fragment, no
    tracking parameters, spaces percent-encoded. Two URLs of one article compare equal."""
    url = url.strip()
    if url.startswith("<") and url.endswith(">"):
        url = url[1:-1]
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port not in (None, 80 if scheme == "http" else 443) else None
    netloc = host if port is None else f"{host}:{port}"
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in _TRACKING and not k.lower().startswith(_TRACKING_PREFIXES)
        ]
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def registered_domain(url: str) -> str | None:
    """The registrable domain of a URL's host (``www.dawn.com`` → ``dawn.com``), or None."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return None
    if host.replace(".", "").isdigit() or ":" in host:
        return host  # an IP address is its own outlet
    return _psl().privatesuffix(host) or host


def accept_canonical(page_url: str, declared: str | None) -> str:
    """The page's declared canonical URL if it is plausible, else the page URL's own form.

    A declared canonical is trusted only on the same registered domain, and not when it
    points a deep page at the site's front page (a common template mistake).
    """
    own = canonical_url(page_url)
    if not declared:
        return own
    cand = canonical_url(declared)
    if not cand.startswith(("http://", "https://")):
        return own
    if registered_domain(cand) != registered_domain(own):
        return own
    if urlsplit(cand).path in ("", "/") and urlsplit(own).path not in ("", "/"):
        return own
    return cand
