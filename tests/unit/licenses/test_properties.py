"""Property tests: expiry arithmetic, and both validity views against a Python model across
random purchases, transfers, renewals and time jumps."""

from dataclasses import dataclass

import ape
import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st
from license_helpers import MAX_DURATION, PERPETUAL, PRICE, isolated

from modelmint.constants import DAY

LATEST = 2  # eth_model has versions 1 and 2


# ------------------------------------------------------------------ expiry arithmetic


@given(
    duration=st.integers(min_value=1, max_value=MAX_DURATION),
    gaps=st.lists(st.integers(min_value=1, max_value=3 * MAX_DURATION), min_size=1, max_size=4),
)
def test_renew__random_durations_and_times__expiry_is_max_now_expiry_plus_duration(
    chain, manager, create_offer, eth_model, licensee, duration, gaps
):
    with isolated(chain):
        offer_id = create_offer(eth_model, duration=duration)
        tx = manager.purchase(offer_id, licensee, PRICE, value=PRICE, sender=licensee)
        license_id = tx.return_value
        expected = tx.timestamp + duration
        assert manager.license(license_id).expiry == expected
        for gap in gaps:
            at = chain.blocks.head.timestamp + gap
            chain.pending_timestamp = at
            tx = manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
            assert tx.timestamp == at
            previous, expected = expected, max(at, expected) + duration
            note(f"renew at {at}: {previous} -> {expected}")
            assert tx.return_value == expected
            assert manager.license(license_id).expiry == expected
            [ev] = tx.decode_logs(manager.LicenseRenewed)
            assert (ev.previousExpiry, ev.newExpiry) == (previous, expected)
            assert expected > previous  # expiry never decreases


# ------------------------------------------------------------------ validity vs model


@dataclass(frozen=True)
class OfferSpec:
    duration: int
    transferable: bool
    commercial: bool
    pin: int


SPECS = (
    OfferSpec(10 * DAY, False, False, 0),
    OfferSpec(15 * DAY, True, True, 0),
    OfferSpec(7 * DAY, True, False, 1),
    OfferSpec(0, True, True, 2),
    OfferSpec(20 * DAY, False, True, 1),
    OfferSpec(5 * DAY, True, True, 0),  # same class as SPECS[1]
)


@dataclass
class LicenseModel:
    spec: OfferSpec
    owner: str
    expiry: int

    def valid(self, account, now, commercial_required, version):
        version = version or LATEST
        return (
            self.owner == account
            and now < self.expiry
            and (self.spec.commercial or not commercial_required)
            and self.spec.pin in (0, version)
        )


@pytest.fixture(scope="module")
def model_offers(create_offer, eth_model):
    return [
        create_offer(
            eth_model,
            duration=s.duration,
            transferable=s.transferable,
            commercial=s.commercial,
            version_pin=s.pin,
        )
        for s in SPECS
    ]


buy_action = st.tuples(st.just("buy"), st.integers(0, len(SPECS) - 1), st.integers(0, 2))
action = st.one_of(
    buy_action,
    st.tuples(st.just("transfer"), st.integers(0, 20), st.integers(0, 2)),
    st.tuples(st.just("transfer"), st.integers(0, 20), st.integers(0, 2)),
    st.tuples(st.just("renew"), st.integers(0, 20), st.integers(0, 2)),
    st.tuples(st.just("warp"), st.integers(1, 25 * DAY), st.just(0)),
)
# Start from a few purchases so that transfers, renewals and expiries have something to act on.
history = st.tuples(st.lists(buy_action, min_size=2, max_size=3), st.lists(action, max_size=7)).map(
    lambda t: t[0] + t[1]
)


def _arrive(recorded, licenses, account, lid):
    """The recording rule: a transferable license arriving at (or renewed by) `account` is
    recorded for its class when the slot is empty or the recorded one expires earlier."""
    lic = licenses[lid]
    key = (account, lic.spec.commercial, lic.spec.pin)
    held = recorded.get(key)
    if held is None or licenses[held].expiry < lic.expiry:
        recorded[key] = lid


