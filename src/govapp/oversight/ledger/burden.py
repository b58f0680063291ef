"""The burden formula (pure arithmetic; docs/oversight-ledger.md shows it computed by hand).

For one demand:

    responses a month (R)   once 1/12 · daily 21.75 · weekly 52/12 · monthly 1 · quarterly 1/3 ·
                            yearly 1/12
    hours a month per unit  H_unit = R × minutes per field × number of fields ÷ 60
    hours a month in total  H      = H_unit × number of grassroots units targeted
    duplicated hours        D      = R × minutes per field × duplicated fields ÷ 60 × units

21.75 is the statutory average of working days a month (劳社部发〔2008〕3号); a one-off demand
is spread over a year. A field is *duplicated* when an earlier listed demand of the same area
(the same county or a division above it) already collects the same datum: the earlier demand is
the source, the later one carries the duplicated hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

RESPONSES_PER_MONTH: dict[str, Decimal] = {
    "once": Decimal(1) / Decimal(12),
    "daily": Decimal("21.75"),
    "weekly": Decimal(52) / Decimal(12),
    "monthly": Decimal(1),
    "quarterly": Decimal(1) / Decimal(3),
    "yearly": Decimal(1) / Decimal(12),
}


@dataclass(frozen=True)
class Burden:
    per_unit_hours: Decimal
    total_hours: Decimal
    duplicated_hours: Decimal


def q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def burden_of(
    *,
    frequency: str,
    minutes_per_field: Decimal | float | int,
    fields: int,
    units: int,
    duplicated_fields: int = 0,
) -> Burden:
    """Unrounded hours a month of one demand (round only for display)."""
    r = RESPONSES_PER_MONTH.get(frequency, Decimal(1))
    m = Decimal(str(minutes_per_field))
    per_unit = r * m * Decimal(fields) / Decimal(60)
    dup = r * m * Decimal(duplicated_fields) / Decimal(60) * Decimal(units)
    return Burden(per_unit, per_unit * Decimal(units), dup)
