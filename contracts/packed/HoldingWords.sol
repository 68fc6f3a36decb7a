// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// An account's holding of one licence class in LicenseManager (per account, model and version
// pin), one slot laid out as solc lays out Holding:
// | bits    | field                  | type   |                                          |
// |---------|------------------------|--------|------------------------------------------|
// | 0-63    | boundCommercial        | uint64 | max expiry of non-transferable licences  |
// | 64-127  | boundPersonal          | uint64 |   "                                      |
// | 128-191 | transferableCommercial | uint64 | id of the recorded transferable licence  |
// | 192-255 | transferablePersonal   | uint64 |   " (0 = none)                           |

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

using HoldingWords for HoldingWord global;

/// @title HoldingWords
/// @notice Typed access to LicenseManager's holdings, by commercial flag.
library HoldingWords {
    uint256 internal constant BOUND_COMMERCIAL_OFFSET = 0;
    uint256 internal constant BOUND_COMMERCIAL_BITS = 64;
    uint256 internal constant BOUND_PERSONAL_OFFSET = 64;
    uint256 internal constant BOUND_PERSONAL_BITS = 64;
    uint256 internal constant TRANSFERABLE_COMMERCIAL_OFFSET = 128;
    uint256 internal constant TRANSFERABLE_COMMERCIAL_BITS = 64;
    uint256 internal constant TRANSFERABLE_PERSONAL_OFFSET = 192;
    uint256 internal constant TRANSFERABLE_PERSONAL_BITS = 64;

    function load(Holding storage h) internal view returns (HoldingWord w) {
        assembly ("memory-safe") { w := sload(h.slot) }
    }

    /// @dev The offset of a class's field: the bound expiry (non-transferable) or the recorded
    /// licence (transferable), commercial or personal. Branch-free: the personal field of each
    /// pair sits 64 bits above the commercial one, the transferable pair 128 bits above the bound
    /// pair (the layout above).
    function offsetOf(bool commercial, bool transferable) internal pure returns (uint256 offset) {
        uint256 personal;
        uint256 isTransferable;
        assembly ("memory-safe") {
            personal := iszero(commercial)
            isTransferable := transferable
        }
        unchecked {
            offset = BOUND_COMMERCIAL_OFFSET + personal * (BOUND_PERSONAL_OFFSET - BOUND_COMMERCIAL_OFFSET)
                + isTransferable * (TRANSFERABLE_COMMERCIAL_OFFSET - BOUND_COMMERCIAL_OFFSET);
        }
    }

    /// @dev The field at `offset` (from offsetOf): a bound expiry or a recorded licence id.
    function at(HoldingWord w, uint256 offset) internal pure returns (uint64) {
        return uint64(HoldingWord.unwrap(w) >> offset);
    }

    /// @dev Writes `h` as `w` with `value` at `offset` (from offsetOf).
    function storeAt(Holding storage h, HoldingWord w, uint256 offset, uint64 value) internal {
        uint256 updated = (HoldingWord.unwrap(w) & ~(uint256(type(uint64).max) << offset)) | (uint256(value) << offset);
        assembly ("memory-safe") { sstore(h.slot, updated) }
    }
}
