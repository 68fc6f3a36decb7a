// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ILicenseManager
/// @notice ERC-721 licenses ("Modelmint License") bought from offers that a model's owner (the
/// holder of the model token in the ModelRegistry) publishes. An offer fixes the terms (terms
/// URI + hash, duration or perpetual, commercial flag, transferable flag, optional version pin,
/// supply cap, optional end of sale); only its price and its paused flag can change later.
/// Payment is in the model's payment asset and goes to the RevenueRouter in the same transaction.
///
/// Rules:
/// - Nothing shortens or revokes a license: there is no burn, and expiry only grows (renewal).
/// - Renewal extends from max(now, expiry) by the offer's duration at the offer's current price.
///   Renewals count as sales: they need the offer unpaused, within its sale window, and the
///   model's sales open (Active and not flagged), so no new money goes into a flagged model.
///   Renewals do not consume supply; the cap counts licenses minted.
/// - Non-transferable licenses never leave the account they were minted to. Transferable ones
///   carry their expiry and terms (the expiry is keyed by license id, the terms are the offer's).
/// - License ids encode their offer: `licenseId = offerId << 32 | serial`, where serial is the
///   1-based sale number within the offer.
///
/// Validity (both views are O(1), no loops):
/// - A license is valid for (account, commercialRequired, version) when `account` owns it,
///   `block.timestamp < expiry` (perpetual: expiry = type(uint64).max), it is commercial if
///   `commercialRequired`, and it is unpinned or pinned to `version`. `version == 0` means the
///   model's latest version at the time of the call.
/// - `hasValidLicense` needs no license id. It reads one aggregate slot per (account, model,
///   pin) for pin = 0 and pin = version. Each slot holds, per commercial flag, (a) the maximum
///   expiry of the non-transferable licenses the account holds in that class - exact, since such
///   licenses never leave and their expiry never decreases - and (b) the id of the single
///   (b) the id of the account's *recorded* transferable license in that class, whose live
///   expiry is then read. An account may hold any number of transferable licenses of a class;
///   nothing it receives is ever refused (an unsolicited or expired license cannot block a
///   purchase or an incoming transfer). The recorded one is the one that lasts longest among
///   those that arrived or were renewed since the slot was last emptied: an arriving license
///   (purchase or transfer in) or a renewal takes the slot when it is empty or the recorded
///   license expires earlier. So while the recorded license stays, `hasValidLicense` is exact.
///   When the recorded license leaves, the slot empties; if the account still holds another
///   transferable license of that class, `hasValidLicense` answers false for that class until
///   `recordLicense(id)` (anyone may call it) records the remaining one again. It never
///   answers true for a license the account does not hold.
interface ILicenseManager is IERC721 {
    /// @notice What the model owner passes to create an offer.
    struct OfferParams {
        uint256 modelId;
        uint96 price; // in the model's payment asset (wei or token units); 0 = free
        uint64 duration; // seconds; 0 = perpetual
        uint32 supplyCap; // max licenses minted from the offer; 0 = unlimited (2^32 - 1)
        uint64 saleEnds; // timestamp after which the offer sells nothing; 0 = no end
        uint32 versionPin; // 0 = every version; else licenses are valid for that version only
        bool commercial;
        bool transferable;
        string termsURI; // emitted in OfferCreated only
        bytes32 termsHash; // content hash of the terms document; must be non-zero
    }

    /// @notice Stored offer: three slots, the first two read on a sale.
    struct Offer {
        // slot 0
        uint64 modelId;
        uint96 price;
        uint64 duration;
        uint32 versionPin;
        // slot 1
        uint32 supplyCap;
        uint32 sold;
        uint64 saleEnds;
        bool commercial;
        bool transferable;
        bool paused;
        // slot 2
        bytes32 termsHash;
    }

    /// @notice A license as returned by `license`. Only the expiry is stored per license (in the
    /// ERC-721 owner slot, next to the holder); the other fields are the fixed terms of its offer
    /// (`offerId = licenseId >> 32`).
    struct License {
        uint32 offerId;
        uint64 modelId;
        uint64 expiry; // type(uint64).max = perpetual
        uint32 versionPin;
        bool commercial;
        bool transferable;
    }

    /// @notice A zero address was given where an account or contract is required.
    error LicenseManagerZeroAddress();
    /// @notice No model with this id exists in the registry.
    error LicenseManagerUnknownModel(uint256 modelId);
    /// @notice The caller does not hold the model token.
    error LicenseManagerNotModelOwner(uint256 modelId, address caller);
    /// @notice No offer with this id.
    error LicenseManagerUnknownOffer(uint256 offerId);
    /// @notice No license with this id.
    error LicenseManagerUnknownLicense(uint256 licenseId);
    /// @notice The offer pins a version the model has not published.
    error LicenseManagerUnknownVersion(uint256 modelId, uint32 version);
    /// @notice Offers need a non-zero terms hash.
    error LicenseManagerZeroTermsHash();
    /// @notice A timed offer's duration exceeds MAX_DURATION.
    error LicenseManagerDurationTooLong(uint64 duration, uint64 maxDuration);
    /// @notice The end of sale is not in the future.
    error LicenseManagerInvalidSaleEnd(uint64 saleEnds, uint256 nowTimestamp);
    /// @notice The offer is paused by the model owner.
    error LicenseManagerOfferPaused(uint256 offerId);
    /// @notice The offer's sale window has closed.
    error LicenseManagerOfferEnded(uint256 offerId, uint64 saleEnds);
    /// @notice The offer's supply cap is reached.
    error LicenseManagerSupplyExhausted(uint256 offerId, uint32 supplyCap);
    /// @notice The model is retired or flagged: no sales, no renewals.
    error LicenseManagerSalesClosed(uint256 modelId);
    /// @notice The current price is above the buyer's maximum.
    error LicenseManagerPriceAboveMax(uint256 offerId, uint256 price, uint256 maxPrice);
    /// @notice msg.value must equal the price for ETH models and be 0 for ERC-20 models.
    error LicenseManagerWrongPayment(uint256 expected, uint256 sent);
    /// @notice The token delivered a different amount than requested (fee-on-transfer).
    error LicenseManagerTransferMismatch(address token, uint256 expected, uint256 received);
    /// @notice Non-transferable licenses never leave the account they were minted to.
    error LicenseManagerNonTransferable(uint256 licenseId);
    /// @notice Perpetual licenses have nothing to renew.
    error LicenseManagerPerpetual(uint256 licenseId);
    /// @notice A timed expiry would reach the perpetual sentinel (type(uint64).max) or beyond.
    error LicenseManagerExpiryOverflow(uint256 licenseId);

