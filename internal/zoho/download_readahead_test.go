package zoho

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// readAhead hands on every byte of the body in order, then the read that
// ended it, whatever the sizes of the body's reads.
func TestReadAheadDeliversTheBodyInOrder(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 3*downloadBufferBytes/16+7)
	failure := errors.New("connection reset")
	for name, tc := range map[string]struct {
		reader  io.Reader
		wantErr error
	}{
		"whole reads":          {bytes.NewReader(body), io.EOF},
		"one byte at a time":   {iotest.OneByteReader(bytes.NewReader(body[:5000])), io.EOF},
		"an error after data":  {io.MultiReader(bytes.NewReader(body), iotest.ErrReader(failure)), failure},
		"data with the error":  {iotest.DataErrReader(bytes.NewReader(body)), io.EOF},
		"an error and no data": {iotest.ErrReader(failure), failure},
	} {
		t.Run(name, func(t *testing.T) {
			chunks, release, stop := readAhead(tc.reader)
			defer stop()
			var got bytes.Buffer
			var last error
			for c := range chunks {
				got.Write(c.buf[:c.n])
				release(c.buf)
				last = c.err
			}
			want := body
			if name == "one byte at a time" {
				want = body[:5000]
			}
			if name == "an error and no data" {
				want = nil
			}
			if !bytes.Equal(got.Bytes(), want) || !errors.Is(last, tc.wantErr) {
				t.Errorf("got %d bytes (equal: %v) ending with %v, want %d bytes ending with %v", got.Len(), bytes.Equal(got.Bytes(), want), last, len(want), tc.wantErr)
			}
		})
	}
}

// After stop, the reader goroutine ends without handing on anything more,
// even while a read is blocked until the body is closed.
func TestReadAheadStops(t *testing.T) {
	pr, pw := io.Pipe()
	chunks, _, stop := readAhead(pr)
	stop()
	_ = pw.CloseWithError(errors.New("closed by the caller"))
	for c := range chunks {
		if c.n > 0 {
			t.Fatalf("a chunk of %d bytes after stop", c.n)
		}
	}
}
