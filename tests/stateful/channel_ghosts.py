"""The ghost channel book the credits and protocol machines keep in Python.

A machine mixes in `ChannelGhosts`, sets `self.chain` and keeps `self.channels`: channel id ->
dict with at least `expiry` and `closed` (the machines add what they track besides).
"""

from hypothesis import strategies as st

from modelmint.constants import DAY

GRACE = DAY  # UsageCredits.GRACE_PERIOD: settlement closes and closing opens at expiry + GRACE
# Decisions about time windows keep this distance from every boundary: wall-clock seconds
# pass between reading the chain's time and the next transaction.
MARGIN = 300


class ChannelGhosts:
    def _now(self):
        return self.chain.pending_timestamp

    def _live(self, predicate):
        """Ids of the open channels whose ghost satisfies `predicate`."""
        return [cid for cid, c in self.channels.items() if not c["closed"] and predicate(c)]

    def _draw_settleable(self, data):
        """`(id, ghost)` of an open channel drawn by Hypothesis whose receipts still settle
        (MARGIN before its expiry + GRACE), or None when there is none."""
        now = self._now()
        live = self._live(lambda c: now < c["expiry"] + GRACE - MARGIN)
        if not live:
            return None
        cid = data.draw(st.sampled_from(live), label="channel")
        return cid, self.channels[cid]
