// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../interfaces/IModelRegistry.sol";

// A model's record: the 96 data bits of its token's owner slot in ModelRegistry (ERC721Packed
// keeps them above the owner address), laid out as solc lays out ModelRecord:
// | bits  | field        | type   |                                                        |
// |-------|--------------|--------|--------------------------------------------------------|
// | 0-31  | versionCount | uint32 | latest version                                         |
// | 32-39 | status       | uint8  | IModelRegistry.ModelStatus                             |
// | 40-47 | flags        | uint8  | bit 0 (40) flagged by governance, bit 1 (41) ERC-20 asset |
// | 48-87 | registeredAt | uint40 |                                                        |
// | 88-95 | ownerEpoch   | uint8  | +1 at every transfer of the model token, wraps at 256  |
// The ERC-20 flag says whether the model's payment asset has its own slot to read.

/// @dev Declared layout of a model's record (never stored as a struct: see above).
struct ModelRecord {
    uint32 versionCount;
    uint8 status;
    uint8 flags;
    uint40 registeredAt;
    uint8 ownerEpoch;
}

/// @dev A model's record as ERC721Packed's 96-bit token data.
type ModelRecordWord is uint96;

using ModelRecordWords for ModelRecordWord global;

/// @title ModelRecordWords
/// @notice Typed access to the model record ModelRegistry keeps in its token data.
library ModelRecordWords {
    uint256 internal constant VERSION_COUNT_OFFSET = 0;
    uint256 internal constant VERSION_COUNT_BITS = 32;
    uint256 internal constant STATUS_OFFSET = 32;
    uint256 internal constant STATUS_BITS = 8;
    uint256 internal constant FLAGS_OFFSET = 40;
    uint256 internal constant FLAGS_BITS = 8;
    uint256 internal constant REGISTERED_AT_OFFSET = 48;
    uint256 internal constant REGISTERED_AT_BITS = 40;
    uint256 internal constant OWNER_EPOCH_OFFSET = 88;
    uint256 internal constant OWNER_EPOCH_BITS = 8;
    uint96 private constant _FLAGGED = uint96(1) << FLAGS_OFFSET;
    uint96 private constant _ERC20_ASSET = uint96(1) << (FLAGS_OFFSET + 1);

    /// @dev A new model's record: version 1, Active, not flagged, ETH-priced, owner epoch 0.
    function newRecord(uint256 registeredAt_) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap(
            (uint96(1) << VERSION_COUNT_OFFSET) | (uint96(uint40(registeredAt_)) << REGISTERED_AT_OFFSET)
        );
    }

    /// @dev The record of a model whose payment asset is an ERC-20 (kept in its own slot).
    function withErc20Asset(ModelRecordWord r) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap(ModelRecordWord.unwrap(r) | _ERC20_ASSET);
    }

    function versionCount(ModelRecordWord r) internal pure returns (uint32) {
        return uint32(ModelRecordWord.unwrap(r) >> VERSION_COUNT_OFFSET);
    }

    function status(ModelRecordWord r) internal pure returns (IModelRegistry.ModelStatus) {
        return IModelRegistry.ModelStatus(uint8(ModelRecordWord.unwrap(r) >> STATUS_OFFSET));
    }

    function flagged(ModelRecordWord r) internal pure returns (bool) {
        return ModelRecordWord.unwrap(r) & _FLAGGED != 0;
    }

    function erc20Asset(ModelRecordWord r) internal pure returns (bool) {
        return ModelRecordWord.unwrap(r) & _ERC20_ASSET != 0;
    }

    /// @dev Active and not flagged: the model sells.
    function isOpen(ModelRecordWord r) internal pure returns (bool) {
        // Active is status 0: open exactly when the status bits and the flagged bit are all clear.
        return ModelRecordWord.unwrap(r) & ((uint96(type(uint8).max) << STATUS_OFFSET) | _FLAGGED) == 0;
    }

    function registeredAt(ModelRecordWord r) internal pure returns (uint40) {
        return uint40(ModelRecordWord.unwrap(r) >> REGISTERED_AT_OFFSET);
    }

    function ownerEpoch(ModelRecordWord r) internal pure returns (uint8) {
        return uint8(ModelRecordWord.unwrap(r) >> OWNER_EPOCH_OFFSET);
    }

    function withVersionCount(ModelRecordWord r, uint32 count) internal pure returns (ModelRecordWord) {
        uint96 cleared = ModelRecordWord.unwrap(r) & ~(uint96(type(uint32).max) << VERSION_COUNT_OFFSET);
        return ModelRecordWord.wrap(cleared | (uint96(count) << VERSION_COUNT_OFFSET));
    }

    function withStatus(ModelRecordWord r, IModelRegistry.ModelStatus s) internal pure returns (ModelRecordWord) {
        uint96 cleared = ModelRecordWord.unwrap(r) & ~(uint96(type(uint8).max) << STATUS_OFFSET);
        return ModelRecordWord.wrap(cleared | (uint96(uint8(s)) << STATUS_OFFSET));
    }

    function withFlagged(ModelRecordWord r, bool flag) internal pure returns (ModelRecordWord) {
        uint96 bits = ModelRecordWord.unwrap(r);
        return ModelRecordWord.wrap(flag ? bits | _FLAGGED : bits & ~_FLAGGED);
    }

    /// @dev The record with the owner epoch advanced by one (wrapping at 256).
    function withNextOwnerEpoch(ModelRecordWord r) internal pure returns (ModelRecordWord) {
        uint96 next;
        unchecked {
            next = uint96(uint8(ModelRecordWord.unwrap(r) >> OWNER_EPOCH_OFFSET) + 1);
        }
        uint96 cleared = ModelRecordWord.unwrap(r) & ~(uint96(type(uint8).max) << OWNER_EPOCH_OFFSET);
        return ModelRecordWord.wrap(cleared | (next << OWNER_EPOCH_OFFSET));
    }
}
