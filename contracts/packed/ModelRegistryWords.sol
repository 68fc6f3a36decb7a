// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IModelRegistry} from "../../interfaces/IModelRegistry.sol";

// ModelRegistry's packed words, laid out as solc lays out their structs. A model's record
// (ModelRecordWord) is the 96 data bits of its token's owner slot (ERC721Packed keeps them
// above the owner address); a gateway grant (GatewayGrantWord) is one word per model and
// gateway (0 = no grant).
// ModelRecord                               GatewayGrant
// | bits  | field        | type   |         | bits    | field   | type    |
// |-------|--------------|--------|         |---------|---------|---------|
// | 0-31  | versionCount | uint32 |         | 0-159   | owner   | address |
// | 32-39 | status       | uint8  |         | 160-223 | epoch   | uint64  |
// | 40-47 | flags        | uint8  |         | 224-231 | granted | bool    |
// | 48-87 | registeredAt | uint40 |
// | 88-95 | ownerEpoch   | uint8  |
// versionCount is the latest version, status an IModelRegistry.ModelStatus; flags bit 0 (bit
// 40) is set while governance flags the model, bit 1 (41) when its payment asset is an ERC-20
// kept in its own slot, bit 2 (42) once the owner epoch has wrapped. ownerEpoch holds the low 8
// bits of the model's owner epoch, which grows by one at every transfer of the model token;
// when they wrap (every 256th transfer) ModelRegistry counts the wrap in the model's own slot
// and sets bit 2, so the full epoch (wraps * 256 + ownerEpoch, read from that slot only when
// bit 2 is set) never repeats. A grant holds the model owner who granted it and that owner's
// full epoch then, `granted` set: it is valid only while the same owner holds the model in the
// same epoch (the registry compares the stored word with the grant the current owner and epoch
// would write).

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

using ModelRegistryWords for ModelRecordWord global;

/// @dev Declared layout of a gateway grant (stored as a GatewayGrantWord).
struct GatewayGrant {
    address owner;
    uint64 epoch;
    bool granted;
}

/// @dev A gateway grant as one word.
type GatewayGrantWord is uint256;

using ModelRegistryWords for GatewayGrantWord global;

/// @notice Typed access to ModelRegistry's model records and gateway grants. A field without an
/// offset constant sits at bit 0.
library ModelRegistryWords {
    uint256 internal constant STATUS_OFFSET = 32;
    uint256 internal constant FLAGS_OFFSET = 40;
    uint256 internal constant REGISTERED_AT_OFFSET = 48;
    uint256 internal constant OWNER_EPOCH_OFFSET = 88;
    uint256 internal constant GRANT_EPOCH_OFFSET = 160;
    uint256 internal constant GRANT_GRANTED_OFFSET = 224;

    uint96 private constant _FLAGGED = uint96(1) << FLAGS_OFFSET;
    uint96 private constant _ERC20_ASSET = uint96(1) << (FLAGS_OFFSET + 1);
    uint96 private constant _EPOCH_WRAPPED = uint96(1) << (FLAGS_OFFSET + 2);

    /// @dev A new model's record: version 1, Active, not flagged, ETH-priced, owner epoch 0.
    function newRecord(uint256 registeredAt_) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap(1 | (uint96(uint40(registeredAt_)) << REGISTERED_AT_OFFSET));
    }

    function versionCount(ModelRecordWord r) internal pure returns (uint32) {
        return uint32(ModelRecordWord.unwrap(r));
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

    /// @dev The low 8 bits of the owner epoch.
    function ownerEpoch(ModelRecordWord r) internal pure returns (uint8) {
        return uint8(ModelRecordWord.unwrap(r) >> OWNER_EPOCH_OFFSET);
    }

    /// @dev Whether the owner epoch has wrapped at least once (its wraps live in their own slot).
    function epochWrapped(ModelRecordWord r) internal pure returns (bool) {
        return ModelRecordWord.unwrap(r) & _EPOCH_WRAPPED != 0;
    }

    /// @dev The record with the wrapped-epoch flag set.
    function setEpochWrapped(ModelRecordWord r) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap(ModelRecordWord.unwrap(r) | _EPOCH_WRAPPED);
    }

    /// @dev The record of a model whose payment asset is an ERC-20 (kept in its own slot).
    function setErc20Asset(ModelRecordWord r) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap(ModelRecordWord.unwrap(r) | _ERC20_ASSET);
    }

    function setVersionCount(ModelRecordWord r, uint32 count) internal pure returns (ModelRecordWord) {
        return ModelRecordWord.wrap((ModelRecordWord.unwrap(r) & ~uint96(type(uint32).max)) | count);
    }

    function setStatus(ModelRecordWord r, IModelRegistry.ModelStatus s) internal pure returns (ModelRecordWord) {
        uint96 cleared = ModelRecordWord.unwrap(r) & ~(uint96(type(uint8).max) << STATUS_OFFSET);
        return ModelRecordWord.wrap(cleared | (uint96(uint8(s)) << STATUS_OFFSET));
    }

    /// @dev Branch-free: the flagged bit cleared, then set to `flag`.
    function setFlagged(ModelRecordWord r, bool flag) internal pure returns (ModelRecordWord) {
        uint96 bit;
        assembly ("memory-safe") {
            bit := flag
        }
        return ModelRecordWord.wrap((ModelRecordWord.unwrap(r) & ~_FLAGGED) | (bit << FLAGS_OFFSET));
    }

    /// @dev The record with the low 8 bits of the owner epoch advanced by one (wrapping at 256;
    /// the caller counts the wrap).
    function incrementOwnerEpoch(ModelRecordWord r) internal pure returns (ModelRecordWord) {
        uint96 bits = ModelRecordWord.unwrap(r);
        uint96 next;
        unchecked {
            next = uint96(uint8(bits >> OWNER_EPOCH_OFFSET) + 1);
        }
        uint96 cleared = bits & ~(uint96(type(uint8).max) << OWNER_EPOCH_OFFSET);
        return ModelRecordWord.wrap(cleared | (next << OWNER_EPOCH_OFFSET));
    }

    /// @dev The grant `owner` writes in (full) owner epoch `epoch`.
    function newGatewayGrant(address owner, uint64 epoch) internal pure returns (GatewayGrantWord) {
        uint256 bits = (1 << GRANT_GRANTED_OFFSET) | (uint256(epoch) << GRANT_EPOCH_OFFSET) | uint160(owner);
        return GatewayGrantWord.wrap(bits);
    }

    function eq(GatewayGrantWord a, GatewayGrantWord b) internal pure returns (bool) {
        return GatewayGrantWord.unwrap(a) == GatewayGrantWord.unwrap(b);
    }
}
