package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config configures an S3-compatible store.
type S3Config struct {
	// Endpoint is host[:port], e.g. "s3.eu-west-1.amazonaws.com" or
	// "minio.internal:9000". A "http://" or "https://" prefix is also
	// accepted; it then decides TLS and UseSSL is ignored.
	Endpoint string
	Bucket   string
	// AccessKey and SecretKey are static credentials; both are required.
	AccessKey string
	SecretKey string
	// Region is optional. When empty, minio-go asks the server for the
	// bucket's location before the first request to that bucket.
	Region string
	UseSSL bool
	// PathStyle forces path-style addressing (endpoint/bucket/key), which
	// most self-hosted servers need. When false the client picks: virtual
	// host style for AWS and Google endpoints, path style elsewhere.
	PathStyle bool
}

// s3PartSize is the multipart part size for uploads of unknown size, and the
// most Put buffers in memory to find out whether an upload fits in one
// request. Without it minio-go would allocate a ~537 MiB buffer per upload
// of unknown size.
const s3PartSize = 16 << 20

// S3 stores objects in one bucket of an S3-compatible service.
type S3 struct {
	client *minio.Client
	core   minio.Core
	bucket string
	// partSize is s3PartSize; a field so tests can exercise multipart with
	// less data.
	partSize int64
}

var _ Store = (*S3)(nil)

// NewS3 returns a store for cfg. It does not contact the server, so a
// wrong bucket or credentials surface on first use.
func NewS3(cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("blob: s3 endpoint not set")
	}
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("blob: s3 bucket %q: %w", cfg.Bucket, err)
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("blob: s3 access key and secret key are required")
	}
	endpoint, secure := cfg.Endpoint, cfg.UseSSL
	if strings.Contains(endpoint, "://") {
		u, err := url.Parse(endpoint)
		if err != nil {
			return nil, fmt.Errorf("blob: s3 endpoint: %w", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("blob: s3 endpoint %q: want host[:port] or http(s)://host[:port]", endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 client: %w", err)
	}
	return &S3{client: client, core: minio.Core{Client: client}, bucket: cfg.Bucket, partSize: s3PartSize}, nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	ct, err := normalizeContentType(contentType)
	if err != nil {
		return err
	}
	opts := minio.PutObjectOptions{ContentType: ct}
	if size < 0 {
		// minio-go always uses multipart for unknown sizes (three or more
		// requests). Most attachments are small, so read up to one part:
		// if that is everything, send a single PUT with a known size, which
		// is also retryable because the body is seekable.
		var buf bytes.Buffer
		n, err := io.CopyN(&buf, ctxReader{ctx, r}, s.partSize+1)
		switch {
		case errors.Is(err, io.EOF):
			r, size = bytes.NewReader(buf.Bytes()), n
		case err != nil:
			return fmt.Errorf("blob: put %q: %w", key, err)
		default:
			r = io.MultiReader(&buf, r)
			opts.PartSize = uint64(s.partSize)
		}
	}
	if _, err := s.client.PutObject(ctx, s.bucket, key, r, size, opts); err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	return nil
}

// Open implements Store. It issues a single GET; the returned body streams
// from the server and fails if ctx is cancelled before it is fully read.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, err
	}
	// Core.GetObject (unlike Client.GetObject) sends the request now, so a
	// missing key is reported here rather than on the first Read.
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			err = ErrNotFound
		}
		return nil, Info{}, fmt.Errorf("blob: open %q: %w", key, err)
	}
	return body, Info{Size: oi.Size, ContentType: oi.ContentType}, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	// S3 answers 204 for missing keys, but some compatible servers 404.
	if err != nil && minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return fmt.Errorf("blob: delete %q: %w", key, err)
	}
	return nil
}
