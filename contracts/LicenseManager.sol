// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ILicenseManager} from "../interfaces/ILicenseManager.sol";
import {ERC721Packed} from "./ERC721Packed.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {TokenMetadata} from "./libraries/TokenMetadata.sol";
import {
    Holding,
    HoldingWord,
    OfferTermsWord,
    OfferSalesWord,
    LicenseManagerWords
} from "./packed/LicenseManagerWords.sol";

/// @title LicenseManager
/// @notice ERC-721 licenses sold from offers published by model owners; see ILicenseManager for
/// the rules (no revocation, renewal from max(now, expiry), O(1) validity views).
/// @dev Storage written by a sale: the offer's `sold` (slot 1, also the license serial), the
/// ERC-721 owner slot (which also holds the license's expiry, see ERC721Packed), the ERC-721
/// balance and one holdings slot of the recipient. A license's other terms (model, version pin,
/// commercial, transferable) are its offer's fixed terms, read from the offer
/// (`offerId = licenseId >> 32`). Every payment leaves through `_collect`, which forwards to
/// the RevenueRouter.
contract LicenseManager is ERC721Packed, ReentrancyGuardTransient, ILicenseManager {
    using SafeERC20 for IERC20;
    using Strings for uint256;

    /// @notice Expiry of perpetual licenses.
    uint64 public constant PERPETUAL = type(uint64).max;
    /// @notice Longest duration a timed offer may have (100 years).
    uint64 public constant MAX_DURATION = 100 * 365 days;

    IModelRegistry private immutable _REGISTRY;
    address private immutable _ROUTER;

    uint32 private _offerCount;
    mapping(uint256 offerId => Offer) private _offers;
    mapping(address account => mapping(uint256 modelId => mapping(uint32 pin => Holding))) private _holdings;

    /// @param registry_ The ModelRegistry (source of model owners, payment assets, sale status).
    /// @param router_ The RevenueRouter that receives every payment.
    constructor(IModelRegistry registry_, address router_) ERC721Packed("Modelmint License", "MMLIC") {
        if (address(registry_) == address(0) || router_ == address(0)) revert LicenseManagerZeroAddress();
        _REGISTRY = registry_;
        _ROUTER = router_;
    }

    // ----------------------------------------------------------------- model owner

    /// @inheritdoc ILicenseManager
    function createOffer(OfferParams calldata p) external returns (uint256 offerId) {
        uint256 modelId = p.modelId;
        _checkModelOwner(modelId);
        if (p.termsHash == bytes32(0)) revert LicenseManagerZeroTermsHash();
        if (p.duration > MAX_DURATION) revert LicenseManagerDurationTooLong(p.duration, MAX_DURATION);
        if (p.saleEnds != 0 && p.saleEnds <= block.timestamp) {
            revert LicenseManagerInvalidSaleEnd(p.saleEnds, block.timestamp);
        }
        if (p.versionPin != 0) {
            (uint32 latest, ) = _REGISTRY.latestVersion(modelId);
            if (p.versionPin > latest) revert LicenseManagerUnknownVersion(modelId, p.versionPin);
        }
        offerId = ++_offerCount;
        _offers[offerId] = Offer({
            // modelId < 2^64: _checkModelOwner accepted it and registry ids are sequential.
            modelId: uint64(modelId),
            price: p.price,
            duration: p.duration,
            versionPin: p.versionPin,
            supplyCap: p.supplyCap,
            sold: 0,
            saleEnds: p.saleEnds,
            commercial: p.commercial,
            transferable: p.transferable,
            paused: false,
            termsHash: p.termsHash
        });
        _emitOfferCreated(offerId, p);
    }

    /// @inheritdoc ILicenseManager
    function setOfferPrice(uint256 offerId, uint96 newPrice) external {
        Offer storage o = _offerOrRevert(offerId);
        _checkModelOwner(o.modelId);
        uint96 previous = o.price;
        o.price = newPrice;
        emit OfferPriceChanged(offerId, previous, newPrice);
    }

    /// @inheritdoc ILicenseManager
    function setOfferPaused(uint256 offerId, bool paused) external {
        Offer storage o = _offerOrRevert(offerId);
        _checkModelOwner(o.modelId);
        o.paused = paused;
        emit OfferPausedSet(offerId, paused);
    }

    // ---------------------------------------------------------------------- buyers

    /// @inheritdoc ILicenseManager
    function purchase(
        uint256 offerId,
        address recipient,
        uint256 maxPrice
    ) external payable nonReentrant returns (uint256 licenseId) {
        if (recipient == address(0)) revert LicenseManagerZeroAddress();
        Offer storage o = _offers[offerId];
        (OfferTermsWord w0, OfferSalesWord w1) = LicenseManagerWords.load(o);
        if (w0.modelId() == 0) revert LicenseManagerUnknownOffer(offerId);
        (uint256 modelId, uint256 price, address asset) = _checkSale(offerId, w0, w1, maxPrice);
        licenseId = (offerId << 32) | _takeSerial(o, offerId, w1);
        uint64 expiry = PERPETUAL;
        {
            uint64 duration = w0.duration();
            if (duration != 0) {
                uint256 end = block.timestamp + duration;
                if (end >= PERPETUAL) revert LicenseManagerExpiryOverflow(licenseId);
                expiry = uint64(end);
            }
        }
        // _mint (not _safeMint): no callback to the recipient. Minting does not go through
        // _update: the holdings are recorded here.
        _mint(recipient, licenseId, expiry);
        _hold(recipient, licenseId, w0, w1, expiry);
        emit LicensePurchased(licenseId, modelId, recipient, offerId, msg.sender, price, expiry);

        _collect(modelId, asset, msg.sender, price);
    }

    /// @inheritdoc ILicenseManager
    function renew(uint256 licenseId, uint256 maxPrice) external payable nonReentrant returns (uint64 newExpiry) {
        (address holder, uint96 stored) = _ownerAndData(licenseId);
        uint64 expiry = uint64(stored);
        if (expiry == 0) revert LicenseManagerUnknownLicense(licenseId);
        if (expiry == PERPETUAL) revert LicenseManagerPerpetual(licenseId);
        uint256 offerId = licenseId >> 32;
        (OfferTermsWord w0, OfferSalesWord w1) = LicenseManagerWords.load(_offers[offerId]);
        (uint256 modelId, uint256 price, address asset) = _checkSale(offerId, w0, w1, maxPrice);

        uint256 next = (block.timestamp > expiry ? block.timestamp : expiry) + w0.duration();
        if (next >= PERPETUAL) revert LicenseManagerExpiryOverflow(licenseId);
        newExpiry = uint64(next);
        _setData(licenseId, holder, newExpiry);
        // Non-transferable: the bound aggregate of the (only ever) holder follows the longer
        // expiry. Transferable: the renewed license is recorded if it now lasts longest.
        _hold(holder, licenseId, w0, w1, newExpiry);
        emit LicenseRenewed(licenseId, msg.sender, price, expiry, newExpiry);
        emit MetadataUpdate(licenseId);

        _collect(modelId, asset, msg.sender, price);
    }

    /// @inheritdoc ILicenseManager
    function recordLicense(uint256 licenseId) external returns (bool recorded) {
        (address holder, uint96 expiry) = _ownerAndData(licenseId);
        if (expiry == 0) revert LicenseManagerUnknownLicense(licenseId);
        (OfferTermsWord w0, OfferSalesWord w1) = LicenseManagerWords.load(_offers[licenseId >> 32]);
        if (!w1.transferable()) revert LicenseManagerNonTransferable(licenseId);
        _hold(holder, licenseId, w0, w1, uint64(expiry));
        return _recorded(holder, w0, w1) == licenseId;
    }

    // ----------------------------------------------------------------------- views

    /// @inheritdoc ILicenseManager
    function recordedLicense(
        address account,
        uint256 modelId,
        uint32 versionPin,
        bool commercial
    ) external view returns (uint256) {
        Holding memory h = _holdings[account][modelId][versionPin];
        return commercial ? h.transferableCommercial : h.transferablePersonal;
    }

    /// @notice On-chain ERC-721 metadata JSON (data:application/json;base64): name, model id,
    /// offer, expiry (a date, or "perpetual"), commercial / transferable flags, version pin and
    /// the offer's terms hash. Renewals announce the new expiry with ERC-4906 MetadataUpdate.
    function tokenURI(uint256 licenseId) public view override returns (string memory) {
        uint64 expiry = _expiryOf(licenseId);
        if (expiry == 0) revert ERC721NonexistentToken(licenseId);
        Offer storage o = _offers[licenseId >> 32];
        string memory model = uint256(o.modelId).toString();
        bytes memory head = abi.encodePacked(
            '{"name":"Modelmint License ',
            (licenseId >> 32).toString(),
            "-",
            uint256(uint32(licenseId)).toString(),
            '","description":"',
            o.commercial ? "Commercial" : "Personal",
            " license to use Modelmint model ",
            model,
            o.versionPin == 0 ? " (every version)" : string.concat(" (version ", uint256(o.versionPin).toString(), ")"),
            expiry == PERPETUAL ? ", perpetual." : ", valid until its expiry.",
            '","attributes":[{"trait_type":"model id","value":',
            model,
            '},{"trait_type":"offer id","value":',
            (licenseId >> 32).toString()
        );
        bytes memory tail = abi.encodePacked(
            expiry == PERPETUAL
                ? string('},{"trait_type":"expiry","value":"perpetual"')
                : string.concat('},{"display_type":"date","trait_type":"expiry","value":', uint256(expiry).toString()),
            '},{"trait_type":"commercial","value":"',
            TokenMetadata.yesNo(o.commercial),
            '"},{"trait_type":"transferable","value":"',
            TokenMetadata.yesNo(o.transferable),
            '"},{"trait_type":"version pin","value":',
            uint256(o.versionPin).toString(),
            '},{"trait_type":"terms hash","value":"',
            uint256(o.termsHash).toHexString(32),
            '"}]}'
        );
        return TokenMetadata.jsonURI(bytes.concat(head, tail));
    }

    /// @inheritdoc ILicenseManager
    function registry() external view returns (address) {
        return address(_REGISTRY);
    }

    /// @inheritdoc ILicenseManager
    function router() external view returns (address) {
        return _ROUTER;
    }

    /// @inheritdoc ILicenseManager
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    /// @inheritdoc ILicenseManager
    function offer(uint256 offerId) external view returns (Offer memory) {
        return _offerOrRevert(offerId);
    }

    /// @inheritdoc ILicenseManager
    function license(uint256 licenseId) external view returns (License memory lic) {
        uint64 expiry = _expiryOf(licenseId);
        if (expiry == 0) revert LicenseManagerUnknownLicense(licenseId);
        Offer storage o = _offers[licenseId >> 32];
        lic = License({
            offerId: uint32(licenseId >> 32),
            modelId: o.modelId,
            expiry: expiry,
            versionPin: o.versionPin,
            commercial: o.commercial,
            transferable: o.transferable
        });
    }

    /// @inheritdoc ILicenseManager
    function isLicenseValid(
        uint256 licenseId,
        address account,
        bool commercialRequired,
        uint32 version
    ) external view returns (bool) {
        (address holder, uint96 expiry) = _ownerAndData(licenseId);
        if (expiry <= block.timestamp) return false; // also unknown licenses (expiry 0)
        if (holder != account) return false;
        Offer storage o = _offers[licenseId >> 32];
        if (commercialRequired && !o.commercial) return false;
        uint32 pin = o.versionPin;
        if (pin == 0) return true;
        if (version == 0) (version, ) = _REGISTRY.latestVersion(o.modelId);
        return pin == version;
    }

    /// @inheritdoc ILicenseManager
    function hasValidLicense(
        address account,
        uint256 modelId,
        bool commercialRequired,
        uint32 version
    ) external view returns (bool) {
        mapping(uint32 pin => Holding) storage byPin = _holdings[account][modelId];
        if (_holdingValid(byPin[0], commercialRequired)) return true;
        if (version == 0) (version, ) = _REGISTRY.latestVersion(modelId);
        return _holdingValid(byPin[version], commercialRequired);
    }

    // -------------------------------------------------------------------- internal

    /// @dev Transfers only (minting does not call _update; purchase records the holding).
    /// Non-transferable licenses never move. A transferable license empties the sender's class
    /// slot if it was the recorded one, and is recorded at the receiver if it outlasts the
    /// receiver's recorded license (never refused: see ILicenseManager).
    function _update(address to, uint256 licenseId, address auth) internal override returns (address from) {
        from = super._update(to, licenseId, auth); // checks existence and authorisation
        (OfferTermsWord w0, OfferSalesWord w1) = LicenseManagerWords.load(_offers[licenseId >> 32]);
        if (!w1.transferable()) revert LicenseManagerNonTransferable(licenseId);
        if (_recorded(from, w0, w1) == licenseId) {
            (uint64 modelId, uint32 pin, bool commercial, ) = LicenseManagerWords.licenseClass(w0, w1);
            Holding storage h = _holdings[from][modelId][pin];
            if (commercial) h.transferableCommercial = 0;
            else h.transferablePersonal = 0;
        }
        _hold(to, licenseId, w0, w1, _expiryOf(licenseId));
    }

    /// @dev The single exit for buyers' money: ETH must match `amount` exactly and is forwarded
    /// with the call; an ERC-20 is pulled from `payer` (the received amount must equal `amount`,
    /// so fee-on-transfer tokens revert), approved to the router and pulled by it in `pay`.
    function _collect(uint256 modelId, address asset, address payer, uint256 amount) internal {
        if (asset == address(0)) {
            if (msg.value != amount) revert LicenseManagerWrongPayment(amount, msg.value);
            if (amount != 0) IRevenueRouter(_ROUTER).pay{value: amount}(modelId, amount);
            return;
        }
        if (msg.value != 0) revert LicenseManagerWrongPayment(0, msg.value);
        if (amount == 0) return;
        IERC20 token = IERC20(asset);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(payer, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert LicenseManagerTransferMismatch(asset, amount, received);
        token.forceApprove(_ROUTER, amount);
        IRevenueRouter(_ROUTER).pay(modelId, amount);
    }

    /// @dev Checks shared by purchase and renewal (on the offer's two sale slots); returns what
    /// the payment needs.
    function _checkSale(
        uint256 offerId,
        OfferTermsWord w0,
        OfferSalesWord w1,
        uint256 maxPrice
    ) private view returns (uint256 modelId, uint256 price, address asset) {
        bool paused;
        uint64 saleEnds;
        (modelId, price, paused, saleEnds) = LicenseManagerWords.saleTerms(w0, w1);
        if (paused) revert LicenseManagerOfferPaused(offerId);
        if (saleEnds != 0 && block.timestamp >= saleEnds) revert LicenseManagerOfferEnded(offerId, saleEnds);
        bool open;
        (open, asset) = _REGISTRY.saleInfo(modelId);
        if (!open) revert LicenseManagerSalesClosed(modelId);
        if (price > maxPrice) revert LicenseManagerPriceAboveMax(offerId, price, maxPrice);
    }

    /// @dev Records `licenseId` (expiring at `expiry`) in `account`'s holding of its class
    /// (model, version pin, commercial flag; from the offer's slot words): a non-transferable
    /// license raises the class's bound expiry to `expiry` if later; a transferable one becomes
    /// the class's recorded license if the place is free or the recorded one expires earlier.
    /// One read and at most one write of the slot.
    function _hold(address account, uint256 licenseId, OfferTermsWord w0, OfferSalesWord w1, uint64 expiry) private {
        (uint64 modelId, uint32 pin, bool commercial, bool transferable) = LicenseManagerWords.licenseClass(w0, w1);
        Holding storage h = _holdings[account][modelId][pin];
        HoldingWord word = LicenseManagerWords.load(h);
        uint256 offset = LicenseManagerWords.offsetOf(commercial, transferable);
        uint64 held = word.at(offset); // the bound expiry, or the recorded transferable license
        if (!transferable) {
            if (expiry <= held) return;
            LicenseManagerWords.store(h, word.setAt(offset, expiry));
        } else {
            if (held == licenseId || (held != 0 && _expiryOf(held) >= expiry)) return;
            // < 2^64: offerId is a uint32 and the serial a uint32
            LicenseManagerWords.store(h, word.setAt(offset, uint64(licenseId)));
        }
    }

    /// @dev `account`'s recorded transferable license of the class given by the offer words.
    function _recorded(address account, OfferTermsWord w0, OfferSalesWord w1) private view returns (uint256) {
        (uint64 modelId, uint32 pin, bool commercial, ) = LicenseManagerWords.licenseClass(w0, w1);
        HoldingWord word = LicenseManagerWords.load(_holdings[account][modelId][pin]);
        return word.at(LicenseManagerWords.offsetOf(commercial, true));
    }

    function _holdingValid(Holding storage h, bool commercialRequired) private view returns (bool) {
        Holding memory m = h;
        uint256 t = block.timestamp;
        if (m.boundCommercial > t) return true;
        if (m.transferableCommercial != 0 && _expiryOf(m.transferableCommercial) > t) return true;
        if (commercialRequired) return false;
        if (m.boundPersonal > t) return true;
        return m.transferablePersonal != 0 && _expiryOf(m.transferablePersonal) > t;
    }

    /// @dev The license's expiry (ERC721Packed data); 0 for unknown licenses.
    function _expiryOf(uint256 licenseId) private view returns (uint64) {
        (, uint96 data) = _ownerAndData(licenseId);
        return uint64(data);
    }

    /// @dev Counts a sale against the supply cap: writes `sold + 1` into the offer's slot 1
    /// (word `w1`, other fields kept) and returns it, the license's serial.
    function _takeSerial(Offer storage o, uint256 offerId, OfferSalesWord w1) private returns (uint256 sold) {
        uint32 cap;
        (cap, sold) = w1.supply();
        if (sold == (cap == 0 ? type(uint32).max : cap)) revert LicenseManagerSupplyExhausted(offerId, cap);
        unchecked {
            ++sold; // sold < cap <= type(uint32).max
        }
        LicenseManagerWords.store(o, w1.setSold(sold));
    }

    function _offerOrRevert(uint256 offerId) private view returns (Offer storage o) {
        o = _offers[offerId];
        if (o.modelId == 0) revert LicenseManagerUnknownOffer(offerId);
    }

    function _checkModelOwner(uint256 modelId) private view {
        if (modelId > type(uint64).max || !_REGISTRY.exists(modelId)) revert LicenseManagerUnknownModel(modelId);
        if (_REGISTRY.ownerOf(modelId) != msg.sender) revert LicenseManagerNotModelOwner(modelId, msg.sender);
    }

    function _emitOfferCreated(uint256 offerId, OfferParams calldata p) private {
        emit OfferCreated(
            offerId,
            p.modelId,
            p.price,
            p.duration,
            p.supplyCap,
            p.saleEnds,
            p.versionPin,
            p.commercial,
            p.transferable,
            p.termsHash,
            p.termsURI
        );
    }
}
