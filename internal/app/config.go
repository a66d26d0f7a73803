// Package app wires Serenade together: configuration from flags and
// SERENADE_* variables, the keyring, the store and the HTTP server. The
// command and the tests start the same wiring.
package app

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"serenade/internal/auth"
	"serenade/internal/clientip"
	"serenade/internal/domain"
	"serenade/internal/server"
	"serenade/internal/store"
	"serenade/internal/web"
)

// Config is every setting of a Serenade process.
type Config struct {
	Listen            string        // SERENADE_LISTEN, default 127.0.0.1:8080
	MetricsListen     string        // SERENADE_METRICS_LISTEN: serve /metrics there instead of on Listen
	DataDir           string        // SERENADE_DATA_DIR, default ./data
	DatabaseURL       string        // SERENADE_DATABASE_URL: postgres://… or a SQLite path (default <data>/serenade.db)
	MasterKeyFile     string        // SERENADE_MASTER_KEY_FILE (default <data>/master.key)
	MasterKey         string        // SERENADE_MASTER_KEY: the key itself, instead of a file
	EscrowFile        string        // SERENADE_ESCROW_FILE: escrow keys of the backups (default escrow.keys beside the master key file, or in <data>)
	WithdrawalPolicy  string        // SERENADE_WITHDRAWAL_POLICY: keep-pseudonymised | erase-all
	MinParticipantAge int           // SERENADE_MIN_PARTICIPANT_AGE: youngest age a codice fiscale is read as (default 18)
	MaxDocumentSize   int64         // SERENADE_MAX_DOCUMENT_SIZE in bytes (default 20 MiB)
	MaxUploadMemory   int64         // SERENADE_MAX_UPLOAD_MEMORY: bytes uploads in flight may hold (default 4 × MaxDocumentSize)
	ShutdownTimeout   time.Duration // SERENADE_SHUTDOWN_TIMEOUT: how long in-flight requests may drain
	Demo              bool          // --demo: seed demo accounts and patients into an empty database
	DemoAllowPublic   bool          // --demo-allow-public: let --demo listen beyond loopback
	OIDC              OIDCConfig    // external identity provider; local login when Issuer is empty
	MQTT              MQTTConfig    // MQTT ingest; off when URL is empty
	TrustedProxies    string        // SERENADE_TRUSTED_PROXIES: CIDRs/addresses whose X-Forwarded-For or Forwarded is believed; none by default
	MaxPasswordChecks int           // SERENADE_MAX_PASSWORD_CHECKS: password checks (64 MiB each) at once; 0: max(2, GOMAXPROCS)
	AccountCheckTTL   time.Duration // SERENADE_ACCOUNT_CHECK_TTL: how long a token's account state is cached (default 5s)
	BodyReadTimeout   time.Duration // SERENADE_BODY_READ_TIMEOUT: how long a request body may take to arrive, uploads excepted (default 10s)
	MaxConnections    int           // SERENADE_MAX_CONNECTIONS: open connections in all (default 4096)
	MaxPerClient      int           // SERENADE_MAX_CONNECTIONS_PER_CLIENT: open connections per peer address, trusted proxies excepted (default 256)
	Sensors           SensorConfig  // sensor ingest and storage (SERENADE_INGEST_*, SERENADE_READINGS_*)
	Silence           SilenceConfig // device health: the silence rule and its worker (SERENADE_SILENCE_*, SERENADE_EVENT_SILENCE)
	Web               WebConfig     // the web UI's sessions and login (SERENADE_WEB_*)
	// KeyCheckInterval is how often /readyz's check that the master keys
	// open the data keys in use runs (default 10s; it also runs when a
	// data key fails to open). No variable sets it: tests shorten it.
	KeyCheckInterval time.Duration
	// PasswordSlotWait is how long a login waits for a password-hashing
	// slot before it is answered 503 (default 2s). No variable sets it:
	// tests whose hashes run on a loaded machine lengthen it, so that
	// what they check is the gate's order, not the machine's speed.
	PasswordSlotWait time.Duration
	// AuditDisabledForBenchmarks turns the audit trail off. No flag or
	// variable sets it: only benchmarks measuring the audit's cost do.
	AuditDisabledForBenchmarks bool
	// Version is the build's version, reported in the OpenAPI document
	// and the telemetry resource; the command sets it from its build.
	Version string
	// HTTPClient makes the server's outgoing calls (the identity
	// provider's discovery and keys). nil: a client of the app's own
	// with outboundTimeout, never the process-wide http.DefaultClient.
	HTTPClient *http.Client
	// StoreClock, when set, dates what the store writes (records' created,
	// updated, ticket, message and document times). No flag or variable
	// sets it: tests use it to spread a study over months. Tokens, the
	// audit trail and the login limiter keep the real clock.
	StoreClock func() time.Time
}

