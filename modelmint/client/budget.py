"""The spending limit a user sets: the client never pays more for credits than this.

    >>> budget = Budget(max_value=10**15)          # in the model's payment asset (wei)
    >>> budget.reserve(credits=100, credit_value=10**12)   # raises BudgetExhausted if above
    >>> budget.remaining

The budget counts what the client pays into UsageCredits (credits bought, in the model's
payment asset); gas is not counted. Credits the consumer already holds, and credits
refunded by a closed channel, cost nothing new and are used first. ``affordable`` tells
how many credits the rest of the budget buys, so a channel is opened no larger than that.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from modelmint.client.errors import BudgetExhausted


@dataclass
class Budget:
    """``max_value``: most the client may pay in total (``None``: no limit); ``spent``:
    what it paid so far (restore it to carry a budget across runs)."""

    max_value: int | None = None
    spent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def remaining(self) -> int | None:
        return None if self.max_value is None else max(self.max_value - self.spent, 0)

    def affordable(self, credit_value: int) -> int | None:
        """Credits the remaining budget buys (``None``: unlimited)."""
        remaining = self.remaining
        return None if remaining is None else remaining // max(credit_value, 1)

    def reserve(self, credits: int, credit_value: int) -> int:
        """Records the purchase of ``credits``; ``BudgetExhausted`` (and nothing recorded)
        if it would go above the limit. Returns the value reserved."""
        value = credits * credit_value
        with self._lock:
            if self.max_value is not None and self.spent + value > self.max_value:
                raise BudgetExhausted(
                    f"buying {credits} credits costs {value}, budget left "
                    f"{self.max_value - self.spent} of {self.max_value}",
                    needed=value,
                    remaining=self.max_value - self.spent,
                    budget=self.max_value,
                )
            self.spent += value
        return value

    def release(self, value: int) -> None:
        """Gives back a reservation whose purchase did not happen."""
        with self._lock:
            self.spent -= value
