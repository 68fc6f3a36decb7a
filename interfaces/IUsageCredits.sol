// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

/// @title IUsageCredits
/// @notice Prepaid usage credits for Modelmint models: an ERC-1155 whose token id is the model id.
///
/// Value. The model owner enables credits once with a fixed value per credit in the model's
/// payment asset (ETH or the model's allow-listed ERC-20); the value can never change, so credits
/// can be traded at a known backing. Buyers pay `credits * creditValue`; the payment stays in this
/// contract as escrow and becomes revenue (sent to the RevenueRouter) only when credits are
/// consumed through a metering channel. Free credits can be redeemed for their value at any time,
/// whatever the model's status: redemption never consults the registry's sale status.
///
/// Accounting. For every model, at all times:
///   escrow(model) = creditValue * (freeSupply + lockedSupply)
///   minted        = consumed + redeemed + freeSupply + lockedSupply
///   held(asset)   = sum over the asset's models of escrow + pendingRevenue
/// where freeSupply is the sum of ERC-1155 balances (`totalSupply(id)`), lockedSupply the
/// credits held in open channels and not yet settled, and pendingRevenue the value of settled
/// (consumed) credits not yet swept to the router.
///
/// Channels. `openChannel` moves credits out of the consumer's ERC-1155 balance (they are burned
/// from the balance into channel accounting) and locks them to one of the model's gateways until
/// `expiry`; locked credits are therefore neither transferable nor redeemable. While the channel
/// has not expired the consumer may add credits and extend the expiry (`topUpChannel`).
/// A channel is named by its immutable terms (ChannelTerms: consumer, gateway, model, salt): its
/// id is `uint256(keccak256(abi.encode(consumer, gateway, modelId, salt)))` (`channelIdOf`), and
/// its state is one storage slot (deposit, settled, expiry). Calls that act on a channel pass its
/// terms, so a wrong term names another (unknown) channel. A closed channel keeps its slot: the
/// same terms can never open again (`UsageCreditsChannelExists`), so no old receipt of an id can
/// settle against a later deposit; a consumer opens a further channel with the same gateway and
/// model under another salt (clients take the lowest salt whose channel does not exist).
/// `buyAndOpenChannel` pays the model's asset straight into a new channel in one transaction
/// (the credits are minted and locked at once, never entering a balance) and
/// `buyAndTopUpChannel` pays straight into an existing one. A channel holds at most 2^64 - 1
/// credits and its expiry must fit 32 bits (before 2106).
///
/// Revenue. Settlement records consumption only; the value of consumed credits stays in this
/// contract (`pendingRevenue`) until anyone calls `sweep(modelId)`, which pays it to the router
/// in one payment (fee and split applied there). Sweeping is permissionless and can never move
/// escrow of outstanding credits.
///
/// Receipts. A receipt is an EIP-712 `Receipt(uint256 channelId,uint256 cumulativeCredits,
/// uint256 deadline)` under the domain {name: "Modelmint UsageCredits", version: "1", chainId,
/// verifyingContract}, signed with ECDSA (65 bytes, low-s) by the channel's consumer or by the
/// receipt signer the channel recorded when it was opened. A served receipt is final: the channel
/// fixes at opening the key that signs its receipts (the account's `receiptSigner`, else the
/// consumer itself), and settlement makes no call to the consumer, so nothing the consumer does
/// later (registering another signer, changing its code, its agent or its ERC-1271 answer) can
/// stop a receipt it signed from settling. A contract consumer (a smart wallet, an agent
/// contract) registers the key that signs for it with `setReceiptSigner` before opening; opening
/// without one is refused (`UsageCreditsNoReceiptSigner`), since no receipt of such a channel
/// could ever settle. An EIP-7702-delegated EOA has code too: it registers itself (or a session
/// key). An account without code (an EOA) signs its own channels' receipts: opening by an EOA
/// reads no registration (it costs one EXTCODESIZE of the caller).
/// The channel's gateway settles any number of receipts in one `settle` call. The signed
/// `cumulativeCredits` is a CEILING: with each receipt the gateway submits `chargedCredits`, its
/// own cumulative charge for the channel (dynamic pricing: the consumer authorises up to the
/// ceiling, the gateway charges what the calls actually cost). A charge above the ceiling is
/// rejected (`UsageCreditsChargeAboveCeiling`). Per
/// channel the contract stores the cumulative amount settled so far; a receipt settles
/// `min(chargedCredits, deposit) - settled` credits:
///  - a charge above the channel's deposit is CAPPED at the deposit (the consumer signed at least
///    that much, so charging the deposit is covered by the signature; if the consumer later adds
///    credits, the same receipt can settle the rest up to its charge);
///  - a charge at or below what is already settled (replay, an older receipt submitted after a
///    newer one, or a lower charge) settles nothing: the settled amount never decreases. Such a
///    receipt is skipped without reverting and WITHOUT a signature check (it can move nothing),
///    after the gateway, window, deadline and ceiling checks, so batches stay robust;
///  - a receipt for another channel, contract or chain fails the signature check and is rejected
///    (a receipt submitted with other terms than its channel's names another channel: unknown,
///    or its signature fails).
/// The deadline is inclusive: a receipt settles in a block whose timestamp is <= `deadline`.
///
/// Expiry and grace. Let `graceEnd = expiry + GRACE_PERIOD`:
///  - `now < expiry`: open; the consumer may top up / extend; the gateway may settle.
///  - `expiry <= now < graceEnd`: grace; the channel is frozen (no top-up, no close) and the
///    gateway may still settle receipts (each within its own deadline). The contract cannot see
///    when a receipt was signed: consumers stop signing at expiry, and since receipts are
///    cumulative no receipt can ever charge more than the highest amount the consumer signed.
///  - `now >= graceEnd`: settlement is over; the consumer closes the channel and gets
///    `deposit - settled` credits back in its ERC-1155 balance.
///
/// Model status. A retired or flagged model (registry `isSaleOpen` false) takes no new
/// commitments: `buyCredits`, `openChannel`, `buyAndOpenChannel`, `topUpChannel` and
/// `buyAndTopUpChannel` revert. Everything that returns or finishes existing value never
/// consults the status: `redeem`, `closeChannel`, ERC-1155 transfers, `settle` of channels
/// opened before (the consumer already committed them) and `sweep`.
/// A gateway removed from the registry after a channel was opened may still settle that
/// channel; it cannot be chosen for new channels.
///
/// Gateways. One bad receipt never reverts a batch: a receipt that fails a check (unknown
/// channel: no channel has its terms with the caller as gateway; closed channel, settlement window over, deadline passed,
/// charge above the ceiling, signature of neither the consumer nor the channel's signer) settles
/// nothing and is skipped with `ReceiptRejected(channelId, reason)`, `reason` being the selector
/// of the error declared here that names the failed check; the rest of the batch settles.
///
/// Metadata. Without a URI template at deployment, `uri(modelId)` is on-chain ERC-1155 metadata
/// JSON built from state (credit value, asset) and the registry (latest version and weights
/// hash, sale status); a template, when given, is returned instead.
interface IUsageCredits is IERC1155 {
    /// @notice Per-model credit terms and totals (the view's shape; storage is packed differently).
    struct ModelCredits {
        address asset; // the model's payment asset, cached at enable time (address(0) = ETH)
        uint96 creditValue; // value of one credit in `asset` units; 0 = credits not enabled
        uint128 minted; // credits ever bought
        uint128 redeemed; // credits ever redeemed for their value
        uint128 channelled; // credits moved into channels minus credits returned on close
        uint128 consumed; // credits settled by gateways (their value went to the router)
    }

