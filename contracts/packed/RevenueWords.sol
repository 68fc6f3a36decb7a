// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PackedBits} from "./PackedBits.sol";

// One ModelShares account's revenue correction and flags, one word (solc's layout of Revenue):
// | bits    | field      | type   |
// |---------|------------|--------|
// | 0-247   | correction | int248 |  magnified revenue correction (see IModelShares)
// | 248-255 | flags      | uint8  |  ModelShares' _HAS_DELEGATEE / _ANNOUNCED

/// @dev Declared layout of an account's revenue slot (checked against the constants below by
/// tests/unit/toolchain/test_storage_layout.py).
struct Revenue {
    int248 correction;
    uint8 flags;
}

/// @dev An account's revenue slot loaded as one word.
type RevenueWord is uint256;

using RevenueWords for RevenueWord global;

/// @title RevenueWords
/// @notice Typed access to ModelShares' per-account correction + flags word.
library RevenueWords {
    uint256 internal constant CORRECTION_OFFSET = 0;
    uint256 internal constant CORRECTION_BITS = 248;
    uint256 internal constant FLAGS_OFFSET = 248;
    uint256 internal constant FLAGS_BITS = 8;

    function load(Revenue storage s) internal view returns (RevenueWord w) {
        assembly ("memory-safe") {
            w := sload(s.slot)
        }
    }

    function store(Revenue storage s, RevenueWord w) internal {
        assembly ("memory-safe") {
            sstore(s.slot, w)
        }
    }

    function correction(RevenueWord w) internal pure returns (int248) {
        return int248(uint248(RevenueWord.unwrap(w) >> CORRECTION_OFFSET));
    }

    function flags(RevenueWord w) internal pure returns (uint8) {
        return uint8(RevenueWord.unwrap(w) >> FLAGS_OFFSET);
    }

    function withCorrection(RevenueWord w, int248 value) internal pure returns (RevenueWord) {
        uint256 bits = uint256(uint248(value));
        return RevenueWord.wrap(PackedBits.put(RevenueWord.unwrap(w), CORRECTION_OFFSET, CORRECTION_BITS, bits));
    }

    function withFlags(RevenueWord w, uint8 value) internal pure returns (RevenueWord) {
        return RevenueWord.wrap(PackedBits.put(RevenueWord.unwrap(w), FLAGS_OFFSET, FLAGS_BITS, value));
    }
}
