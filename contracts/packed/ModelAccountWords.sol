// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A model's account in RevenueRouter: slot 0 (ModelAccountWord) holds what every payment and
// claim reads; slot 1 the cached ERC-20, read only for ERC-20 models. Laid out as solc lays
// out ModelAccount:
// | bits    | field        | type    |                                                      |
// |---------|--------------|---------|------------------------------------------------------|
// | 0-183   | accPerWeight | uint184 | revenue per unit of weight, scaled by ACC_SCALE      |
// | 184-215 | totalWeight  | uint32  | of the current recipient set (0 = none)              |
// | 216-247 | epoch        | uint32  | current recipient set                                |
// | 248-255 | assetKind    | uint8   | payment asset not cached yet / ETH / an ERC-20       |

/// @dev A model's revenue account (two slots; slot 0 is read as a ModelAccountWord).
struct ModelAccount {
    uint184 accPerWeight;
    uint32 totalWeight;
    uint32 epoch;
    uint8 assetKind; // ModelAccountWords.ASSET_UNKNOWN / ASSET_ETH / ASSET_ERC20
    address asset; // slot 1, set for ERC-20 models only
}

/// @dev Slot 0 of a ModelAccount as one word.
type ModelAccountWord is uint256;

using ModelAccountWords for ModelAccountWord global;

/// @title ModelAccountWords
/// @notice Typed access to slot 0 of RevenueRouter's model accounts.
library ModelAccountWords {
    uint256 internal constant ACC_PER_WEIGHT_OFFSET = 0;
    uint256 internal constant ACC_PER_WEIGHT_BITS = 184;
    uint256 internal constant TOTAL_WEIGHT_OFFSET = 184;
    uint256 internal constant TOTAL_WEIGHT_BITS = 32;
    uint256 internal constant EPOCH_OFFSET = 216;
    uint256 internal constant EPOCH_BITS = 32;
    uint256 internal constant ASSET_KIND_OFFSET = 248;
    uint256 internal constant ASSET_KIND_BITS = 8;

    uint8 internal constant ASSET_UNKNOWN = 0;
    uint8 internal constant ASSET_ETH = 1;
    uint8 internal constant ASSET_ERC20 = 2;

    function load(ModelAccount storage m) internal view returns (ModelAccountWord w) {
        assembly ("memory-safe") { w := sload(m.slot) }
    }

    function store(ModelAccount storage m, ModelAccountWord w) internal {
        assembly ("memory-safe") { sstore(m.slot, w) }
    }

    /// @dev Slot 0 with accPerWeight `acc` (below 2^184, checked by the caller).
    function withAccPerWeight(ModelAccountWord w, uint256 acc) internal pure returns (ModelAccountWord) {
        uint256 cleared = ModelAccountWord.unwrap(w) & ~(uint256(type(uint184).max) << ACC_PER_WEIGHT_OFFSET);
        return ModelAccountWord.wrap(cleared | (acc << ACC_PER_WEIGHT_OFFSET));
    }

    /// @dev What a claim reads: accPerWeight, the current epoch and the asset kind.
    function claimFields(ModelAccountWord w) internal pure returns (uint256 acc, uint32 epoch_, uint8 assetKind_) {
        uint256 bits = ModelAccountWord.unwrap(w);
        acc = uint184(bits >> ACC_PER_WEIGHT_OFFSET);
        epoch_ = uint32(bits >> EPOCH_OFFSET);
        assetKind_ = uint8(bits >> ASSET_KIND_OFFSET);
    }

    function accPerWeight(ModelAccountWord w) internal pure returns (uint184) {
        return uint184(ModelAccountWord.unwrap(w) >> ACC_PER_WEIGHT_OFFSET);
    }

    function totalWeight(ModelAccountWord w) internal pure returns (uint32) {
        return uint32(ModelAccountWord.unwrap(w) >> TOTAL_WEIGHT_OFFSET);
    }

    function epoch(ModelAccountWord w) internal pure returns (uint32) {
        return uint32(ModelAccountWord.unwrap(w) >> EPOCH_OFFSET);
    }

    function assetKind(ModelAccountWord w) internal pure returns (uint8) {
        return uint8(ModelAccountWord.unwrap(w) >> ASSET_KIND_OFFSET);
    }
}
