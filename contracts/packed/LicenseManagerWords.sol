// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILicenseManager} from "../../interfaces/ILicenseManager.sol";

// LicenseManager's packed words, laid out as solc lays out their structs. An offer
// (ILicenseManager.Offer): slot 0 (OfferTermsWord) and slot 1 (OfferSalesWord) are what a sale
// reads, slot 2 is the terms hash. A holding (HoldingWord): one slot per account, model and
// version pin.
// Offer, slot 0                            Offer, slot 1
// | bits    | field      | type   |        | bits    | field        | type   |
// |---------|------------|--------|        |---------|--------------|--------|
// | 0-63    | modelId    | uint64 |        | 0-31    | supplyCap    | uint32 |
// | 64-159  | price      | uint96 |        | 32-63   | sold         | uint32 |
// | 160-223 | duration   | uint64 |        | 64-127  | saleEnds     | uint64 |
// | 224-255 | versionPin | uint32 |        | 128-135 | commercial   | bool   |
//                                          | 136-143 | transferable | bool   |
// Holding                                  | 144-151 | paused       | bool   |
// | bits    | field                  | type   |
// |---------|------------------------|--------|
// | 0-63    | boundCommercial        | uint64 |  max expiry of non-transferable licenses
// | 64-127  | boundPersonal          | uint64 |    "
// | 128-191 | transferableCommercial | uint64 |  id of the recorded transferable license
// | 192-255 | transferablePersonal   | uint64 |    " (0 = none)

/// @dev Per (account, model, version pin): for each commercial flag, the max expiry of the
/// non-transferable licenses held (exact: they never leave, expiry never decreases) and the
/// id of the one transferable license held (0 = none). One slot.
struct Holding {
    uint64 boundCommercial;
    uint64 boundPersonal;
    uint64 transferableCommercial;
    uint64 transferablePersonal;
}

/// @dev A Holding loaded as one word.
type HoldingWord is uint256;

using LicenseManagerWords for HoldingWord global;

/// @dev Slot 0 of an offer (ILicenseManager.Offer): the model, price and license terms.
type OfferTermsWord is uint256;

using LicenseManagerWords for OfferTermsWord global;

/// @dev Slot 1 of an offer: supply, sale window and flags.
type OfferSalesWord is uint256;

using LicenseManagerWords for OfferSalesWord global;

