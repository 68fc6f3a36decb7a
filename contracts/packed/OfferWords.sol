// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ILicenseManager} from "../../interfaces/ILicenseManager.sol";

// The two slots of a stored offer (ILicenseManager.Offer) that a sale reads; slot 2 is the
// terms hash. Laid out as solc lays out the struct:
// slot 0, OfferTermsWord                   slot 1, OfferSalesWord
// | bits    | field      | type   |        | bits    | field        | type   |
// |---------|------------|--------|        |---------|--------------|--------|
// | 0-63    | modelId    | uint64 |        | 0-31    | supplyCap    | uint32 |
// | 64-159  | price      | uint96 |        | 32-63   | sold         | uint32 |
// | 160-223 | duration   | uint64 |        | 64-127  | saleEnds     | uint64 |
// | 224-255 | versionPin | uint32 |        | 128-135 | commercial   | bool   |
//                                          | 136-143 | transferable | bool   |
//                                          | 144-151 | paused       | bool   |

/// @dev Slot 0 of an offer: the model, price and licence terms.
type OfferTermsWord is uint256;
/// @dev Slot 1 of an offer: supply, sale window and flags.
type OfferSalesWord is uint256;

using OfferWords for OfferTermsWord global;
using OfferWords for OfferSalesWord global;

/// @title OfferWords
/// @notice Typed access to the sale slots of LicenseManager's offers.
library OfferWords {
    uint256 internal constant MODEL_ID_OFFSET = 0;
    uint256 internal constant MODEL_ID_BITS = 64;
    uint256 internal constant PRICE_OFFSET = 64;
    uint256 internal constant PRICE_BITS = 96;
    uint256 internal constant DURATION_OFFSET = 160;
    uint256 internal constant DURATION_BITS = 64;
    uint256 internal constant VERSION_PIN_OFFSET = 224;
    uint256 internal constant VERSION_PIN_BITS = 32;
    uint256 internal constant SUPPLY_CAP_OFFSET = 0;
    uint256 internal constant SUPPLY_CAP_BITS = 32;
    uint256 internal constant SOLD_OFFSET = 32;
    uint256 internal constant SOLD_BITS = 32;
    uint256 internal constant SALE_ENDS_OFFSET = 64;
    uint256 internal constant SALE_ENDS_BITS = 64;
    uint256 internal constant COMMERCIAL_OFFSET = 128;
    uint256 internal constant COMMERCIAL_BITS = 8;
    uint256 internal constant TRANSFERABLE_OFFSET = 136;
    uint256 internal constant TRANSFERABLE_BITS = 8;
    uint256 internal constant PAUSED_OFFSET = 144;
    uint256 internal constant PAUSED_BITS = 8;

    /// @dev Both sale slots of `o`, one read each.
    function load(ILicenseManager.Offer storage o) internal view returns (OfferTermsWord w0, OfferSalesWord w1) {
        assembly ("memory-safe") {
            w0 := sload(o.slot)
            w1 := sload(add(o.slot, 1))
        }
    }

    /// @dev Writes slot 1 of `o` as `w1` with `sold_` (< 2^32) sold.
    function storeSold(ILicenseManager.Offer storage o, OfferSalesWord w1, uint256 sold_) internal {
        uint256 w = (OfferSalesWord.unwrap(w1) & ~(uint256(type(uint32).max) << SOLD_OFFSET)) | (sold_ << SOLD_OFFSET);
        assembly ("memory-safe") { sstore(add(o.slot, 1), w) }
    }

    /// @dev What a sale checks: the model, the price, whether the offer is paused and its end.
    function saleTerms(OfferTermsWord w0, OfferSalesWord w1)
        internal
        pure
        returns (uint64 modelId_, uint96 price_, bool paused_, uint64 saleEnds_)
    {
        modelId_ = uint64(OfferTermsWord.unwrap(w0) >> MODEL_ID_OFFSET);
        price_ = uint96(OfferTermsWord.unwrap(w0) >> PRICE_OFFSET);
        paused_ = uint8(OfferSalesWord.unwrap(w1) >> PAUSED_OFFSET) != 0;
        saleEnds_ = uint64(OfferSalesWord.unwrap(w1) >> SALE_ENDS_OFFSET);
    }

    /// @dev The licence class of the offer's licences: model, version pin, commercial and
    /// transferable flags.
    function licenceClass(OfferTermsWord w0, OfferSalesWord w1)
        internal
        pure
        returns (uint64 modelId_, uint32 versionPin_, bool commercial_, bool transferable_)
    {
        modelId_ = uint64(OfferTermsWord.unwrap(w0) >> MODEL_ID_OFFSET);
        versionPin_ = uint32(OfferTermsWord.unwrap(w0) >> VERSION_PIN_OFFSET);
        commercial_ = uint8(OfferSalesWord.unwrap(w1) >> COMMERCIAL_OFFSET) != 0;
        transferable_ = uint8(OfferSalesWord.unwrap(w1) >> TRANSFERABLE_OFFSET) != 0;
    }

    /// @dev The supply cap (0 = unlimited) and the licences sold so far.
    function supply(OfferSalesWord w) internal pure returns (uint32 supplyCap_, uint32 sold_) {
        supplyCap_ = uint32(OfferSalesWord.unwrap(w) >> SUPPLY_CAP_OFFSET);
        sold_ = uint32(OfferSalesWord.unwrap(w) >> SOLD_OFFSET);
    }

    function modelId(OfferTermsWord w) internal pure returns (uint64) {
        return uint64(OfferTermsWord.unwrap(w) >> MODEL_ID_OFFSET);
    }

    function price(OfferTermsWord w) internal pure returns (uint96) {
        return uint96(OfferTermsWord.unwrap(w) >> PRICE_OFFSET);
    }

    function duration(OfferTermsWord w) internal pure returns (uint64) {
        return uint64(OfferTermsWord.unwrap(w) >> DURATION_OFFSET);
    }

    function versionPin(OfferTermsWord w) internal pure returns (uint32) {
        return uint32(OfferTermsWord.unwrap(w) >> VERSION_PIN_OFFSET);
    }

    function supplyCap(OfferSalesWord w) internal pure returns (uint32) {
        return uint32(OfferSalesWord.unwrap(w) >> SUPPLY_CAP_OFFSET);
    }

    function sold(OfferSalesWord w) internal pure returns (uint32) {
        return uint32(OfferSalesWord.unwrap(w) >> SOLD_OFFSET);
    }

    function saleEnds(OfferSalesWord w) internal pure returns (uint64) {
        return uint64(OfferSalesWord.unwrap(w) >> SALE_ENDS_OFFSET);
    }

    function commercial(OfferSalesWord w) internal pure returns (bool) {
        return uint8(OfferSalesWord.unwrap(w) >> COMMERCIAL_OFFSET) != 0;
    }

    function transferable(OfferSalesWord w) internal pure returns (bool) {
        return uint8(OfferSalesWord.unwrap(w) >> TRANSFERABLE_OFFSET) != 0;
    }

    function paused(OfferSalesWord w) internal pure returns (bool) {
        return uint8(OfferSalesWord.unwrap(w) >> PAUSED_OFFSET) != 0;
    }
}
