// Package config reads charla's configuration from the environment.
package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"charla/internal/phone"
)

// Config is everything charla reads from its environment. The README lists each variable.
type Config struct {
	Addr        string `env:"CHARLA_ADDR" envDefault:"127.0.0.1:8080"`
	DataDir     string `env:"CHARLA_DATA_DIR" envDefault:"./data"`
	DatabaseURL string `env:"DATABASE_URL"`
	// BaseURL is the public URL put in webhook and widget links; derived from Addr when empty.
	BaseURL   string `env:"CHARLA_BASE_URL"`
	SecretKey string `env:"CHARLA_SECRET_KEY"`
	// MaxUploadMB bounds attachments uploaded by agents, visitors and the API.
	MaxUploadMB int64 `env:"CHARLA_MAX_UPLOAD_MB" envDefault:"25"`
	// Storage selects where attachments live: "local" (under DataDir) or "s3".
	Storage    string `env:"CHARLA_STORAGE" envDefault:"local"`
	S3Endpoint string `env:"CHARLA_S3_ENDPOINT"`
	S3Bucket   string `env:"CHARLA_S3_BUCKET"`
	S3Region   string `env:"CHARLA_S3_REGION" envDefault:"us-east-1"`
	S3Access   string `env:"CHARLA_S3_ACCESS_KEY"`
	S3Secret   string `env:"CHARLA_S3_SECRET_KEY"`
	S3UseSSL   bool   `env:"CHARLA_S3_USE_SSL" envDefault:"true"`
	LogFormat  string `env:"CHARLA_LOG_FORMAT"` // "json" or "text"; default: json unless stderr is a terminal
	// TrustProxy takes the client address from X-Forwarded-For / X-Real-IP; only
	// behind a proxy that sets them, or anyone could dodge per-IP login limits.
	TrustProxy bool `env:"CHARLA_TRUST_PROXY" envDefault:"false"`
	// TemplateSyncEvery is how often WhatsApp templates are re-read from the
	// provider, besides on demand and on template webhooks (negative: never).
	TemplateSyncEvery time.Duration `env:"CHARLA_TEMPLATE_SYNC" envDefault:"1h"`
	// PhoneRegion is the country assumed for numbers typed or imported
	// without a country code (ISO 3166 code such as BR; empty: none assumed).
	PhoneRegion string `env:"CHARLA_PHONE_REGION"`
}

// Load reads the environment and checks what can be checked before start-up.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, err
	}
	return c, c.normalize()
}

func (c *Config) normalize() error {
	if c.BaseURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "127.0.0.1" + host
		}
		c.BaseURL = "http://" + host
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("CHARLA_BASE_URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.MaxUploadMB <= 0 {
		return fmt.Errorf("CHARLA_MAX_UPLOAD_MB must be positive, got %d", c.MaxUploadMB)
	}
	if c.Storage != "local" && c.Storage != "s3" {
		return fmt.Errorf("CHARLA_STORAGE must be local or s3, got %q", c.Storage)
	}
	c.PhoneRegion = strings.ToUpper(strings.TrimSpace(c.PhoneRegion))
	if c.PhoneRegion != "" && !phone.KnownRegion(c.PhoneRegion) {
		return fmt.Errorf("CHARLA_PHONE_REGION must be a two-letter country code such as BR or MX, got %q", c.PhoneRegion)
	}
	if c.Storage == "s3" && (c.S3Endpoint == "" || c.S3Bucket == "") {
		return fmt.Errorf("CHARLA_STORAGE=s3 needs CHARLA_S3_ENDPOINT and CHARLA_S3_BUCKET")
	}
	return nil
}

// Postgres tells whether the configured database is PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// Secure tells whether charla is served over https, so cookies get the Secure flag.
func (c Config) Secure() bool { return strings.HasPrefix(c.BaseURL, "https://") }
