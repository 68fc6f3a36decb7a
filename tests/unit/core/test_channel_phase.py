"""A channel's phase by time: open, in grace (no new charges), expired, closed, unknown."""

import pytest

from modelmint.credits import Channel, ChannelPhase

CONSUMER = "0x" + "11" * 20
GATEWAY = "0x" + "22" * 20
EXPIRY, GRACE = 1_000, 100


def _channel(expiry: int = EXPIRY, deposit: int = 10) -> Channel:
    return Channel(7, CONSUMER, expiry, GATEWAY, deposit=deposit, model_id=1, settled=0)


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (EXPIRY - 1, ChannelPhase.OPEN),
        (EXPIRY, ChannelPhase.IN_GRACE),
        (EXPIRY + GRACE - 1, ChannelPhase.IN_GRACE),
        (EXPIRY + GRACE, ChannelPhase.EXPIRED),
    ],
)
def test_phase__open_channel_by_time__open_then_grace_then_expired(now, phase):
    assert _channel().phase(now, GRACE) is phase


def test_phase__closed_or_never_opened__closed_or_unknown_at_any_time():
    for now in (0, EXPIRY, EXPIRY + GRACE):
        assert _channel(expiry=0).phase(now, GRACE) is ChannelPhase.CLOSED
        # A channel never opened: the chain answers deposit 0 for its terms.
        assert _channel(expiry=0, deposit=0).phase(now, GRACE) is ChannelPhase.UNKNOWN


def test_channel_phase__members__stable_string_values():
    assert [p.value for p in ChannelPhase] == ["unknown", "open", "in_grace", "expired", "closed"]
