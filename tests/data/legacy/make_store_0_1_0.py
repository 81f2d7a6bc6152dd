"""Write tests/data/store-0.1.0.sqlite with the 0.1.0 SqlStore: drafts, a sent order, completed
orders with transactions (sale, authorization+capture, manual, refund, pending, declined), and
promotion usage."""
import datetime as dt
import sys
from decimal import Decimal

from draftorders import (Address, Cashier, Catalog, Customer, DraftOrderService, FixedClock,
                         ManualDiscount, Money, Product, PricingContext)
from draftorders.invoice import Party
from draftorders.payments import FakeGateway, ManualMethod
from draftorders.promotions import PromotionBook, Promotion
from draftorders.storage.sql import SqlStore

usd = lambda s: Money(Decimal(s), "USD")
catalog = Catalog.of(Product(sku="MUG", title="Mug", price=usd("12.99")),
                     Product(sku="TEA", title="Tea", price=usd("7.49")))
clock = FixedClock(dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC))
ada = Customer(id="C1", name="Ada Lovelace", email="ada@example.com",
               addresses=[Address(country="US", region="NY", city="New York", line1="1 Main St")])
grace = Customer(id="C2", name="Grace Hopper", email="grace@example.com")
store = SqlStore(f"sqlite:///{sys.argv[1]}", clock=clock)
shop = DraftOrderService(catalog, store=store, clock=clock,
                         seller=Party(name="Tea & Mugs Co.", email="billing@teamugs.example"),
                         attach_pdf=False)
cashier = Cashier(shop, FakeGateway())
# D1: a draft
d1 = shop.create(customer=ada, order_date=dt.date(2026, 11, 2))
shop.edit(d1.id, lambda o: o.add_product(catalog, "MUG", 2), lambda o: o.set_notes("fragile"))
# D2: sent invoice, with a deposit
d2 = shop.create(customer=grace, order_date=dt.date(2026, 11, 3))
shop.edit(d2.id, lambda o: o.add_product(catalog, "TEA", 6),
          lambda o: o.set_line_discount("L1", ManualDiscount.percent("10")))
shop.send_invoice(d2.id)
cashier.record_payment(d2.id, usd("10.00"), method=ManualMethod.CHECK, reference="CHK-101")
# D3: paid by card, then partly refunded
d3 = shop.create(customer=ada, order_date=dt.date(2026, 11, 4))
shop.edit(d3.id, lambda o: o.add_product(catalog, "MUG", 1), lambda o: o.add_product(catalog, "TEA", 1))
p = cashier.charge(d3.id, "tok_visa")
cashier.refund(d3.id, p.transaction.id, usd("5.00"), reason="chipped")
# D4: declined then authorized and captured
d4 = shop.create(order_date=dt.date(2026, 11, 5))
shop.edit(d4.id, lambda o: o.add_custom_item("Engraving", Decimal("5.00")))
cashier.charge(d4.id, "tok_chargeDeclined")
a = cashier.authorize(d4.id, token="tok_visa")
cashier.capture(d4.id, a.transaction.id)
# D5: a pending payment
d5 = shop.create(customer=grace, order_date=dt.date(2026, 11, 6))
shop.edit(d5.id, lambda o: o.add_product(catalog, "TEA", 2))
cashier.charge(d5.id, "tok_pending")
# D6: completed unpaid
d6 = shop.create(order_date=dt.date(2026, 11, 7))
shop.edit(d6.id, lambda o: o.add_product(catalog, "MUG", 3))
shop.accept_payment(d6.id)
store.record_usage(["SPRING10"], "C1")
store.record_usage(["SPRING10"], None)
store.close()
print("written", [o.id for o in [d1, d2, d3, d4, d5, d6]])