    /// @notice The immutable terms that name a channel: its id is
    /// `uint256(keccak256(abi.encode(consumer, gateway, modelId, salt)))`.
    struct ChannelTerms {
        address consumer; // who locked the credits (and signs receipts unless a signer is recorded)
        address gateway; // the only address that may settle this channel
        uint256 modelId; // the model (ERC-1155 id) the credits belong to
        uint256 salt; // any number telling apart channels of the same consumer, gateway and model
    }

    /// @notice A metering channel's state as returned by `channel` (stored packed in one slot:
    /// deposit and settled 64 bits each, expiry 32 bits; a receipt signer other than the consumer
    /// in a separate mapping written only for such channels). All zero for an unknown id.
    struct Channel {
        uint64 deposit; // credits locked into the channel in total; 0 = no channel
        uint64 settled; // cumulative credits settled so far (never above `deposit`)
        uint32 expiry; // end of the open phase; 0 once closed (deposit stays non-zero)
        address signer; // the key fixed at opening that signs receipts; address(0) = the consumer
    }

    /// @notice One receipt to settle: the channel's terms other than its gateway (the caller),
    /// the EIP-712 signature over Receipt(channelId, cumulativeCredits, deadline) by the
    /// channel's consumer or recorded signer (65-byte ECDSA, low-s), and the gateway's
    /// cumulative charge for the channel. `cumulativeCredits` is the ceiling the consumer signed;
    /// `chargedCredits` (at most the ceiling) is what the gateway actually charged under dynamic
    /// pricing, and is what settles. The channel is `channelIdOf(consumer, msg.sender, modelId,
    /// salt)`.
    struct SettleArgs {
        address consumer;
        uint256 modelId;
        uint256 salt;
        uint256 cumulativeCredits;
        uint256 deadline;
        bytes signature;
        uint256 chargedCredits;
    }

