// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A recipient's entry in RevenueRouter (per model and account), one slot laid out as solc lays
// out Entry:
// | bits   | field    | type    |                                                        |
// |--------|----------|---------|--------------------------------------------------------|
// | 0-31   | weight   | uint32  | in the entry's recipient set                           |
// | 32-63  | epoch    | uint32  | the recipient set it belongs to                        |
// | 64-71  | hasOwed  | bool    | `_owed` may be non-zero: claims skip reading it if not |
// | 72-255 | snapshot | uint184 | accPerWeight when last settled                         |

/// @dev A recipient's entry (one slot; read as an EntryWord on the claim path).
struct Entry {
    uint32 weight;
    uint32 epoch;
    bool hasOwed; // `_owed` is non-zero: lets claims skip reading it
    uint184 snapshot;
}

/// @dev An Entry loaded as one word.
type EntryWord is uint256;

using EntryWords for EntryWord global;

/// @title EntryWords
/// @notice Typed access to RevenueRouter's recipient entries.
library EntryWords {
    uint256 internal constant WEIGHT_OFFSET = 0;
    uint256 internal constant WEIGHT_BITS = 32;
    uint256 internal constant EPOCH_OFFSET = 32;
    uint256 internal constant EPOCH_BITS = 32;
    uint256 internal constant HAS_OWED_OFFSET = 64;
    uint256 internal constant HAS_OWED_BITS = 8;
    uint256 internal constant SNAPSHOT_OFFSET = 72;
    uint256 internal constant SNAPSHOT_BITS = 184;

    /// @dev The entry, its weight, epoch and hasOwed (what a claim decides on), one read.
    function loadMembership(Entry storage e)
        internal
        view
        returns (EntryWord w, uint32 weight_, uint32 epoch_, bool hasOwed_)
    {
        uint256 bits;
        assembly ("memory-safe") { bits := sload(e.slot) }
        w = EntryWord.wrap(bits);
        weight_ = uint32(bits >> WEIGHT_OFFSET);
        epoch_ = uint32(bits >> EPOCH_OFFSET);
        hasOwed_ = uint8(bits >> HAS_OWED_OFFSET) != 0;
    }

    function isEmpty(EntryWord w) internal pure returns (bool) {
        return EntryWord.unwrap(w) == 0;
    }

    function weight(EntryWord w) internal pure returns (uint32) {
        return uint32(EntryWord.unwrap(w) >> WEIGHT_OFFSET);
    }

    function epoch(EntryWord w) internal pure returns (uint32) {
        return uint32(EntryWord.unwrap(w) >> EPOCH_OFFSET);
    }

    function hasOwed(EntryWord w) internal pure returns (bool) {
        return uint8(EntryWord.unwrap(w) >> HAS_OWED_OFFSET) != 0;
    }

    function snapshot(EntryWord w) internal pure returns (uint184) {
        return uint184(EntryWord.unwrap(w) >> SNAPSHOT_OFFSET);
    }

    /// @dev Writes `e` as `w` with hasOwed cleared.
    function storeWithoutOwed(Entry storage e, EntryWord w) internal {
        uint256 updated = EntryWord.unwrap(w) & ~(uint256(type(uint8).max) << HAS_OWED_OFFSET);
        assembly ("memory-safe") { sstore(e.slot, updated) }
    }

    /// @dev Writes `e` after a claim: `w`'s weight and epoch, hasOwed cleared, snapshot `acc`
    /// (below 2^184).
    function storeSettled(Entry storage e, EntryWord w, uint256 acc) internal {
        uint256 updated = (EntryWord.unwrap(w) & ((uint256(1) << HAS_OWED_OFFSET) - 1)) | (acc << SNAPSHOT_OFFSET);
        assembly ("memory-safe") { sstore(e.slot, updated) }
    }
}
