// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

// A gateway grant in ModelRegistry (one word per model and gateway; 0 = no grant), laid out as
// solc lays out GatewayGrant:
// | bits    | field   | type    |                                      |
// |---------|---------|---------|--------------------------------------|
// | 0-159   | owner   | address | the model owner who granted it       |
// | 160-167 | epoch   | uint8   | that owner's epoch at the grant      |
// | 168-175 | granted | bool    | set in every grant                   |
// A grant is valid only while the same owner holds the model in the same epoch: the registry
// compares the stored word with the grant the current owner and epoch would write.

/// @dev Declared layout of a gateway grant (stored as a GatewayGrantWord).
struct GatewayGrant {
    address owner;
    uint8 epoch;
    bool granted;
}

/// @dev A gateway grant as one word.
type GatewayGrantWord is uint256;

using GatewayGrantWords for GatewayGrantWord global;

/// @title GatewayGrantWords
/// @notice Builds and compares ModelRegistry's gateway grants.
library GatewayGrantWords {
    uint256 internal constant OWNER_OFFSET = 0;
    uint256 internal constant OWNER_BITS = 160;
    uint256 internal constant EPOCH_OFFSET = 160;
    uint256 internal constant EPOCH_BITS = 8;
    uint256 internal constant GRANTED_OFFSET = 168;
    uint256 internal constant GRANTED_BITS = 8;

    /// @dev The grant `owner` writes in owner epoch `epoch`.
    function grant(address owner, uint8 epoch) internal pure returns (GatewayGrantWord) {
        return GatewayGrantWord.wrap(
            (uint256(1) << GRANTED_OFFSET) | (uint256(epoch) << EPOCH_OFFSET) | (uint256(uint160(owner)) << OWNER_OFFSET)
        );
    }

    function eq(GatewayGrantWord a, GatewayGrantWord b) internal pure returns (bool) {
        return GatewayGrantWord.unwrap(a) == GatewayGrantWord.unwrap(b);
    }
}