    /// @notice A consumer's signed intent to open a channel paid by an ERC-3009 authorization
    /// (`openChannelWithAuthorization`), EIP-712 type `OpenChannelIntent(address consumer,
    /// uint256 modelId,address gateway,uint256 salt,uint256 credits,uint256 expiry,
    /// address receiptSigner,bytes32 nonce,uint256 deadline)` in this contract's domain (the
    /// receipts' domain).
    struct OpenChannelIntent {
        address consumer; // who signs the intent and the authorization, and owns the channel
        uint256 modelId; // an ERC-20-priced model
        address gateway; // one of the model's gateways
        uint256 salt; // the channel's salt (its terms: consumer, gateway, modelId, salt)
        uint256 credits; // credits bought into the channel; the authorization pays their value
        uint256 expiry; // the channel's expiry (< 2^32)
        address receiptSigner; // the key that signs the channel's receipts (address(0): consumer)
        bytes32 nonce; // the ERC-3009 authorization's nonce (the token marks it used)
        uint256 deadline; // the intent and the authorization are valid before this time
    }

    /// @notice A consumer's signed intent to add credits to its channel paid by an ERC-3009
    /// authorization (`topUpChannelWithAuthorization`), EIP-712 type `TopUpIntent(address
    /// consumer,address gateway,uint256 modelId,uint256 salt,uint256 credits,uint256 expiry,
    /// bytes32 nonce,uint256 deadline)`: the channel's terms (the consumer signs), then the payment.
    struct TopUpIntent {
        address consumer;
        address gateway;
        uint256 modelId;
        uint256 salt;
        uint256 credits; // > 0: credits bought into the channel
        uint256 expiry; // the channel's new expiry (>= the current one)
        bytes32 nonce; // the ERC-3009 authorization's nonce
        uint256 deadline; // the intent and the authorization are valid before this time
    }

