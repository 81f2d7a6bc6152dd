"""Pricing as the shop does it: promotion usage from the store, an external tax engine's quote,
and a shipping rate chosen from the rates re-computed for the order as it is now."""

from __future__ import annotations

import attrs

from draftorders.errors import DraftOrdersError, ProviderError
from draftorders.order import DraftOrder
from draftorders.pricing import PricedOrder, PricingContext, price
from draftorders.promotions import PromotionUsage
from draftorders.shipping import RateSearch, find_rates
from draftorders.shop.ports import Ports
from draftorders.shop.settings import Shop
from draftorders.storage import UsageLimits
from draftorders.tax import TaxQuote, TaxRequest, TaxRequestLine

__all__ = ["Quotes", "tax_request"]


def tax_request(order: DraftOrder, untaxed: PricedOrder) -> TaxRequest:
    """What a tax engine is asked for an order priced without tax: each taxable line's net."""
    lines = tuple(
        TaxRequestLine(item.id, item.sku, item.tax_category, item.quantity, priced.net)
        for item, priced in zip(order.lines, untaxed.lines, strict=True)
        if item.taxable
    )
    return TaxRequest(
        order_id=order.id,
        currency=order.currency,
        destination=order.shipping_address or order.billing_address,
        prices_include_tax=untaxed.prices_include_tax,
        lines=lines,
        shipping=untaxed.shipping_total if order.shipping is not None else None,
    )


class Quotes:
    """Prices orders with the shop's settings and the facts only ports know: how often each
    promotion was used (the store), taxes (an external engine, if any) and shipping rates."""

    def __init__(self, shop: Shop, ports: Ports) -> None:
        self.shop = shop
        self.ports = ports

    def usage(self) -> PromotionUsage:
        """How often each promotion was used, as the store has it now."""
        with self.ports.store.unit(write=False) as unit:
            return unit.usage.usage()

    def limits(self, promotion_ids: tuple[str, ...]) -> UsageLimits:
        """The usage limits of the given promotions, for the store to check as it counts."""
        book = self.shop.context.promotions
        limits = {}
        for promotion_id in promotion_ids:
            promotion = book.get(promotion_id)
            if promotion.usage_limit is not None or promotion.usage_limit_per_customer is not None:
                limits[promotion_id] = (
                    promotion.usage_limit,
                    promotion.usage_limit_per_customer,
                )
        return limits

    def context(self, order: DraftOrder, usage: PromotionUsage | None = None) -> PricingContext:
        """The shop's context for ``order``: promotion usage (read now unless given), and the
        tax engine's quote when there is one (a failing engine raises ProviderError)."""
        context = attrs.evolve(
            self.shop.context, usage=usage if usage is not None else self.usage()
        )
        provider = self.ports.tax_provider
        exempt = order.customer is not None and order.customer.tax_exempt
        if provider is None or not order.taxes_enabled or exempt:
            return context
        untaxed = price(order, attrs.evolve(context, tax=None))
        request = tax_request(order, untaxed)
        try:
            quote = provider.quote(request)
        except DraftOrdersError:
            raise
        except Exception as error:
            raise ProviderError("tax provider", f"the quote failed: {error!r}") from error
        if not isinstance(quote, TaxQuote):
            raise ProviderError("tax provider", f"expected a TaxQuote, got {quote!r}")
        return attrs.evolve(context, tax_quote=quote.check(request))

    def price(self, order: DraftOrder, usage: PromotionUsage | None = None) -> PricedOrder:
        """``order`` priced as the shop would charge it now (a shipping rate chosen from the
        rates re-computed first, with a note when it moved; see :meth:`current`)."""
        return self.quote(order, usage)[1]

    def quote(
        self, order: DraftOrder, usage: PromotionUsage | None = None
    ) -> tuple[DraftOrder, PricedOrder]:
        """The order as it would be charged now (shipping re-computed) and its pricing."""
        current, notes = self.current(order)
        priced = price(current, self.context(current, usage))
        if notes:
            priced = attrs.evolve(priced, notes=(*notes, *priced.notes))
        return current, priced

    def current(self, order: DraftOrder) -> tuple[DraftOrder, tuple[str, ...]]:
        """A draft whose shipping was chosen from the rates, with that rate re-computed for the
        order as it is now (same version, not saved), and a note when its price moved or the
        rate is no longer offered (the last price is then kept)."""
        shipping = order.shipping
        if shipping is None or not shipping.from_rates or order.is_locked:
            return order, ()
        if not (self.shop.shipping_zones or self.ports.rate_providers):
            return order, ()
        search = self.rates(order)
        offered = {option.method: option for option in search.options}
        option = offered.get(shipping.title)
        if option is None:
            why = "; ".join(search.reasons) or "not offered"
            return order, (
                f"shipping rate {shipping.title} is no longer available ({why}); "
                f"the last price {shipping.price.amount} is kept",
            )
        if option.amount == shipping.price:
            return order, ()
        moved = attrs.evolve(order, shipping=attrs.evolve(shipping, price=option.amount))
        note = (
            f"shipping rate {shipping.title} re-computed: {shipping.price.amount} -> "
            f"{option.amount.amount} ({option.reason})"
        )
        return moved, (note,)

    def rates(self, order: DraftOrder) -> RateSearch:
        """The shipping options for ``order`` as given (saved or not), sorted by price: the
        shop's rate tables and any carrier services. Needs a shipping address."""
        untaxed = price(order, attrs.evolve(self.shop.context, tax=None))
        subtotal = untaxed.net_subtotal
        search = find_rates(order, self.shop.shipping_zones, subtotal, boxes=self.shop.boxes)
        options = list(search.options)
        for provider in self.ports.rate_providers:
            try:
                options.extend(provider.rates(order, search.packages, subtotal))
            except DraftOrdersError:
                raise
            except Exception as error:
                raise ProviderError("rate provider", f"rates failed: {error!r}") from error
        options.sort(key=lambda option: (option.amount.amount, option.method))
        return attrs.evolve(search, options=tuple(options))
