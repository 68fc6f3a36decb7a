// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {ERC1155Holder} from "@openzeppelin/contracts/token/ERC1155/utils/ERC1155Holder.sol";

/// @title ERC1271Wallet
/// @notice Test-only smart wallet (an "agent contract"): the owner's ECDSA signature is the
/// wallet's ERC-1271 signature unless `rejectAll` is switched on. The owner drives it through
/// `execute`; it holds ERC-1155 credits.
contract ERC1271Wallet is IERC1271, ERC1155Holder {
    error ERC1271WalletNotOwner(address caller);
    error ERC1271WalletCallFailed(bytes reason);

    address public immutable OWNER;
    bool public rejectAll;

    constructor(address owner_) {
        OWNER = owner_;
    }

    receive() external payable {}

    function setRejectAll(bool reject) external {
        if (msg.sender != OWNER) revert ERC1271WalletNotOwner(msg.sender);
        rejectAll = reject;
    }

    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != OWNER) revert ERC1271WalletNotOwner(msg.sender);
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) revert ERC1271WalletCallFailed(ret);
        return ret;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (rejectAll) return 0xffffffff;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (err == ECDSA.RecoverError.NoError && signer == OWNER) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