    /// @notice The consumer's ERC-3009 `receiveWithAuthorization` signature paying for an intent:
    /// from = the consumer, to = this contract, value = credits * creditValue, validAfter = 0,
    /// validBefore = the intent's deadline, nonce = the intent's nonce.
    struct TokenAuthorization {
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    error UsageCreditsUnknownModel(uint256 modelId);
    error UsageCreditsNotModelOwner(uint256 modelId, address caller);
    error UsageCreditsAlreadyEnabled(uint256 modelId, uint256 creditValue);
    error UsageCreditsNotEnabled(uint256 modelId);
    error UsageCreditsZeroCreditValue(uint256 modelId);
    error UsageCreditsCreditValueTooLarge(uint256 creditValue);
    error UsageCreditsZeroAmount();
    error UsageCreditsAmountTooLarge(uint256 credits);
    error UsageCreditsZeroAddress();
    error UsageCreditsSaleClosed(uint256 modelId);
    error UsageCreditsWrongPayment(uint256 expected, uint256 sent);
    error UsageCreditsFeeOnTransfer(address token, uint256 expected, uint256 received);
    error UsageCreditsInsufficientCredits(address account, uint256 modelId, uint256 balance, uint256 needed);
    error UsageCreditsNotGateway(uint256 modelId, address gateway);
    error UsageCreditsInvalidExpiry(uint256 expiry, uint256 minimum);
    error UsageCreditsUnknownChannel(uint256 channelId);
    error UsageCreditsNotChannelConsumer(uint256 channelId, address caller);
    error UsageCreditsChannelExpired(uint256 channelId, uint256 expiry);
    error UsageCreditsChannelClosed(uint256 channelId);
    error UsageCreditsChannelNotExpired(uint256 channelId, uint256 closableAt);
    error UsageCreditsSettlementClosed(uint256 channelId, uint256 graceEnd);
    error UsageCreditsReceiptExpired(uint256 channelId, uint256 deadline);
    error UsageCreditsInvalidSignature(uint256 channelId);
    error UsageCreditsChargeAboveCeiling(uint256 channelId, uint256 charged, uint256 ceiling);
    error UsageCreditsExpiryTooLarge(uint256 expiry, uint256 maximum);
    error UsageCreditsEthTransferFailed(address to, uint256 amount);
    /// @notice A contract `consumer` tried to open a channel without a registered receipt signer.
    error UsageCreditsNoReceiptSigner(address consumer);
    /// @notice A signed intent was submitted at or after its `deadline`.
    error UsageCreditsIntentExpired(uint256 deadline, uint256 timestamp);
    /// @notice A signed intent was not signed (ECDSA) by `consumer`: another signer, or terms
    /// (model, gateway, credits, expiry, receipt signer, nonce, deadline, channel) changed.
    error UsageCreditsInvalidIntentSignature(address consumer);
    /// @notice The authorization nonce of an intent was already used (or cancelled) at the token.
    error UsageCreditsAuthorizationUsed(address consumer, bytes32 nonce);
    /// @notice Gasless paths need an ERC-20-priced model (ETH cannot be authorized by signature).
    error UsageCreditsNotTokenPriced(uint256 modelId);
    /// @notice A cooperative close's charge is below what the channel already settled or above
    /// its deposit.
    error UsageCreditsInvalidFinalCharge(uint256 channelId, uint256 charged, uint256 settled, uint256 deposit);
    /// @notice A cooperative close was not signed by the other party (`expectedSigner`).
    error UsageCreditsInvalidCloseSignature(uint256 channelId, address expectedSigner);
    /// @notice Only the channel's consumer or gateway may close it cooperatively.
    error UsageCreditsNotChannelParty(uint256 channelId, address caller);
    /// @notice A channel with these terms was opened before (it may be closed): the same terms
    /// never open twice; open with another salt.
    error UsageCreditsChannelExists(uint256 channelId);

    event CreditsEnabled(uint256 indexed modelId, address indexed asset, uint256 creditValue);
    /// @dev The buyer is the `operator` of the accompanying ERC-1155 TransferSingle (mint), which
    /// also carries `to` indexed; `to` is not indexed here to keep a purchase within its gas budget.
    event CreditsBought(uint256 indexed modelId, address to, uint256 credits, uint256 paid);
    event CreditsRedeemed(
        uint256 indexed modelId,
        address indexed holder,
        address indexed to,
        uint256 credits,
        uint256 value
    );
    /// @notice A channel was opened: its terms (consumer, gateway, modelId, salt), its deposit,
    /// its expiry and the receipt signer it recorded (address(0): the consumer signs).
    event ChannelOpened(
        uint256 indexed channelId,
        address indexed consumer,
        uint256 indexed modelId,
        address gateway,
        uint256 salt,
        uint256 credits,
        uint256 expiry,
        address signer
    );
    event ChannelToppedUp(uint256 indexed channelId, uint256 addedCredits, uint256 deposit, uint256 expiry);
    event CreditsSettled(uint256 indexed channelId, uint256 indexed modelId, uint256 credits, uint256 settled);
    event ChannelClosed(uint256 indexed channelId, address indexed consumer, uint256 refundedCredits);
    /// @notice The value of `credits` consumed credits of `modelId` was paid to the router.
    event RevenueSwept(uint256 indexed modelId, uint256 credits, uint256 value);
    /// @notice `account`'s channels opened from now on record `signer` as their receipt signer
    /// (address(0): the account itself).
    event ReceiptSignerSet(address indexed account, address indexed signer);
    /// @notice `settle` skipped a receipt of `channelId`: `reason` is the selector of the error
    /// naming the check it failed (e.g. `UsageCreditsInvalidSignature.selector`).
    event ReceiptRejected(uint256 indexed channelId, bytes4 reason);

