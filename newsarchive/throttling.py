"""Who is asking and how often: the client address behind the proxies, the API throttles, throttled token auth."""

from __future__ import annotations

import time

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions, throttling
from rest_framework.authentication import TokenAuthentication, get_authorization_header


def client_address(request) -> str:
    """The client's address: the peer, or the one the last NEWSARCHIVE_PROXY_COUNT proxies forwarded."""
    proxies = settings.NEWSARCHIVE_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        # Each proxy appends the address it saw: trust only the entries our own proxies wrote.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR", "")


def parse_rate(rate: str | None) -> tuple[int, int] | tuple[None, None]:
    """ "100/second" as (100, 1); None when the limit is off."""
    if rate is None:
        return None, None
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


class SettingsRateMixin:
    """Reads the rate from NEWSARCHIVE_API_THROTTLE_RATES on every request, so tests and deployments can change it."""

    def get_rate(self):
        return settings.NEWSARCHIVE_API_THROTTLE_RATES.get(self.scope)

    def parse_rate(self, rate):
        return parse_rate(rate)

    def get_ident(self, request):
        return client_address(request)


class AnonymousRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Requests without a user, counted per address."""


class UserRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Requests of an authenticated user, counted per user wherever they come from."""


class ThrottledTokenAuthentication(TokenAuthentication):
    """Token auth that counts failed tokens per address; past the limit the address gets 429, even with a good token.

    Authentication runs before DRF's throttles, so without this a token guesser only ever sees 401s.
    """

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # no token offered: nothing to count
        limit, period = parse_rate(settings.NEWSARCHIVE_API_THROTTLE_RATES.get("token_failures"))
        if limit is None:
            return super().authenticate(request)
        key = f"token-failures:{client_address(request)}"
        failures = [moment for moment in cache.get(key, []) if moment > time.time() - period]
        if len(failures) >= limit:
            raise exceptions.Throttled(
                wait=failures[0] + period - time.time(),
                detail="Too many failed token authentications from this address; try again later.",
            )
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            failures.append(time.time())
            cache.set(key, failures, period)
            raise


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every login over HTTP; `authenticate()` called without a request (the shell,
    management commands, tests) has no address to lock out and is passed on to the next backend."""

    def authenticate(self, request=None, *args, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
