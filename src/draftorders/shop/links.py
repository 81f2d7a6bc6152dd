"""Secure checkout links: signed with the shop's secret (HMAC-SHA256), bound to an order id, its
version and an expiry.

Signing and encoding are itsdangerous's ``URLSafeSerializer``; the expiry is checked against the
clock the caller passes, so tests and notebooks can use a fixed one. Keys rotate: links are
signed with the ``current`` key and verified with any key still listed, so a new key can be
added first and an old one removed once its links have expired.

A refused link raises :class:`~draftorders.errors.CheckoutLinkRefused` with the same message
whatever the cause, so a refusal reveals nothing about the order; ``reason`` tells logs why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

import attrs
from itsdangerous import BadSignature, URLSafeSerializer

from draftorders.errors import CheckoutLinkRefused, ValidationError
from draftorders.ids import check_order_id

__all__ = ["CheckoutClaim", "CheckoutLinks"]

_SALT = "draftorders.checkout-link"
_MIN_SECRET = 32


def _keys(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise ValidationError("keys", "give at least one signing key: {key_id: secret}")
    keys: dict[str, str] = {}
    for key_id, secret in value.items():
        if not isinstance(key_id, str) or not key_id.isidentifier():
            raise ValidationError("keys", f"key id {key_id!r} must be a short name like 'k2026'")
        if not isinstance(secret, str) or len(secret) < _MIN_SECRET:
            raise ValidationError(
                "keys", f"the secret of key {key_id!r} must be text of {_MIN_SECRET}+ characters"
            )
        keys[key_id] = secret
    return keys


def _base_url(value: object) -> str:
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise ValidationError("base_url", f"{value!r} is not an http(s) address")
    return value if value.endswith("/") else value + "/"


@attrs.frozen
class CheckoutClaim:
    """What a valid link says: which order, at which version, until when."""

    order_id: str
    version: int
    expires_at: dt.datetime


@attrs.frozen
class CheckoutLinks:
    """Makes and checks checkout links: ``base_url`` + a signed token.

    ``keys`` maps key ids to secrets (32+ characters); ``current`` names the one that signs.
    """

    keys: dict[str, str] = attrs.field(converter=_keys, repr=False)
    current: str
    base_url: str = attrs.field(converter=_base_url)
    lifetime: dt.timedelta = dt.timedelta(days=30)

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise ValidationError("current", f"{self.current!r} is not one of the keys")
        if not isinstance(self.lifetime, dt.timedelta) or self.lifetime <= dt.timedelta(0):
            raise ValidationError(
                "lifetime", f"expected a positive timedelta, got {self.lifetime!r}"
            )

    def _serializer(self, key_id: str) -> URLSafeSerializer:
        return URLSafeSerializer(
            self.keys[key_id], salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def token(self, order_id: str, version: int, now: dt.datetime) -> str:
        """A token for ``order_id`` at ``version``, valid for :attr:`lifetime` from ``now``."""
        check_order_id(order_id)
        expires = int((now + self.lifetime).timestamp())
        payload = {"o": order_id, "v": version, "e": expires, "k": self.current}
        token: str = self._serializer(self.current).dumps(payload)
        return f"{self.current}.{token}"

    def url(self, order_id: str, version: int, now: dt.datetime) -> str:
        """The checkout link for ``order_id`` at ``version``."""
        return self.base_url + self.token(order_id, version, now)

    def verify(self, link: str, now: dt.datetime) -> CheckoutClaim:
        """The claim of a link (or its token) that is signed by a listed key and not expired;
        :class:`CheckoutLinkRefused` otherwise. Whether the order is still at that version is
        for the caller to check (the order may have changed since)."""
        token = link.removeprefix(self.base_url) if isinstance(link, str) else ""
        key_id, _, signed = token.partition(".")
        if key_id not in self.keys or not signed:
            raise CheckoutLinkRefused("tampered")
        try:
            payload: Any = self._serializer(key_id).loads(signed)
        except BadSignature:
            raise CheckoutLinkRefused("tampered") from None
        if self._serializer(key_id).dumps(payload) != signed:
            # base64 has spare bits: only the one spelling the shop issued is accepted
            raise CheckoutLinkRefused("tampered")
        if (
            not isinstance(payload, dict)
            or payload.get("k") != key_id
            or not isinstance(payload.get("o"), str)
            or not isinstance(payload.get("v"), int)
            or not isinstance(payload.get("e"), int)
        ):
            raise CheckoutLinkRefused("tampered")
        expires_at = dt.datetime.fromtimestamp(payload["e"], tz=dt.UTC)
        if now >= expires_at:
            raise CheckoutLinkRefused("expired")
        return CheckoutClaim(payload["o"], payload["v"], expires_at)