    /// @notice Seconds after a channel's expiry during which its gateway may still settle and the
    /// consumer may not yet close.
    function GRACE_PERIOD() external view returns (uint256);

    /// @notice The model registry read for ownership, gateways, payment asset and sale status.
    function registry() external view returns (address);

    /// @notice The RevenueRouter that receives the value of consumed credits.
    function router() external view returns (address);

    /// @notice Enables credits for `modelId` at `creditValue` units of the model's payment asset
    /// per credit. Only the model owner, once: the value is immutable afterwards.
    function enableCredits(uint256 modelId, uint256 creditValue) external;

    /// @notice Buys `credits` credits of `modelId` for `to`. Requires the model to be open for
    /// sale. ETH models: msg.value must equal `credits * creditValue`. ERC-20 models: msg.value
    /// must be 0 and the contract pulls exactly that amount (fee-on-transfer tokens revert).
    /// @return paid The amount paid into escrow.
    function buyCredits(uint256 modelId, uint256 credits, address to) external payable returns (uint256 paid);

    /// @notice Burns `credits` free credits of the caller and sends their value to `to`.
    /// Works whatever the model's status (retired or flagged models cannot block it).
    /// @return value The amount paid out of escrow.
    function redeem(uint256 modelId, uint256 credits, address to) external returns (uint256 value);

    /// @notice Locks `credits` of the caller's free credits into a new channel with `gateway`
    /// (an allowed gateway of the model) until `expiry`. Requires the model to be open for sale:
    /// a retired or flagged model gets no new channels (existing ones run to their end). The
    /// channel records the caller's `receiptSigner` (if any) as the key that signs its receipts
    /// besides the caller, for its whole life; a caller with code and no registered signer is
    /// refused (`UsageCreditsNoReceiptSigner`). The channel's terms are (caller, `gateway`,
    /// `modelId`, `salt`); terms opened before, even if closed since, revert
    /// `UsageCreditsChannelExists`.
    /// @return channelId The new channel id, `channelIdOf(caller, gateway, modelId, salt)`.
    function openChannel(
        uint256 modelId,
        address gateway,
        uint256 salt,
        uint256 credits,
        uint40 expiry
    ) external returns (uint256 channelId);

    /// @notice Pays for `credits` credits of `modelId` and locks them at once into a new channel
    /// of the caller with `gateway` until `expiry`: a funded channel in one transaction, the same
    /// checks as `buyCredits` + `openChannel` (the credits never enter the ERC-1155 balance).
    /// ETH models: msg.value must equal `credits * creditValue`. ERC-20 models: msg.value must be
    /// 0 and the contract pulls exactly that amount (allowance needed; fee-on-transfer reverts).
    /// The channel records its receipt signer as `openChannel` does. Emits CreditsBought
    /// (to = caller) and ChannelOpened.
    ///
    ///     uint256 id = credits.buyAndOpenChannel{value: 100 * creditValue}(model, gw, 0, 100, expiry);
    /// @return channelId The new channel id, `channelIdOf(caller, gateway, modelId, salt)`.
    function buyAndOpenChannel(
        uint256 modelId,
        address gateway,
        uint256 salt,
        uint256 credits,
        uint40 expiry
    ) external payable returns (uint256 channelId);

