// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

// RevenueRouter's packed words, laid out as solc lays out their structs. A model's account:
// slot 0 (ModelAccountWord) holds what every payment and claim reads, slot 1 the cached ERC-20
// (read only for ERC-20 models). A recipient's entry (EntryWord), per model and account.
// ModelAccount, slot 0                              Entry
// | bits    | field        | type    |              | bits   | field    | type    |
// |---------|--------------|---------|              |--------|----------|---------|
// | 0-183   | accPerWeight | uint184 |              | 0-31   | weight   | uint32  |
// | 184-215 | totalWeight  | uint32  |              | 32-63  | epoch    | uint32  |
// | 216-247 | epoch        | uint32  |              | 64-71  | hasOwed  | bool    |
// | 248-255 | assetKind    | uint8   |              | 72-255 | snapshot | uint184 |
// accPerWeight: revenue per unit of weight, scaled by ACC_SCALE; totalWeight: of the current
// recipient set (0 = none); epoch: the current recipient set; assetKind: payment asset not
// cached yet / ETH / an ERC-20. An entry's weight is in the recipient set `epoch`, `hasOwed`
// says `_owed` may be non-zero (claims skip reading it if not), `snapshot` is accPerWeight
// when last settled.

/// @dev A model's revenue account (two slots; slot 0 is read as a ModelAccountWord).
struct ModelAccount {
    uint184 accPerWeight;
    uint32 totalWeight;
    uint32 epoch;
    uint8 assetKind; // RevenueRouterWords.ASSET_UNKNOWN / ASSET_ETH / ASSET_ERC20
    address asset; // slot 1, set for ERC-20 models only
}

/// @dev Slot 0 of a ModelAccount as one word.
type ModelAccountWord is uint256;

using RevenueRouterWords for ModelAccountWord global;

/// @dev A recipient's entry (one slot; read as an EntryWord on the claim path).
struct Entry {
    uint32 weight;
    uint32 epoch;
    bool hasOwed;
    uint184 snapshot;
}

/// @dev An Entry as one word.
type EntryWord is uint256;

using RevenueRouterWords for EntryWord global;

/// @dev Per asset: what the router owes (recipients and treasury, fees included) and the
/// protocol fees not yet claimed (one slot: liabilities in bits 0-127, fees in 128-255).
struct AssetBook {
    uint128 liabilities;
    uint128 fees;
}

/// @dev An AssetBook as one word.
type AssetBookWord is uint256;

using RevenueRouterWords for AssetBookWord global;

