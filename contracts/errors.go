package contracts

// ErrorCode names a rejection: the "// ERR:CODE" tag of the TEAL line
// whose assert or err failed.
type ErrorCode string

// Rejection codes tagged in the TEAL sources.
const (
	ErrAlreadyConfigured     ErrorCode = "ERR:ALREADY_CONFIGURED"
	ErrAlreadyRegistered     ErrorCode = "ERR:ALREADY_REGISTERED"
	ErrBadgeClaimed          ErrorCode = "ERR:BADGE_CLAIMED"
	ErrBadAddress            ErrorCode = "ERR:BAD_ADDRESS"
	ErrBadArg                ErrorCode = "ERR:BAD_ARG"
	ErrBadBool               ErrorCode = "ERR:BAD_BOOL"
	ErrBadConfig             ErrorCode = "ERR:BAD_CONFIG"
	ErrBadCreate             ErrorCode = "ERR:BAD_CREATE"
	ErrBadDeadline           ErrorCode = "ERR:BAD_DEADLINE"
	ErrBadEndpoint           ErrorCode = "ERR:BAD_ENDPOINT"
	ErrBadJobBounds          ErrorCode = "ERR:BAD_JOB_BOUNDS"
	ErrBadOnCompletion       ErrorCode = "ERR:BAD_ON_COMPLETION"
	ErrBadPrice              ErrorCode = "ERR:BAD_PRICE"
	ErrBadRate               ErrorCode = "ERR:BAD_RATE"
	ErrBadState              ErrorCode = "ERR:BAD_STATE"
	ErrBadString             ErrorCode = "ERR:BAD_STRING"
	ErrBadTier               ErrorCode = "ERR:BAD_TIER"
	ErrBadUint64             ErrorCode = "ERR:BAD_UINT64"
	ErrBadWindow             ErrorCode = "ERR:BAD_WINDOW"
	ErrBeforeDeadline        ErrorCode = "ERR:BEFORE_DEADLINE"
	ErrNonceUsed             ErrorCode = "ERR:NONCE_USED"
	ErrNotConfigured         ErrorCode = "ERR:NOT_CONFIGURED"
	ErrNotConsumer           ErrorCode = "ERR:NOT_CONSUMER"
	ErrNotCreator            ErrorCode = "ERR:NOT_CREATOR"
	ErrNotEscrow             ErrorCode = "ERR:NOT_ESCROW"
	ErrNotProvider           ErrorCode = "ERR:NOT_PROVIDER"
	ErrNotRegistered         ErrorCode = "ERR:NOT_REGISTERED"
	ErrNotRegistry           ErrorCode = "ERR:NOT_REGISTRY"
	ErrNoBadge               ErrorCode = "ERR:NO_BADGE"
	ErrNoRecord              ErrorCode = "ERR:NO_RECORD"
	ErrNoSuchJob             ErrorCode = "ERR:NO_SUCH_JOB"
	ErrOptinMissing          ErrorCode = "ERR:OPTIN_MISSING"
	ErrOverElapsed           ErrorCode = "ERR:OVER_ELAPSED"
	ErrOverMax               ErrorCode = "ERR:OVER_MAX"
	ErrPastDeadline          ErrorCode = "ERR:PAST_DEADLINE"
	ErrPaymentAmount         ErrorCode = "ERR:PAYMENT_AMOUNT"
	ErrPaymentClose          ErrorCode = "ERR:PAYMENT_CLOSE"
	ErrPaymentMissing        ErrorCode = "ERR:PAYMENT_MISSING"
	ErrPaymentReceiver       ErrorCode = "ERR:PAYMENT_RECEIVER"
	ErrPaymentRekey          ErrorCode = "ERR:PAYMENT_REKEY"
	ErrPaymentSender         ErrorCode = "ERR:PAYMENT_SENDER"
	ErrProviderNotRegistered ErrorCode = "ERR:PROVIDER_NOT_REGISTERED"
	ErrProviderUnavailable   ErrorCode = "ERR:PROVIDER_UNAVAILABLE"
	ErrSelfDeal              ErrorCode = "ERR:SELF_DEAL"
	ErrStringTooLong         ErrorCode = "ERR:STRING_TOO_LONG"
	ErrUnderfunded           ErrorCode = "ERR:UNDERFUNDED"
	ErrUnknownMethod         ErrorCode = "ERR:UNKNOWN_METHOD"
	ErrWindowClosed          ErrorCode = "ERR:WINDOW_CLOSED"
	ErrWindowOpen            ErrorCode = "ERR:WINDOW_OPEN"
)

// AllErrorCodes lists every code the TEAL sources may raise.
func AllErrorCodes() []ErrorCode {
	return []ErrorCode{
		ErrAlreadyConfigured,
		ErrAlreadyRegistered,
		ErrBadgeClaimed,
		ErrBadAddress,
		ErrBadArg,
		ErrBadBool,
		ErrBadConfig,
		ErrBadCreate,
		ErrBadDeadline,
		ErrBadEndpoint,
		ErrBadJobBounds,
		ErrBadOnCompletion,
		ErrBadPrice,
		ErrBadRate,
		ErrBadState,
		ErrBadString,
		ErrBadTier,
		ErrBadUint64,
		ErrBadWindow,
		ErrBeforeDeadline,
		ErrNonceUsed,
		ErrNotConfigured,
		ErrNotConsumer,
		ErrNotCreator,
		ErrNotEscrow,
		ErrNotProvider,
		ErrNotRegistered,
		ErrNotRegistry,
		ErrNoBadge,
		ErrNoRecord,
		ErrNoSuchJob,
		ErrOptinMissing,
		ErrOverElapsed,
		ErrOverMax,
		ErrPastDeadline,
		ErrPaymentAmount,
		ErrPaymentClose,
		ErrPaymentMissing,
		ErrPaymentReceiver,
		ErrPaymentRekey,
		ErrPaymentSender,
		ErrProviderNotRegistered,
		ErrProviderUnavailable,
		ErrSelfDeal,
		ErrStringTooLong,
		ErrUnderfunded,
		ErrUnknownMethod,
		ErrWindowClosed,
		ErrWindowOpen,
	}
}