    /// @notice Adds `credits` free credits to an unexpired channel and/or moves its expiry to
    /// `newExpiry` (>= the current one). Only the channel's consumer (`terms.consumer` must be
    /// the caller). At least one must change.
    function topUpChannel(ChannelTerms calldata terms, uint256 credits, uint40 newExpiry) external;

    /// @notice Pays for `credits` (> 0) credits of the channel's model and adds them straight to
    /// the caller's unexpired channel, moving its expiry to `newExpiry` (>= the current one):
    /// `buyCredits` + `topUpChannel` in one transaction, with the checks and payment rules of
    /// both. Only the channel's consumer. Emits CreditsBought and ChannelToppedUp.
    function buyAndTopUpChannel(ChannelTerms calldata terms, uint256 credits, uint40 newExpiry) external payable;

    /// @notice Settles receipts of the caller's channels. Records consumption only (no external
    /// call): each model's `consumed` total is updated once per run of consecutive same-model
    /// receipts, so group a batch by model. The value reaches the router with `sweep` (or, in the
    /// same transaction, `settleAndSweep`). Never reverts because of one receipt: a receipt that
    /// fails a check (see "Gateways" above; the caller must be its channel's gateway) settles
    /// nothing and emits ReceiptRejected.
    ///
    ///     credits.settle([SettleArgs(consumer, model, salt, ceiling, deadline, sig, charged)]);
    /// @return credits The total credits settled by this call.
    function settle(SettleArgs[] calldata receipts) external returns (uint256 credits);

    /// @notice Names `signer` as the key that signs receipts of the caller's channels opened from
    /// now on (address(0) clears it). For accounts with code: a contract consumer (or an
    /// EIP-7702-delegated EOA, which may name itself) must have one to open a channel. An
    /// account without code when it opens a channel (an EOA) always signs its own receipts, and
    /// a signer it registered is not used; a contract may register from its constructor. A
    /// channel keeps the signer it recorded at opening: a later call here changes no open
    /// channel. The signer signs with ECDSA (a key, not an ERC-1271 contract).
    function setReceiptSigner(address signer) external;

    /// @notice The receipt signer `account` registered (address(0) if none).
    function receiptSigner(address account) external view returns (address);

    /// @notice Pays the value of `modelId`'s consumed-but-unswept credits to the router in one
    /// payment (the router applies the fee and the split). Anyone may call it; it moves only
    /// revenue already earned by settlement, never escrow. Returns 0 (no call) if nothing is
    /// pending. Reverts for a model without credits. An ERC-20 model's payment is pulled by the
    /// router's `pay` under a standing allowance of this contract, set to the maximum only when
    /// it falls short (the router pulls from no one but its caller).
    /// @return value The amount paid to the router.
    function sweep(uint256 modelId) external returns (uint256 value);

    /// @notice `settle(receipts)` then `sweep(modelId)` in one transaction, with the checks,
    /// events and effects of both in that order (the router payment last), so that a gateway
    /// settling a model's receipts sends their value to the router without a second
    /// transaction. Anyone's sweep of `modelId` may follow any receipts (the caller's own
    /// channels only, as in `settle`); a model without credits reverts the whole call.
    ///
    ///     credits.settleAndSweep([SettleArgs(consumer, model, salt, ceiling, deadline, sig, charged)], model);
    /// @return credits The total credits settled by this call.
    /// @return value The amount paid to the router (0 if nothing was pending).
    function settleAndSweep(
        SettleArgs[] calldata receipts,
        uint256 modelId
    ) external returns (uint256 credits, uint256 value);

    /// @notice Opens a funded channel for `intent.consumer` that anyone (in practice the gateway)
    /// submits: the consumer pays with an ERC-3009 `receiveWithAuthorization` (see
    /// TokenAuthorization) and needs no ETH. `signature` is the consumer's 65-byte ECDSA signature
    /// of the OpenChannelIntent, which binds model, gateway, credits, expiry, receipt signer,
    /// nonce and deadline, so the authorization cannot be redirected; its nonce is the
    /// authorization's, which the token consumes, so it opens exactly one channel, once. The
    /// channel is the consumer's (never the caller's), with the same checks as
    /// `buyAndOpenChannel`; its receipts are signed by `intent.receiptSigner` or, if zero, the
    /// consumer. Emits CreditsBought (to = consumer) and ChannelOpened.
    /// @return channelId The new channel id.
    function openChannelWithAuthorization(
        OpenChannelIntent calldata intent,
        bytes calldata signature,
        TokenAuthorization calldata authorization
    ) external returns (uint256 channelId);