/// @notice Typed access to the sale slots of LicenseManager's offers and to its holdings. A
/// field without an offset constant sits at bit 0.
library LicenseManagerWords {
    uint256 internal constant PRICE_OFFSET = 64;
    uint256 internal constant DURATION_OFFSET = 160;
    uint256 internal constant VERSION_PIN_OFFSET = 224;
    uint256 internal constant SOLD_OFFSET = 32;
    uint256 internal constant SALE_ENDS_OFFSET = 64;
    uint256 internal constant COMMERCIAL_OFFSET = 128;
    uint256 internal constant TRANSFERABLE_OFFSET = 136;
    uint256 internal constant PAUSED_OFFSET = 144;
    uint256 internal constant BOUND_PERSONAL_OFFSET = 64;
    uint256 internal constant TRANSFERABLE_COMMERCIAL_OFFSET = 128;
    uint256 internal constant TRANSFERABLE_PERSONAL_OFFSET = 192;

    // ----------------------------------------------------------------- Offer
    /// @dev Both sale slots of `o`, one read each.
    function load(ILicenseManager.Offer storage o) internal view returns (OfferTermsWord w0, OfferSalesWord w1) {
        assembly ("memory-safe") {
            w0 := sload(o.slot)
            w1 := sload(add(o.slot, 1))
        }
    }

    /// @dev Writes slot 1 of `o` (the sales word).
    // prettier-ignore
    function store(ILicenseManager.Offer storage o, OfferSalesWord w1) internal { assembly ("memory-safe") { sstore(add(o.slot, 1), w1) } }

    /// @dev What a sale checks: the model, the price, whether the offer is paused and its end.
    function saleTerms(
        OfferTermsWord w0,
        OfferSalesWord w1
    ) internal pure returns (uint64 modelId_, uint96 price_, bool paused_, uint64 saleEnds_) {
        (uint256 a, uint256 b) = (OfferTermsWord.unwrap(w0), OfferSalesWord.unwrap(w1));
        (modelId_, price_) = (uint64(a), uint96(a >> PRICE_OFFSET));
        (paused_, saleEnds_) = (uint8(b >> PAUSED_OFFSET) != 0, uint64(b >> SALE_ENDS_OFFSET));
    }

    /// @dev The license class of the offer's licenses: model, version pin, commercial and
    /// transferable flags.
    function licenseClass(
        OfferTermsWord w0,
        OfferSalesWord w1
    ) internal pure returns (uint64 modelId_, uint32 versionPin_, bool commercial_, bool transferable_) {
        uint256 flags = OfferSalesWord.unwrap(w1);
        modelId_ = uint64(OfferTermsWord.unwrap(w0));
        versionPin_ = uint32(OfferTermsWord.unwrap(w0) >> VERSION_PIN_OFFSET);
        commercial_ = uint8(flags >> COMMERCIAL_OFFSET) != 0;
        transferable_ = uint8(flags >> TRANSFERABLE_OFFSET) != 0;
    }

    /// @dev The supply cap (0 = unlimited) and the licenses sold so far.
    function supply(OfferSalesWord w) internal pure returns (uint32 supplyCap_, uint32 sold_) {
        (supplyCap_, sold_) = (uint32(OfferSalesWord.unwrap(w)), uint32(OfferSalesWord.unwrap(w) >> SOLD_OFFSET));
    }

    function modelId(OfferTermsWord w) internal pure returns (uint64) {
        return uint64(OfferTermsWord.unwrap(w));
    }

    function duration(OfferTermsWord w) internal pure returns (uint64) {
        return uint64(OfferTermsWord.unwrap(w) >> DURATION_OFFSET);
    }

    function transferable(OfferSalesWord w) internal pure returns (bool) {
        return uint8(OfferSalesWord.unwrap(w) >> TRANSFERABLE_OFFSET) != 0;
    }

    /// @dev Slot 1 with `sold_` (< 2^32) licenses sold, the other fields kept.
    function setSold(OfferSalesWord w, uint256 sold_) internal pure returns (OfferSalesWord) {
        uint256 cleared = OfferSalesWord.unwrap(w) & ~(uint256(type(uint32).max) << SOLD_OFFSET);
        return OfferSalesWord.wrap(cleared | (sold_ << SOLD_OFFSET));
    }

    // --------------------------------------------------------------- Holding
    // prettier-ignore
    function load(Holding storage h) internal view returns (HoldingWord w) { assembly ("memory-safe") { w := sload(h.slot) } }

    // prettier-ignore
    function store(Holding storage h, HoldingWord w) internal { assembly ("memory-safe") { sstore(h.slot, w) } }

    /// @dev The offset of a class's field: the bound expiry (non-transferable) or the recorded
    /// license (transferable), commercial or personal. Branch-free: the personal field of each
    /// pair sits BOUND_PERSONAL_OFFSET above the commercial one, the transferable pair
    /// TRANSFERABLE_COMMERCIAL_OFFSET above the bound pair (the layout above).
    function offsetOf(bool commercial, bool transferable_) internal pure returns (uint256 offset) {
        uint256 personal;
        uint256 isTransferable;
        assembly ("memory-safe") {
            personal := iszero(commercial)
            isTransferable := transferable_
        }
        unchecked {
            offset = personal * BOUND_PERSONAL_OFFSET + isTransferable * TRANSFERABLE_COMMERCIAL_OFFSET;
        }
    }

    /// @dev The field at `offset` (from offsetOf): a bound expiry or a recorded license id.
    function at(HoldingWord w, uint256 offset) internal pure returns (uint64) {
        return uint64(HoldingWord.unwrap(w) >> offset);
    }

    /// @dev `w` with `value` at `offset` (from offsetOf).
    function setAt(HoldingWord w, uint256 offset, uint64 value) internal pure returns (HoldingWord) {
        uint256 cleared = HoldingWord.unwrap(w) & ~(uint256(type(uint64).max) << offset);
        return HoldingWord.wrap(cleared | (uint256(value) << offset));
    }
}
