// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// RevenueRouter's book of one payment asset, one slot laid out as solc lays out AssetBook:
// | bits    | field       | type    |                                           |
// |---------|-------------|---------|-------------------------------------------|
// | 0-127   | liabilities | uint128 | everything owed in the asset (incl. fees) |
// | 128-255 | fees        | uint128 | protocol fees not yet claimed             |

/// @dev Per asset: what the router owes (recipients and treasury) and the unclaimed fees.
struct AssetBook {
    uint128 liabilities;
    uint128 fees;
}

/// @dev An AssetBook loaded as one word.
type AssetBookWord is uint256;

using AssetBookWords for AssetBookWord global;

/// @title AssetBookWords
/// @notice Typed access to RevenueRouter's per-asset books.
library AssetBookWords {
    uint256 internal constant LIABILITIES_OFFSET = 0;
    uint256 internal constant LIABILITIES_BITS = 128;
    uint256 internal constant FEES_OFFSET = 128;
    uint256 internal constant FEES_BITS = 128;

    function load(AssetBook storage b) internal view returns (AssetBookWord w) {
        assembly ("memory-safe") { w := sload(b.slot) }
    }

    function liabilities(AssetBookWord w) internal pure returns (uint128) {
        return uint128(AssetBookWord.unwrap(w) >> LIABILITIES_OFFSET);
    }

    /// @dev `liabilities -= amount` with one read and one write of the book (checked: reverts
    /// if `amount` exceeds the liabilities).
    function release(AssetBook storage b, uint256 amount) internal {
        uint256 w;
        assembly ("memory-safe") { w := sload(b.slot) }
        uint256 left = uint256(uint128(w >> LIABILITIES_OFFSET)) - amount;
        w = (w & ~(uint256(type(uint128).max) << LIABILITIES_OFFSET)) | (left << LIABILITIES_OFFSET);
        assembly ("memory-safe") { sstore(b.slot, w) }
    }
}