    /// @notice An offer was created. `termsURI` is only in this event.
    event OfferCreated(
        uint256 indexed offerId,
        uint256 indexed modelId,
        uint96 price,
        uint64 duration,
        uint32 supplyCap,
        uint64 saleEnds,
        uint32 versionPin,
        bool commercial,
        bool transferable,
        bytes32 termsHash,
        string termsURI
    );
    /// @notice The model owner changed an offer's price.
    event OfferPriceChanged(uint256 indexed offerId, uint96 previousPrice, uint96 newPrice);
    /// @notice The model owner paused (true) or resumed (false) an offer.
    event OfferPausedSet(uint256 indexed offerId, bool paused);
    /// @notice `payer` bought license `licenseId` for `recipient`.
    event LicensePurchased(
        uint256 indexed licenseId,
        uint256 indexed modelId,
        address indexed recipient,
        uint256 offerId,
        address payer,
        uint256 price,
        uint64 expiry
    );
    /// @notice `payer` renewed license `licenseId`.
    event LicenseRenewed(
        uint256 indexed licenseId,
        address indexed payer,
        uint256 price,
        uint64 previousExpiry,
        uint64 newExpiry
    );

    // ---------------------------------------------------------------- model owner

    /// @notice Creates an offer for `params.modelId`. Only the model token's holder.
    /// The payment asset is the model's (registry), fixed for the model's life.
    /// @return offerId The new offer's id (ids start at 1).
    function createOffer(OfferParams calldata params) external returns (uint256 offerId);

    /// @notice Changes an offer's price. Only the model token's holder. Buyers are protected by
    /// their `maxPrice`.
    function setOfferPrice(uint256 offerId, uint96 newPrice) external;

    /// @notice Pauses or resumes an offer (no purchases, no renewals while paused). Only the
    /// model token's holder. Existing licenses are not affected.
    function setOfferPaused(uint256 offerId, bool paused) external;

    // ---------------------------------------------------------------------- buyers

    /// @notice Buys a license from `offerId` for `recipient`, paying the current price (at most
    /// `maxPrice`) in the model's payment asset: ETH with msg.value == price exactly, ERC-20
    /// with msg.value == 0 and an allowance to this contract of at least the price.
    /// @return licenseId The minted license (`offerId << 32 | serial`).
    function purchase(
        uint256 offerId,
        address recipient,
        uint256 maxPrice
    ) external payable returns (uint256 licenseId);

    /// @notice Extends a timed license by its offer's duration from max(now, expiry). Anyone may
    /// pay; same payment rules as `purchase`.
    /// @return newExpiry The license's new expiry.
    function renew(uint256 licenseId, uint256 maxPrice) external payable returns (uint64 newExpiry);

    /// @notice Records transferable license `licenseId` for its owner's `hasValidLicense` if its
    /// class slot is empty or the recorded license expires earlier; otherwise does nothing.
    /// Anyone may call it (it only ever records a license its owner holds).
    /// @return recorded Whether `licenseId` is now the owner's recorded license of its class.
    function recordLicense(uint256 licenseId) external returns (bool recorded);

    // ----------------------------------------------------------------------- views

    /// @notice The account's recorded transferable license of a class (0 = none).
    function recordedLicense(
        address account,
        uint256 modelId,
        uint32 versionPin,
        bool commercial
    ) external view returns (uint256 licenseId);

    /// @notice The model registry this manager reads.
    function registry() external view returns (address);

    /// @notice The revenue router that receives every payment.
    function router() external view returns (address);

    /// @notice Number of offers created (the last offer id).
    function offerCount() external view returns (uint256);

    /// @notice The stored offer. Reverts for unknown offers.
    function offer(uint256 offerId) external view returns (Offer memory);

    /// @notice The stored license. Reverts for unknown licenses.
    function license(uint256 licenseId) external view returns (License memory);

    /// @notice Whether license `licenseId` is owned by `account` and valid now for the given
    /// commercial requirement and version (0 = latest). False for unknown licenses. O(1).
    function isLicenseValid(
        uint256 licenseId,
        address account,
        bool commercialRequired,
        uint32 version
    ) external view returns (bool);

    /// @notice Whether `account` holds any license of `modelId` valid now for the given
    /// commercial requirement and version (0 = latest). O(1): at most six storage reads plus
    /// one registry call when `version == 0` and no unpinned license answered first (that call
    /// reverts for unknown models).
    function hasValidLicense(
        address account,
        uint256 modelId,
        bool commercialRequired,
        uint32 version
    ) external view returns (bool);
}
