// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title PackedBits
/// @notice The one bit operation the packed-word libraries share: replace a field of a word.
library PackedBits {
    /// @dev `word` with its `bits`-wide field at `offset` replaced by `value` (< 2^bits).
    function put(uint256 word, uint256 offset, uint256 bits, uint256 value) internal pure returns (uint256) {
        return (word & ~(((1 << bits) - 1) << offset)) | (value << offset);
    }
}