    /// @notice Pays for `intent.credits` credits straight into the consumer's unexpired channel
    /// and moves its expiry to `intent.expiry`, submitted by anyone: `buyAndTopUpChannel` paid
    /// with the consumer's ERC-3009 authorization and authorised by its signed TopUpIntent (the
    /// signer must be `intent.consumer`, the channel's consumer). Emits CreditsBought and
    /// ChannelToppedUp.
    function topUpChannelWithAuthorization(
        TopUpIntent calldata intent,
        bytes calldata signature,
        TokenAuthorization calldata authorization
    ) external;

    /// @notice Closes a channel at once by agreement: settles it at `chargedCredits` (its final
    /// cumulative charge) and pays the value of the rest, `deposit - chargedCredits`, to the
    /// consumer in the model's asset. Either party submits it with the other's signature of the
    /// EIP-712 `CooperativeClose(uint256 channelId,uint256 chargedCredits)`: the consumer with
    /// the gateway's (ECDSA or ERC-1271), the gateway with the consumer's or the channel's
    /// receipt signer's (ECDSA). The gateway is therefore never paid more than the consumer
    /// signed or submitted, and the refund is never more than the deposit minus the charge.
    /// `chargedCredits` must lie between what is settled and the deposit. Works in any phase of
    /// an unclosed channel. Emits CreditsSettled (when the charge adds to what is settled),
    /// ChannelClosed and CreditsRedeemed (holder = to = consumer, when something is refunded).
    /// @return refunded The credits refunded (their value was paid to the consumer).
    function closeChannelCooperatively(
        ChannelTerms calldata terms,
        uint256 chargedCredits,
        bytes calldata signature
    ) external returns (uint256 refunded);

    /// @notice Closes the caller's channel after `expiry + GRACE_PERIOD` and returns the credits
    /// that were not settled to the consumer's ERC-1155 balance (`terms.consumer` must be the
    /// caller). The channel's slot stays non-zero: its terms can never open again.
    /// @return refunded The credits returned.
    function closeChannel(ChannelTerms calldata terms) external returns (uint256 refunded);

    /// @notice The model's credit terms and totals (all zero if credits are not enabled).
    function modelCredits(uint256 modelId) external view returns (ModelCredits memory);

    /// @notice Free credits of `modelId` (sum of ERC-1155 balances).
    function totalSupply(uint256 modelId) external view returns (uint256);

    /// @notice Credits of `modelId` locked in channels and not yet settled.
    function lockedSupply(uint256 modelId) external view returns (uint256);

    /// @notice The escrow held for `modelId`: creditValue * (free + locked credits).
    function escrowOf(uint256 modelId) external view returns (uint256);

    /// @notice Value of `modelId`'s settled credits not yet swept to the router.
    function pendingRevenue(uint256 modelId) external view returns (uint256);

    /// @notice The channel's state (all zero for an unknown id; expiry 0 with a non-zero deposit
    /// once closed).
    function channel(uint256 channelId) external view returns (Channel memory);

    /// @notice The id of the channel with `terms`:
    /// `uint256(keccak256(abi.encode(consumer, gateway, modelId, salt)))`.
    function channelIdOf(ChannelTerms calldata terms) external pure returns (uint256);

    /// @notice The EIP-712 digest the consumer signs for a receipt.
    function receiptDigest(
        uint256 channelId,
        uint256 cumulativeCredits,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice Whether `signature` is a valid signature of the receipt by the channel's consumer
    /// or recorded signer (ECDSA low-s; no ERC-1271 call). Does not check deadline, gateway or
    /// amounts.
    function verifyReceipt(
        ChannelTerms calldata terms,
        uint256 cumulativeCredits,
        uint256 deadline,
        bytes calldata signature
    ) external view returns (bool);
}
