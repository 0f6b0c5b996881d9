package blob

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeS3 is the subset of S3 that minio-go uses for PutObject (single PUT
// and multipart), GetObject, StatObject, RemoveObject and
// GetBucketLocation, with path-style addressing. It checks that requests
// are SigV4-signed with the expected access key but does not verify
// signatures.
type fakeS3 struct {
	t         *testing.T
	bucket    string
	accessKey string
	srv       *httptest.Server

	mu               sync.Mutex
	objects          map[string]fakeObject
	uploads          map[string]*fakeUpload
	nextUpload       int
	locationRequests int
	completedUploads int
}

type fakeObject struct {
	data        []byte
	contentType string
	etag        string
	modified    time.Time
}

type fakeUpload struct {
	key         string
	contentType string
	parts       map[int][]byte
}

func newFakeS3(t *testing.T, bucket, accessKey string) *fakeS3 {
	f := &fakeS3{
		t:         t,
		bucket:    bucket,
		accessKey: accessKey,
		objects:   map[string]fakeObject{},
		uploads:   map[string]*fakeUpload{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// endpoint is host:port, the form minio-go wants.
func (f *fakeS3) endpoint() string { return strings.TrimPrefix(f.srv.URL, "http://") }

func (f *fakeS3) object(key string) (fakeObject, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objects[key]
	return o, ok
}

func (f *fakeS3) putObject(key string, o fakeObject) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[key] = o
}

func (f *fakeS3) counts() (objects, uploads, location, completed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.objects), len(f.uploads), f.locationRequests, f.completedUploads
}

func (f *fakeS3) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="+f.accessKey+"/") {
		f.fail(w, r, http.StatusForbidden, "AccessDenied", "")
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if bucket != f.bucket {
		f.fail(w, r, http.StatusNotFound, "NoSuchBucket", "")
		return
	}
	q := r.URL.Query()
	switch {
	case key == "" && r.Method == http.MethodGet && q.Has("location"):
		f.mu.Lock()
		f.locationRequests++
		f.mu.Unlock()
		writeXML(w, http.StatusOK, struct {
			XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
			Region  string   `xml:",chardata"`
		}{Region: "fake-region-1"})
	case key == "":
		f.unexpected(w, r)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		f.uploadPart(w, r, key)
	case r.Method == http.MethodPut && len(q) == 0:
		data, ok := f.readBody(w, r)
		if !ok {
			return
		}
		o := fakeObject{data: data, contentType: r.Header.Get("Content-Type"), etag: etag(data), modified: time.Now()}
		f.putObject(key, o)
		w.Header().Set("ETag", o.etag)
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodPost && q.Has("uploads"):
		f.mu.Lock()
		f.nextUpload++
		id := fmt.Sprintf("upload-%d", f.nextUpload)
		f.uploads[id] = &fakeUpload{key: key, contentType: r.Header.Get("Content-Type"), parts: map[int][]byte{}}
		f.mu.Unlock()
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
			Bucket   string
			Key      string
			UploadID string `xml:"UploadId"`
		}{Bucket: bucket, Key: key, UploadID: id})
	case r.Method == http.MethodPost && q.Has("uploadId"):
		f.completeUpload(w, r, key, q.Get("uploadId"))
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		f.mu.Lock()
		delete(f.uploads, q.Get("uploadId"))
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case (r.Method == http.MethodGet || r.Method == http.MethodHead) && len(q) == 0:
		o, ok := f.object(key)
		if !ok {
			f.fail(w, r, http.StatusNotFound, "NoSuchKey", key)
			return
		}
		h := w.Header()
		h.Set("Content-Type", o.contentType)
		h.Set("Content-Length", strconv.Itoa(len(o.data)))
		h.Set("ETag", o.etag)
		h.Set("Last-Modified", o.modified.UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(o.data)
		}
	case r.Method == http.MethodDelete && len(q) == 0:
		f.mu.Lock()
		delete(f.objects, key)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		f.unexpected(w, r)
	}
}

