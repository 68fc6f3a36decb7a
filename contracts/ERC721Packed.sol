// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {IERC165, ERC165} from "@openzeppelin/contracts/utils/introspection/ERC165.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {OwnershipWord, OwnershipWords} from "./packed/OwnershipWords.sol";

/// @title ERC721Packed
/// @notice OpenZeppelin 5.7.0's ERC721 (same external behaviour, errors and events) whose owner
/// slot also carries 96 bits of per-token data, as ERC721A's `extraData`: the owner address
/// in the low 160 bits, the token's data in the high 96. A token's own record then costs no
/// slot of its own: minting writes one fresh slot for owner + data instead of two.
/// Metadata: derived contracts return on-chain JSON from `tokenURI` (TokenMetadata) and announce
/// changes with ERC-4906's MetadataUpdate (supportsInterface answers 0x49064906).
/// @dev Differences from OZ ERC721: no tokenURI base-URI hook, no burn, no `_increaseBalance`;
/// `_mint` takes the initial data; transfers keep the data. Derived contracts may override
/// `_update` as with OZ's.
abstract contract ERC721Packed is ERC165, IERC721, IERC721Metadata, IERC721Errors {
    bytes4 private constant _ERC4906_INTERFACE_ID = 0x49064906;

    /// @notice ERC-4906: the metadata of `_tokenId` changed (wallets and marketplaces refetch it).
    event MetadataUpdate(uint256 _tokenId);

    string private _name;
    string private _symbol;

    /// @dev owner (low 160 bits) | data (high 96 bits): see OwnershipWords.
    mapping(uint256 tokenId => OwnershipWord) private _packed;
    mapping(address owner => uint256) private _balances;
    mapping(uint256 tokenId => address) private _tokenApprovals;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;

    constructor(string memory name_, string memory symbol_) {
        _name = name_;
        _symbol = symbol_;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) public view virtual override(ERC165, IERC165) returns (bool) {
        return
            interfaceId == type(IERC721).interfaceId ||
            interfaceId == type(IERC721Metadata).interfaceId ||
            interfaceId == _ERC4906_INTERFACE_ID ||
            super.supportsInterface(interfaceId);
    }

    /// @inheritdoc IERC721
    function balanceOf(address owner) public view virtual returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[owner];
    }

    /// @inheritdoc IERC721
    function ownerOf(uint256 tokenId) public view virtual returns (address) {
        return _requireOwned(tokenId);
    }

    /// @inheritdoc IERC721Metadata
    function name() public view virtual returns (string memory) {
        return _name;
    }

    /// @inheritdoc IERC721Metadata
    function symbol() public view virtual returns (string memory) {
        return _symbol;
    }

    /// @inheritdoc IERC721Metadata
    /// @dev Derived contracts override it with their on-chain JSON.
    function tokenURI(uint256 tokenId) public view virtual returns (string memory);

    /// @inheritdoc IERC721
    function approve(address to, uint256 tokenId) public virtual {
        address owner = _requireOwned(tokenId);
        if (owner != msg.sender && !_operatorApprovals[owner][msg.sender]) revert ERC721InvalidApprover(msg.sender);
        _tokenApprovals[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    /// @inheritdoc IERC721
    function getApproved(uint256 tokenId) public view virtual returns (address) {
        _requireOwned(tokenId);
        return _tokenApprovals[tokenId];
    }

    /// @inheritdoc IERC721
    function setApprovalForAll(address operator, bool approved) public virtual {
        if (operator == address(0)) revert ERC721InvalidOperator(operator);
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    /// @inheritdoc IERC721
    function isApprovedForAll(address owner, address operator) public view virtual returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    /// @inheritdoc IERC721
    function transferFrom(address from, address to, uint256 tokenId) public virtual {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        // _update checks existence and that msg.sender may move the token.
        address previousOwner = _update(to, tokenId, msg.sender);
        if (previousOwner != from) revert ERC721IncorrectOwner(from, tokenId, previousOwner);
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId) public {
        safeTransferFrom(from, to, tokenId, "");
    }

    /// @inheritdoc IERC721
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public virtual {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    // -------------------------------------------------------------------- internal

    /// @dev The owner (address(0) if the token does not exist).
    function _ownerOf(uint256 tokenId) internal view returns (address) {
        return _packed[tokenId].owner();
    }

    /// @dev Owner and data in one storage read.
    function _ownerAndData(uint256 tokenId) internal view returns (address owner, uint96 data) {
        return _packed[tokenId].unpack();
    }

    /// @dev Replaces the data of an existing token, keeping its owner.
    function _setData(uint256 tokenId, address owner, uint96 data) internal {
        _packed[tokenId] = OwnershipWords.newOwnership(owner, data);
    }

    /// @dev Transfers `tokenId` to `to`, keeping the token's data; `auth` must be the owner or
    /// approved (this also checks that the token exists). Returns the previous owner. Called
    /// by transfers only: no mint (see `_mint`), no burn (`to` is never address(0)).
    function _update(address to, uint256 tokenId, address auth) internal virtual returns (address from) {
        OwnershipWord w = _packed[tokenId];
        from = w.owner();
        _checkAuthorized(from, auth, tokenId);
        // Clear the single-token approval (no event, as in OZ).
        if (_tokenApprovals[tokenId] != address(0)) delete _tokenApprovals[tokenId];
        unchecked {
            --_balances[from];
        }
        unchecked {
            ++_balances[to]; // cannot overflow: at most 2^256 - 1 token ids
        }
        _packed[tokenId] = w.setOwner(to);
        emit Transfer(from, to, tokenId);
    }

    /// @dev Mints `tokenId` to `to` with initial `data` (no receiver callback). Unlike OZ,
    /// minting does NOT go through `_update` (which therefore only ever sees transfers): a
    /// derived contract applies its own mint-side effects where it mints, with the data at hand.
    function _mint(address to, uint256 tokenId, uint96 data) internal {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (OwnershipWord.unwrap(_packed[tokenId]) != 0) revert ERC721InvalidSender(address(0));
        unchecked {
            ++_balances[to]; // cannot overflow: at most 2^256 - 1 token ids
        }
        _packed[tokenId] = OwnershipWords.newOwnership(to, data);
        emit Transfer(address(0), to, tokenId);
    }

    function _checkAuthorized(address owner, address spender, uint256 tokenId) internal view {
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
        if (owner != spender && !_operatorApprovals[owner][spender] && _tokenApprovals[tokenId] != spender) {
            revert ERC721InsufficientApproval(spender, tokenId);
        }
    }

    function _requireOwned(uint256 tokenId) internal view returns (address owner) {
        owner = _packed[tokenId].owner();
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }
}
