"""A loan's repayment schedule, month by month, in whole đồng.

The loan is paid out at the start of month 1. Each month's interest is the balance owed at the
start of the month times the yearly rate / 12, rounded to the đồng (half up). During the grace
period only interest is paid. Then, over the remaining months:

- **equal principal** (trả gốc đều): the same share of the principal each month, interest on what
  is still owed, so payments fall month by month;
- **annuity** (trả góp đều): the same payment each month, ``P·i / (1 − (1 + i)^−n)``, of which the
  interest is paid first and the rest repays principal.

The last month repays whatever rounding left, so the principal paid always adds up to the loan.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ONE = Decimal(1)


def dong(value: Decimal) -> Decimal:
    """Rounded to the whole đồng, halves up (as a bank statement shows it)."""
    return value.quantize(ONE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Month:
    number: int
    opening: Decimal
    principal: Decimal
    interest: Decimal

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest

    @property
    def closing(self) -> Decimal:
        return self.opening - self.principal


def schedule(amount: Decimal, yearly_rate_percent: Decimal, term: int, grace: int, method: str) -> list[Month]:
    """Every month of the loan (see the module)."""
    rate = yearly_rate_percent / Decimal(100) / Decimal(12)
    repaying = term - grace
    level_payment = None
    if method == "annuity":
        level_payment = dong(amount / repaying if rate == 0 else amount * rate / (ONE - (ONE + rate) ** -repaying))
    level_principal = dong(amount / repaying)
    months: list[Month] = []
    owed = amount
    for number in range(1, term + 1):
        interest = dong(owed * rate)
        if number <= grace:
            principal = Decimal(0)
        elif number == term:
            principal = owed
        elif level_payment is not None:
            principal = min(owed, max(Decimal(0), level_payment - interest))
        else:
            principal = min(owed, level_principal)
        months.append(Month(number, owed, principal, interest))
        owed -= principal
    return months
