// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";

/// @title TokenMetadata
/// @notice The on-chain metadata the project's tokens return (the model NFT's and licenses'
/// `tokenURI`, the usage credits' `uri`): JSON as a `data:application/json;base64,` URI, the
/// form wallets and marketplaces read.
library TokenMetadata {
    /// @dev `json` as a `data:application/json;base64,` URI.
    function jsonURI(bytes memory json) internal pure returns (string memory) {
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @dev "yes" / "no", as the metadata spells flags.
    function yesNo(bool flag) internal pure returns (string memory) {
        return flag ? "yes" : "no";
    }
}