// OIDCConfig selects an external OpenID Connect provider (SERENADE_OIDC_*).
type OIDCConfig struct {
	Issuer   string // SERENADE_OIDC_ISSUER, e.g. https://keycloak.example/realms/serenade
	ClientID string // SERENADE_OIDC_CLIENT_ID
	// ClientSecret is the confidential client's secret
	// (SERENADE_OIDC_CLIENT_SECRET or _FILE), for the browser login's
	// code exchange at the provider's token endpoint; verifying access
	// tokens does not need it.
	ClientSecret string
	Audience     string // SERENADE_OIDC_AUDIENCE, default the client id
	// RequireAudience (SERENADE_OIDC_REQUIRE_AUDIENCE=true): only "aud"
	// decides, a token whose "azp" is the client no longer suffices.
	RequireAudience bool
	RolesClaim      string // SERENADE_OIDC_ROLES_CLAIM, default realm_access.roles
	RoleMap         string // SERENADE_OIDC_ROLE_MAP: "idp-name=role,…"; identity when empty
}

// WebConfig sets the web UI's sessions and login.
type WebConfig struct {
	IdleTimeout  time.Duration // SERENADE_WEB_IDLE_TIMEOUT: a session unused this long ends (default 30m)
	MaxAge       time.Duration // SERENADE_WEB_MAX_AGE: a session ends this long after login, used or not (default 12h)
	ProviderName string        // SERENADE_WEB_PROVIDER_NAME: the OIDC provider's name on the login page ("Sign in with …")
	// Scopes are what the browser login asks the provider for
	// (SERENADE_WEB_OIDC_SCOPES, space-separated; default "openid profile
	// email"; add the one that puts the roles claim in the access token,
	// e.g. "groups" for Dex).
	Scopes string
}

// webFromEnv reads the web UI's settings.
func (c *Config) webFromEnv(getenv func(string) string) error {
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"SERENADE_WEB_IDLE_TIMEOUT", &c.Web.IdleTimeout}, {"SERENADE_WEB_MAX_AGE", &c.Web.MaxAge}} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 30*24*time.Hour {
			return fmt.Errorf("%s: want a duration from 1m to 720h, got %q", v.name, s)
		}
		*v.dst = d
	}
	if c.Web.IdleTimeout > c.Web.MaxAge && c.Web.MaxAge > 0 {
		return fmt.Errorf("SERENADE_WEB_IDLE_TIMEOUT (%s) is longer than SERENADE_WEB_MAX_AGE (%s)", c.Web.IdleTimeout, c.Web.MaxAge)
	}
	if v := getenv("SERENADE_WEB_PROVIDER_NAME"); v != "" {
		c.Web.ProviderName = v
	}
	if v := getenv("SERENADE_WEB_OIDC_SCOPES"); v != "" {
		c.Web.Scopes = v
	}
	return nil
}

// Defaults returns the embedded-default configuration.
func Defaults() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		DataDir:           "data",
		WithdrawalPolicy:  string(store.KeepPseudonymised),
		MinParticipantAge: domain.DefaultMinParticipantAge,
		MaxDocumentSize:   domain.DefaultMaxDocumentSize,
		ShutdownTimeout:   30 * time.Second,
		AccountCheckTTL:   auth.DefaultAccountCheckTTL,
		BodyReadTimeout:   server.DefaultBodyReadTimeout,
		MaxConnections:    server.DefaultMaxConnections,
		MaxPerClient:      server.DefaultMaxPerPeer,
		Version:           "dev",
		Sensors:           SensorConfig{DemoDays: DefaultDemoSensorDays},
		Web:               WebConfig{IdleTimeout: web.DefaultIdleTimeout, MaxAge: web.DefaultMaxAge},
	}
}

// outboundTimeout bounds each outgoing call of the default HTTP client.
const outboundTimeout = 30 * time.Second

// outboundClient is the client of outgoing calls.
func (c Config) outboundClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: outboundTimeout}
}

