"""ChannelTerms.mismatch: the one check (and wording) that a channel id is the id of its terms,
shared by the gateway's ledger and relay and by the client's receipt book."""

from __future__ import annotations

from modelmint.credits import ChannelTerms

CONSUMER = "0x" + "11" * 20
GATEWAY = "0x" + "22" * 20


def test_mismatch__the_id_of_the_terms__none():
    terms = ChannelTerms(CONSUMER, GATEWAY, 7, 3)
    assert terms.mismatch(terms.channel_id) is None


def test_mismatch__another_salts_id__names_both_ids_and_every_term():
    terms = ChannelTerms(CONSUMER, GATEWAY, 7, 3)
    other = ChannelTerms(CONSUMER, GATEWAY, 7, 4).channel_id
    why = terms.mismatch(other)
    assert why is not None
    for part in (
        str(other),
        str(terms.channel_id),
        terms.consumer,
        terms.gateway,
        "model 7",
        "salt 3",
    ):
        assert part in why


def test_mismatch__lowercase_and_checksummed_consumer__same_terms():
    lower = ChannelTerms(CONSUMER.lower(), GATEWAY, 7, 0)
    mixed = ChannelTerms(lower.consumer, GATEWAY.upper().replace("0X", "0x"), 7, 0)
    assert lower.mismatch(mixed.channel_id) is None