/// @notice Typed access to RevenueRouter's model accounts (slot 0), recipient entries and asset
/// books. A field without an offset constant sits at bit 0.
library RevenueRouterWords {
    uint256 internal constant TOTAL_WEIGHT_OFFSET = 184;
    uint256 internal constant EPOCH_OFFSET = 216;
    uint256 internal constant ASSET_KIND_OFFSET = 248;
    uint256 internal constant ENTRY_EPOCH_OFFSET = 32;
    uint256 internal constant ENTRY_HAS_OWED_OFFSET = 64;
    uint256 internal constant ENTRY_SNAPSHOT_OFFSET = 72;
    uint256 internal constant BOOK_FEES_OFFSET = 128;

    uint8 internal constant ASSET_UNKNOWN = 0;
    uint8 internal constant ASSET_ETH = 1;
    uint8 internal constant ASSET_ERC20 = 2;

    // prettier-ignore
    function load(ModelAccount storage m) internal view returns (ModelAccountWord w) { assembly ("memory-safe") { w := sload(m.slot) } }

    // prettier-ignore
    function store(ModelAccount storage m, ModelAccountWord w) internal { assembly ("memory-safe") { sstore(m.slot, w) } }

    /// @dev What a claim reads of a model: accPerWeight, the current epoch, the asset kind.
    function claimTerms(ModelAccountWord w) internal pure returns (uint256 acc, uint32 epoch, uint8 kind) {
        uint256 bits = ModelAccountWord.unwrap(w);
        (acc, epoch, kind) = (uint184(bits), uint32(bits >> EPOCH_OFFSET), uint8(bits >> ASSET_KIND_OFFSET));
    }

    function accPerWeight(ModelAccountWord w) internal pure returns (uint184) {
        return uint184(ModelAccountWord.unwrap(w));
    }

    function totalWeight(ModelAccountWord w) internal pure returns (uint32) {
        return uint32(ModelAccountWord.unwrap(w) >> TOTAL_WEIGHT_OFFSET);
    }

    function assetKind(ModelAccountWord w) internal pure returns (uint8) {
        return uint8(ModelAccountWord.unwrap(w) >> ASSET_KIND_OFFSET);
    }

    /// @dev Slot 0 with accPerWeight `acc` (below 2^184, checked by the caller).
    function setAccPerWeight(ModelAccountWord w, uint256 acc) internal pure returns (ModelAccountWord) {
        return ModelAccountWord.wrap((ModelAccountWord.unwrap(w) & ~uint256(type(uint184).max)) | acc);
    }

    // prettier-ignore
    function load(Entry storage s) internal view returns (EntryWord w) { assembly ("memory-safe") { w := sload(s.slot) } }

    // prettier-ignore
    function store(Entry storage s, EntryWord w) internal { assembly ("memory-safe") { sstore(s.slot, w) } }

    /// @dev What a claim reads of an entry: its weight, its recipient set and whether it may owe.
    function membership(EntryWord w) internal pure returns (uint256 weight, uint32 epoch, bool hasOwed) {
        uint256 bits = EntryWord.unwrap(w);
        (weight, epoch, hasOwed) = (
            uint32(bits),
            uint32(bits >> ENTRY_EPOCH_OFFSET),
            uint8(bits >> ENTRY_HAS_OWED_OFFSET) != 0
        );
    }

    function snapshot(EntryWord w) internal pure returns (uint184) {
        return uint184(EntryWord.unwrap(w) >> ENTRY_SNAPSHOT_OFFSET);
    }

    /// @dev `w` settled up to accPerWeight `acc` (< 2^184): its weight and epoch kept, snapshot
    /// `acc`, hasOwed cleared (one mask: weight and epoch are the low 64 bits).
    function setSnapshotAndClearHasOwed(EntryWord w, uint256 acc) internal pure returns (EntryWord) {
        return EntryWord.wrap(uint64(EntryWord.unwrap(w)) | (acc << ENTRY_SNAPSHOT_OFFSET));
    }

    /// @dev `w` with hasOwed cleared.
    function clearHasOwed(EntryWord w) internal pure returns (EntryWord) {
        return EntryWord.wrap(EntryWord.unwrap(w) & ~(uint256(type(uint8).max) << ENTRY_HAS_OWED_OFFSET));
    }

    // prettier-ignore
    function load(AssetBook storage b) internal view returns (AssetBookWord w) { assembly ("memory-safe") { w := sload(b.slot) } }

    // prettier-ignore
    function store(AssetBook storage b, AssetBookWord w) internal { assembly ("memory-safe") { sstore(b.slot, w) } }

    function liabilities(AssetBookWord w) internal pure returns (uint128) {
        return uint128(AssetBookWord.unwrap(w));
    }

    /// @dev `w` after a payment of `amount` with protocol fee `fee` (<= amount): liabilities
    /// grow by `amount` (SafeCast's error if they no longer fit 128 bits), fees by `fee` (fees
    /// <= liabilities, so they cannot overflow either).
    function addPayment(AssetBookWord w, uint256 amount, uint256 fee) internal pure returns (AssetBookWord) {
        uint256 bits = AssetBookWord.unwrap(w);
        uint256 grown = uint256(uint128(bits)) + amount;
        if (grown > type(uint128).max) revert SafeCast.SafeCastOverflowedUintDowncast(128, grown);
        unchecked {
            return AssetBookWord.wrap(bits + amount + (fee << BOOK_FEES_OFFSET));
        }
    }

    /// @dev `w` with liabilities `value` (< 2^128), the fees kept.
    function setLiabilities(AssetBookWord w, uint256 value) internal pure returns (AssetBookWord) {
        return AssetBookWord.wrap((AssetBookWord.unwrap(w) & (type(uint256).max << BOOK_FEES_OFFSET)) | value);
    }
}