// FromEnv overlays SERENADE_* variables on c. A secret variable may be
// given as NAME_FILE instead (see withSecretFiles).
func (c *Config) FromEnv(getenv func(string) string) error {
	getenv, err := withSecretFiles(getenv)
	if err != nil {
		return err
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("SERENADE_LISTEN", &c.Listen)
	str("SERENADE_METRICS_LISTEN", &c.MetricsListen)
	str("SERENADE_DATA_DIR", &c.DataDir)
	str("SERENADE_DATABASE_URL", &c.DatabaseURL)
	str("SERENADE_MASTER_KEY_FILE", &c.MasterKeyFile)
	str("SERENADE_MASTER_KEY", &c.MasterKey)
	str("SERENADE_ESCROW_FILE", &c.EscrowFile)
	str("SERENADE_WITHDRAWAL_POLICY", &c.WithdrawalPolicy)
	str("SERENADE_OIDC_ISSUER", &c.OIDC.Issuer)
	str("SERENADE_OIDC_CLIENT_ID", &c.OIDC.ClientID)
	str("SERENADE_OIDC_CLIENT_SECRET", &c.OIDC.ClientSecret)
	str("SERENADE_OIDC_AUDIENCE", &c.OIDC.Audience)
	str("SERENADE_OIDC_ROLES_CLAIM", &c.OIDC.RolesClaim)
	str("SERENADE_OIDC_ROLE_MAP", &c.OIDC.RoleMap)
	str("SERENADE_TRUSTED_PROXIES", &c.TrustedProxies)
	if err := c.mqttFromEnv(getenv); err != nil {
		return err
	}
	if v := getenv("SERENADE_OIDC_REQUIRE_AUDIENCE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("SERENADE_OIDC_REQUIRE_AUDIENCE: want true or false, got %q", v)
		}
		c.OIDC.RequireAudience = b
	}
	if err := c.loginFromEnv(getenv); err != nil {
		return err
	}
	if err := c.webFromEnv(getenv); err != nil {
		return err
	}
	if err := c.connectionsFromEnv(getenv); err != nil {
		return err
	}
	if v := getenv("SERENADE_MAX_DOCUMENT_SIZE"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("SERENADE_MAX_DOCUMENT_SIZE: want a positive number of bytes, got %q", v)
		}
		c.MaxDocumentSize = n
	}
	if err := c.uploadMemoryFromEnv(getenv); err != nil {
		return err
	}
	if err := c.Sensors.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.Silence.fromEnv(getenv); err != nil {
		return err
	}
	if err := c.minAgeFromEnv(getenv); err != nil {
		return err
	}
	if v := getenv("SERENADE_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("SERENADE_SHUTDOWN_TIMEOUT: %w", err)
		}
		c.ShutdownTimeout = d
	}
	return nil
}

// minAgeFromEnv reads the youngest age of participants, which places a
// codice fiscale's two-digit year in a century. It must leave room below
// the oldest plausible age, or no code would be accepted.
func (c *Config) minAgeFromEnv(getenv func(string) string) error {
	v := getenv("SERENADE_MIN_PARTICIPANT_AGE")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 100 {
		return fmt.Errorf("SERENADE_MIN_PARTICIPANT_AGE: want an age from 1 to 100, got %q", v)
	}
	c.MinParticipantAge = n
	return nil
}

// loginFromEnv reads the settings of login and token checks.
func (c *Config) loginFromEnv(getenv func(string) string) error {
	if v := getenv("SERENADE_MAX_PASSWORD_CHECKS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("SERENADE_MAX_PASSWORD_CHECKS: want a positive number, got %q", v)
		}
		c.MaxPasswordChecks = n
	}
	if v := getenv("SERENADE_ACCOUNT_CHECK_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			return fmt.Errorf("SERENADE_ACCOUNT_CHECK_TTL: want a duration up to 1m, got %q", v)
		}
		c.AccountCheckTTL = d
	}
	return nil
}

// connectionsFromEnv reads what a client may hold of the server.
func (c *Config) connectionsFromEnv(getenv func(string) string) error {
	if v := getenv("SERENADE_BODY_READ_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 10*time.Minute {
			return fmt.Errorf("SERENADE_BODY_READ_TIMEOUT: want a duration up to 10m, got %q", v)
		}
		c.BodyReadTimeout = d
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"SERENADE_MAX_CONNECTIONS", &c.MaxConnections}, {"SERENADE_MAX_CONNECTIONS_PER_CLIENT", &c.MaxPerClient}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i <= 0 {
				return fmt.Errorf("%s: want a positive number, got %q", n.name, v)
			}
			*n.dst = i
		}
	}
	return nil
}

