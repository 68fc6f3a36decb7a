"""LicenseManager's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import buy_license, head_time, new_offer, offer_params, wrong_caller
from bad_inputs.model import Z32, Call, Case, unknown_id, wrong_value
from bad_inputs.tokens import erc721_cases, non_transferable_cases
from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO


def lic(e):
    return e.c("LicenseManager")


def offer(e):
    return e.ids["offer"]


PRICE = 10**15


def create(label, error, model=None, sender=None, **kw):
    def build(e, d):
        model_id = model(e, d) if model else e.ids["model"]
        params = {k: (v(e, d) if callable(v) else v) for k, v in kw.items()}
        return Call(
            lic(e),
            "createOffer",
            (offer_params(model_id, **params),),
            sender(e, d) if sender else e.model_owner,
        )

    return Case(label, error, build)


def owner_only(method, args):
    return [
        Case(
            "unknown offer",
            "LicenseManagerUnknownOffer",
            lambda e, d: Call(lic(e), method, (d(unknown_id), *args), e.model_owner),
        ),
        Case(
            "wrong caller (not the model owner)",
            "LicenseManagerNotModelOwner",
            lambda e, d: Call(lic(e), method, (offer(e), *args), wrong_caller(d, e, e.model_owner)),
        ),
    ]


def renew_case(label, error, setup, max_price=lambda e, d: PRICE, value=lambda e, d: PRICE):
    def build(e, d):
        lid = setup(e, d)
        return Call(lic(e), "renew", (lid, max_price(e, d)), e.licensee, value(e, d))

    return Case(label, error, build)


def perpetual(e, d):
    return buy_license(e, new_offer(e, duration=0), e.licensee)


def paused_offer(e, d):
    lic(e).setOfferPaused(offer(e), True, sender=e.model_owner)
    return offer(e)


def sold_out(e, d):
    o = new_offer(e, cap=1)
    buy_license(e, o, e.holder)
    return o


def ended(e, d):
    o = new_offer(e, ends=e.chain.pending_timestamp + 100)
    e.chain.pending_timestamp += 100 + d(st.integers(0, 10**6), label="after")
    e.chain.mine()  # the revert data is read with an eth_call at the latest block
    return o


def purchase(label, error, offer_of=offer, recipient=None, max_price=None, value=None):
    def build(e, d):
        o = offer_of(e, d) if offer_of is not offer else offer(e)
        to = recipient(e, d) if recipient else e.licensee
        mp = max_price(e, d) if max_price else PRICE
        v = value(e, d) if value else PRICE
        return Call(lic(e), "purchase", (o, to, mp), e.licensee, v)

    return Case(label, error, build)


def licenses_cases() -> dict:
    return {
        "createOffer((uint256,uint96,uint64,uint32,uint64,uint32,bool,bool,string,bytes32))": [
            create("unknown model", "LicenseManagerUnknownModel", model=lambda e, d: d(unknown_id)),
            create(
                "wrong caller (not the model owner)",
                "LicenseManagerNotModelOwner",
                sender=lambda e, d: wrong_caller(d, e, e.model_owner),
            ),
            create("zero terms hash", "LicenseManagerZeroTermsHash", terms=Z32),
            create(
                "duration above 100 years",
                "LicenseManagerDurationTooLong",
                duration=lambda e, d: d(
                    st.integers(100 * 365 * DAY + 1, 2**64 - 1), label="duration"
                ),
            ),
            create(
                "sale end in the past",
                "LicenseManagerInvalidSaleEnd",
                ends=lambda e, d: d(st.integers(1, head_time(e)), label="ends"),
            ),
            create(
                "version pin above the latest version",
                "LicenseManagerUnknownVersion",
                pin=lambda e, d: d(st.integers(2, 2**32 - 1), label="pin"),
            ),
        ],
        "setOfferPrice(uint256,uint96)": owner_only("setOfferPrice", (1,)),
        "setOfferPaused(uint256,bool)": owner_only("setOfferPaused", (True,)),
        "purchase(uint256,address,uint256)": [
            purchase("zero recipient", "LicenseManagerZeroAddress", recipient=lambda e, d: ZERO),
            purchase(
                "unknown offer", "LicenseManagerUnknownOffer", offer_of=lambda e, d: d(unknown_id)
            ),
            purchase(
                "max price below the price",
                "LicenseManagerPriceAboveMax",
                max_price=lambda e, d: d(st.integers(0, PRICE - 1), label="maxPrice"),
            ),
            purchase(
                "wrong msg.value",
                "LicenseManagerWrongPayment",
                value=lambda e, d: d(wrong_value(PRICE), label="value"),
            ),
            purchase("offer paused", "LicenseManagerOfferPaused", offer_of=paused_offer),
            purchase("supply exhausted", "LicenseManagerSupplyExhausted", offer_of=sold_out),
            purchase("sale ended", "LicenseManagerOfferEnded", offer_of=ended),
        ],
        "renew(uint256,uint256)": [
            renew_case(
                "unknown license", "LicenseManagerUnknownLicense", lambda e, d: d(unknown_id)
            ),
            renew_case("perpetual license", "LicenseManagerPerpetual", perpetual),
            renew_case(
                "max price below the price",
                "LicenseManagerPriceAboveMax",
                lambda e, d: e.ids["license"],
                max_price=lambda e, d: d(st.integers(0, PRICE - 1), label="maxPrice"),
            ),
            renew_case(
                "wrong msg.value",
                "LicenseManagerWrongPayment",
                lambda e, d: e.ids["license"],
                value=lambda e, d: d(wrong_value(PRICE), label="value"),
            ),
        ],
        "recordLicense(uint256)": [
            Case(
                "unknown license",
                "LicenseManagerUnknownLicense",
                lambda e, d: Call(lic(e), "recordLicense", (d(unknown_id),), e.attacker),
            ),
            Case(
                "non-transferable license",
                "LicenseManagerNonTransferable",
                lambda e, d: Call(lic(e), "recordLicense", (e.ids["license"],), e.attacker),
            ),
        ],
        **erc721_cases(
            "LicenseManager",
            "license",
            lambda e: e.licensee,
            extra=(lambda m, tail: non_transferable_cases(m, tail),),
        ),
    }