func (f *fakeS3) uploadPart(w http.ResponseWriter, r *http.Request, key string) {
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil || n < 1 {
		f.fail(w, r, http.StatusBadRequest, "InvalidArgument", key)
		return
	}
	data, ok := f.readBody(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	up, ok := f.uploads[q.Get("uploadId")]
	if ok {
		up.parts[n] = data
	}
	f.mu.Unlock()
	if !ok {
		f.fail(w, r, http.StatusNotFound, "NoSuchUpload", key)
		return
	}
	w.Header().Set("ETag", etag(data))
	w.WriteHeader(http.StatusOK)
}

func (f *fakeS3) completeUpload(w http.ResponseWriter, r *http.Request, key, id string) {
	var req struct {
		Parts []struct {
			PartNumber int
			ETag       string
		} `xml:"Part"`
	}
	if err := xml.NewDecoder(r.Body).Decode(&req); err != nil {
		f.fail(w, r, http.StatusBadRequest, "MalformedXML", key)
		return
	}
	f.mu.Lock()
	up, ok := f.uploads[id]
	var data []byte
	for i, p := range req.Parts {
		if !ok {
			break
		}
		part, have := up.parts[p.PartNumber]
		// Parts must be listed in order with the ETags we handed out
		// (minio-go strips the quotes).
		ok = have && p.PartNumber == i+1 && `"`+strings.Trim(p.ETag, `"`)+`"` == etag(part)
		data = append(data, part...)
	}
	var o fakeObject
	if ok {
		o = fakeObject{data: data, contentType: up.contentType, etag: etag(data), modified: time.Now()}
		f.objects[key] = o
		delete(f.uploads, id)
		f.completedUploads++
	}
	f.mu.Unlock()
	if !ok {
		f.fail(w, r, http.StatusBadRequest, "InvalidPart", key)
		return
	}
	writeXML(w, http.StatusOK, struct {
		XMLName xml.Name `xml:"CompleteMultipartUploadResult"`
		Bucket  string
		Key     string
		ETag    string
	}{Bucket: f.bucket, Key: key, ETag: o.etag})
}

// readBody returns the payload, decoding minio-go's aws-chunked streaming
// signature encoding, which it uses for PUTs over plain HTTP. A short or
// malformed body is rejected so nothing is stored from a failed upload.
func (f *fakeS3) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	var (
		data []byte
		err  error
	)
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		data, err = decodeAWSChunked(r.Body)
		if err == nil {
			if want := r.Header.Get("X-Amz-Decoded-Content-Length"); want != strconv.Itoa(len(data)) {
				err = fmt.Errorf("decoded %d bytes, header says %s", len(data), want)
			}
		}
	} else {
		data, err = io.ReadAll(r.Body)
	}
	if err != nil {
		f.fail(w, r, http.StatusBadRequest, "IncompleteBody", err.Error())
		return nil, false
	}
	return data, true
}

// decodeAWSChunked decodes "<hex size>;chunk-signature=<sig>\r\n<data>\r\n"
// chunks up to the zero-length one; trailers after it are ignored.
func decodeAWSChunked(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		sizeHex, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("bad chunk header %q", line)
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, err
		}
		crlf := make([]byte, 2)
		if _, err := io.ReadFull(br, crlf); err != nil || string(crlf) != "\r\n" {
			return nil, fmt.Errorf("missing chunk terminator")
		}
	}
}

func etag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// fail writes an S3 error; HEAD responses carry no body, as with real S3.
func (f *fakeS3) fail(w http.ResponseWriter, r *http.Request, status int, code, key string) {
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	writeXML(w, status, struct {
		XMLName    xml.Name `xml:"Error"`
		Code       string
		Message    string
		Key        string `xml:",omitempty"`
		BucketName string
		Resource   string
		RequestID  string `xml:"RequestId"`
	}{Code: code, Message: code, Key: key, BucketName: f.bucket, Resource: r.URL.Path, RequestID: "fake"})
}

func (f *fakeS3) unexpected(w http.ResponseWriter, r *http.Request) {
	f.t.Errorf("fake S3: unexpected request %s %s", r.Method, r.URL)
	f.fail(w, r, http.StatusBadRequest, "NotImplemented", "")
}

func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), b...))
}

// keys lists stored object keys, sorted, for assertions.
func (f *fakeS3) keys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ks []string
	for k := range f.objects {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