@given(actions=history)
@example(actions=[("buy", 1, 0), ("buy", 2, 1), ("transfer", 0, 1), ("transfer", 1, 0)])
@example(
    actions=[("buy", 0, 0), ("buy", 4, 1), ("renew", 0, 2), ("renew", 1, 0), ("warp", 15 * DAY, 0)]
)
def test_validity_views__random_histories__match_python_model(
    chain, manager, eth_model, model_offers, licensee, consumer, holder, actions
):
    actors = [licensee, consumer, holder]
    with isolated(chain):
        licenses: dict[int, LicenseModel] = {}
        recorded: dict[tuple, int] = {}  # (account, commercial, pin) -> recorded license
        for kind, a, b in actions:
            ids = sorted(licenses)
            if kind == "buy":
                spec, recipient = SPECS[a], actors[b]
                note(f"buy offer {a} for actor {b}")
                tx = manager.purchase(
                    model_offers[a], recipient, PRICE, value=PRICE, sender=recipient
                )
                expiry = PERPETUAL if spec.duration == 0 else tx.timestamp + spec.duration
                licenses[tx.return_value] = LicenseModel(spec, recipient.address, expiry)
                if spec.transferable:
                    _arrive(recorded, licenses, recipient.address, tx.return_value)
            elif kind == "transfer" and ids:
                lid = ids[a % len(ids)]
                lic, to = licenses[lid], actors[b]
                sender = next(x for x in actors if x.address == lic.owner)
                note(f"transfer {lid:#x} from {sender.address[:8]} to actor {b}")
                if not lic.spec.transferable:
                    with ape.reverts(manager.LicenseManagerNonTransferable, licenseId=lid):
                        manager.transferFrom(sender, to, lid, sender=sender)
                    continue
                manager.transferFrom(sender, to, lid, sender=sender)
                key = (lic.owner, lic.spec.commercial, lic.spec.pin)
                if recorded.get(key) == lid:
                    del recorded[key]
                lic.owner = to.address
                _arrive(recorded, licenses, lic.owner, lid)
            elif kind == "renew" and ids:
                lid = ids[a % len(ids)]
                lic, payer = licenses[lid], actors[b]
                note(f"renew {lid:#x} paid by actor {b}")
                if lic.spec.duration == 0:
                    with ape.reverts(manager.LicenseManagerPerpetual, licenseId=lid):
                        manager.renew(lid, PRICE, value=PRICE, sender=payer)
                    continue
                tx = manager.renew(lid, PRICE, value=PRICE, sender=payer)
                lic.expiry = max(tx.timestamp, lic.expiry) + lic.spec.duration
                if lic.spec.transferable:
                    _arrive(recorded, licenses, lic.owner, lid)
            elif kind == "warp":
                note(f"warp {a} s")
                chain.mine(1, timestamp=chain.blocks.head.timestamp + a)

            now = chain.blocks.head.timestamp
            for lid, lic in licenses.items():
                assert manager.ownerOf(lid) == lic.owner
                assert manager.license(lid).expiry == lic.expiry
                assert manager.isLicenseValid(lid, lic.owner, lic.spec.commercial, 0) == lic.valid(
                    lic.owner, now, lic.spec.commercial, 0
                )
            for actor in actors:
                for commercial in (False, True):
                    for version in (0, 1, 2):
                        expected = any(
                            lic.valid(actor.address, now, commercial, version)
                            and (
                                not lic.spec.transferable
                                or recorded.get((lic.owner, lic.spec.commercial, lic.spec.pin))
                                == lid
                            )
                            for lid, lic in licenses.items()
                        )
                        got = manager.hasValidLicense(actor, eth_model, commercial, version)
                        assert got == expected, (actor.address, commercial, version, now)
