// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PackedBits} from "./PackedBits.sol";

// ModelShares' supply and observed revenue, one word (solc's layout of Totals):
// | bits    | field       | type    |
// |---------|-------------|---------|
// | 0-95    | supply      | uint96  |
// | 96-127  | supplyBlock | uint32  |  block of the supply's last change
// | 128-247 | observed    | uint120 |  revenue routed to the token that a claim or sync has seen
// | 248-255 | flags       | uint8   |  ModelShares' _HAS_BASE

/// @dev Declared layout of the totals slot (checked against the constants below by
/// tests/unit/toolchain/test_storage_layout.py).
struct Totals {
    uint96 supply;
    uint32 supplyBlock;
    uint120 observed;
    uint8 flags;
}

/// @dev The totals slot loaded as one word.
type TotalsWord is uint256;

using TotalsWords for TotalsWord global;

/// @title TotalsWords
/// @notice Typed access to ModelShares' supply + observed revenue word.
library TotalsWords {
    uint256 internal constant SUPPLY_OFFSET = 0;
    uint256 internal constant SUPPLY_BITS = 96;
    uint256 internal constant SUPPLY_BLOCK_OFFSET = 96;
    uint256 internal constant SUPPLY_BLOCK_BITS = 32;
    uint256 internal constant OBSERVED_OFFSET = 128;
    uint256 internal constant OBSERVED_BITS = 120;
    uint256 internal constant FLAGS_OFFSET = 248;
    uint256 internal constant FLAGS_BITS = 8;

    function load(Totals storage s) internal view returns (TotalsWord w) {
        assembly ("memory-safe") {
            w := sload(s.slot)
        }
    }

    function store(Totals storage s, TotalsWord w) internal {
        assembly ("memory-safe") {
            sstore(s.slot, w)
        }
    }

    function pack(uint96 supply_, uint32 supplyBlock_) internal pure returns (TotalsWord) {
        return TotalsWord.wrap((uint256(supply_) << SUPPLY_OFFSET) | (uint256(supplyBlock_) << SUPPLY_BLOCK_OFFSET));
    }

    function supply(TotalsWord w) internal pure returns (uint96) {
        return uint96(TotalsWord.unwrap(w) >> SUPPLY_OFFSET);
    }

    function supplyBlock(TotalsWord w) internal pure returns (uint32) {
        return uint32(TotalsWord.unwrap(w) >> SUPPLY_BLOCK_OFFSET);
    }

    function observed(TotalsWord w) internal pure returns (uint120) {
        return uint120(TotalsWord.unwrap(w) >> OBSERVED_OFFSET);
    }

    function flags(TotalsWord w) internal pure returns (uint8) {
        return uint8(TotalsWord.unwrap(w) >> FLAGS_OFFSET);
    }

    function withSupply(TotalsWord w, uint96 value) internal pure returns (TotalsWord) {
        return TotalsWord.wrap(PackedBits.put(TotalsWord.unwrap(w), SUPPLY_OFFSET, SUPPLY_BITS, value));
    }

    function withSupplyBlock(TotalsWord w, uint32 value) internal pure returns (TotalsWord) {
        return TotalsWord.wrap(PackedBits.put(TotalsWord.unwrap(w), SUPPLY_BLOCK_OFFSET, SUPPLY_BLOCK_BITS, value));
    }

    function withObserved(TotalsWord w, uint120 value) internal pure returns (TotalsWord) {
        return TotalsWord.wrap(PackedBits.put(TotalsWord.unwrap(w), OBSERVED_OFFSET, OBSERVED_BITS, value));
    }

    function withFlags(TotalsWord w, uint8 value) internal pure returns (TotalsWord) {
        return TotalsWord.wrap(PackedBits.put(TotalsWord.unwrap(w), FLAGS_OFFSET, FLAGS_BITS, value));
    }
}