// StorageFlags registers the flags every subcommand that opens the
// database shares; flags override the environment.
func (c *Config) StorageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory of the embedded default (SERENADE_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres:// URL or SQLite path (SERENADE_DATABASE_URL)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", c.MasterKeyFile, "master key file, mode 0600 (SERENADE_MASTER_KEY_FILE)")
	fs.StringVar(&c.EscrowFile, "escrow-file", c.EscrowFile, "escrow key file of the backups, mode 0600, never inside a backup (SERENADE_ESCROW_FILE)")
}

// ServeFlags registers the flags of `serve`.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.StorageFlags(fs)
	fs.StringVar(&c.Listen, "listen", c.Listen, "address to listen on (SERENADE_LISTEN)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "serve /metrics on this address instead (SERENADE_METRICS_LISTEN)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "seed demo accounts and sample patients into an empty database")
	fs.BoolVar(&c.DemoAllowPublic, "demo-allow-public", c.DemoAllowPublic, "allow --demo on a non-loopback address (demo passwords are public!)")
}

// Resolve fills derived defaults and checks the combination.
func (c *Config) Resolve() error {
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "serenade.db")
	}
	if c.MasterKeyFile == "" && c.MasterKey == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.MasterKeyFile != "" && c.MasterKey != "" {
		return errors.New("set SERENADE_MASTER_KEY or SERENADE_MASTER_KEY_FILE, not both")
	}
	if c.EscrowFile == "" {
		c.EscrowFile = c.defaultEscrowFile()
	}
	switch store.WithdrawalPolicy(c.WithdrawalPolicy) {
	case store.KeepPseudonymised, store.EraseAll:
	default:
		return fmt.Errorf("SERENADE_WITHDRAWAL_POLICY: want %s or %s, got %q", store.KeepPseudonymised, store.EraseAll, c.WithdrawalPolicy)
	}
	if c.OIDC.Issuer != "" && c.OIDC.ClientID == "" {
		return errors.New("SERENADE_OIDC_ISSUER needs SERENADE_OIDC_CLIENT_ID")
	}
	if _, err := c.OIDC.roleMap(); err != nil {
		return err
	}
	if err := c.MQTT.check(); err != nil {
		return err
	}
	if _, err := clientip.New(c.TrustedProxies); err != nil {
		return fmt.Errorf("SERENADE_TRUSTED_PROXIES: %w", err)
	}
	if c.Demo && !c.DemoAllowPublic && !isLoopback(c.Listen) {
		return fmt.Errorf("--demo listens only on a loopback address (its passwords are public); %q is not one: use --demo-allow-public to force it", c.Listen)
	}
	return nil
}

// defaultEscrowFile is escrow.keys beside the master key file, or in the
// data directory when the master key comes from the environment.
func (c *Config) defaultEscrowFile() string {
	if c.MasterKeyFile != "" {
		return filepath.Join(filepath.Dir(c.MasterKeyFile), "escrow.keys")
	}
	return filepath.Join(c.DataDir, "escrow.keys")
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrUsage marks a command line that could not be understood.
var ErrUsage = errors.New("usage")

// Flags returns a subcommand's configuration flags, with their defaults,
// for the command line parser to parse and show in help.
func Flags(register func(*Config, *flag.FlagSet)) *flag.FlagSet {
	c := Defaults()
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	register(&c, fs)
	return fs
}

// Load builds the configuration of a subcommand: defaults, then the
// environment, then the flags the operator gave. given returns a flag's
// value when it was set on the command line.
func Load(register func(*Config, *flag.FlagSet), given func(name string) (string, bool)) (Config, error) {
	c := Defaults()
	if err := c.FromEnv(os.Getenv); err != nil {
		return c, err
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	register(&c, fs)
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := given(f.Name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%w: --%s: %w", ErrUsage, f.Name, e)
			}
		}
	})
	if err != nil {
		return c, err
	}
	return c, c.Resolve()
}

// uploadMemoryFromEnv reads SERENADE_MAX_UPLOAD_MEMORY: the bytes uploads
// in flight may hold in memory. Unset, it is four documents of the limit
// (applied by the API, after the document limit is known); set, it must
// hold at least one document, else every upload of the largest size
// would be refused.
func (c *Config) uploadMemoryFromEnv(getenv func(string) string) error {
	v := getenv("SERENADE_MAX_UPLOAD_MEMORY")
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("SERENADE_MAX_UPLOAD_MEMORY: want a positive number of bytes, got %q", v)
	}
	if n < c.MaxDocumentSize {
		return fmt.Errorf("SERENADE_MAX_UPLOAD_MEMORY: %d bytes hold no document of SERENADE_MAX_DOCUMENT_SIZE (%d bytes)", n, c.MaxDocumentSize)
	}
	c.MaxUploadMemory = n
	return nil
}
