// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A token's owner slot in ERC721Packed, one word (solc's layout of TokenOwnership):
// | bits    | field | type    |
// |---------|-------|---------|
// | 0-159   | owner | address |
// | 160-255 | data  | uint96  |  the deriving contract's per-token record

/// @dev Declared layout of a token's owner slot (ERC721Packed stores it as an OwnershipWord;
/// tests/unit/toolchain/test_storage_layout.py checks the constants below against it).
struct TokenOwnership {
    address owner;
    uint96 data;
}

/// @dev A token's owner slot loaded as one word; zero for a token that does not exist.
type OwnershipWord is uint256;

using OwnershipWords for OwnershipWord global;

/// @notice Typed access to ERC721Packed's owner + data word (the owner at bit 0).
library OwnershipWords {
    uint256 internal constant DATA_OFFSET = 160;

    function newOwnership(address owner_, uint96 data_) internal pure returns (OwnershipWord) {
        return OwnershipWord.wrap((uint256(data_) << DATA_OFFSET) | uint160(owner_));
    }

    function owner(OwnershipWord w) internal pure returns (address) {
        return address(uint160(OwnershipWord.unwrap(w)));
    }

    function unpack(OwnershipWord w) internal pure returns (address owner_, uint96 data_) {
        (owner_, data_) = (address(uint160(OwnershipWord.unwrap(w))), uint96(OwnershipWord.unwrap(w) >> DATA_OFFSET));
    }

    function setOwner(OwnershipWord w, address owner_) internal pure returns (OwnershipWord) {
        return OwnershipWord.wrap((OwnershipWord.unwrap(w) & ~uint256(type(uint160).max)) | uint160(owner_));
    }
}
