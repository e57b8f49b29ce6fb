package zoho

import "io"

// readAheadBuffers is how many reads of the body may wait for the target:
// enough that the socket is read while the last read is written and hashed,
// few enough that a download holds about 1 MiB whatever the file's size.
const readAheadBuffers = 4

// chunk is one read of a body.
type chunk struct {
	buf []byte
	n   int
	err error
}

// readAhead reads body in a goroutine of its own into readAheadBuffers
// buffers of downloadBufferBytes, handing each read on as it completes, so
// that reading the socket overlaps writing and hashing the bytes before.
// Done serially, each waits for the other, and a fast line runs at the
// speed of their sum. The reader stops after a read that ends the body (an
// error or io.EOF), or when stop is called; the buffers are its own, so a
// goroutine still blocked in Read after stop (until the caller closes the
// body) never writes into memory anyone else uses. Every chunk received
// must be given back with release before the reader reuses its buffer.
func readAhead(body io.Reader) (chunks <-chan chunk, release func([]byte), stop func()) {
	out := make(chan chunk, readAheadBuffers)
	free := make(chan []byte, readAheadBuffers)
	done := make(chan struct{})
	for range readAheadBuffers {
		free <- make([]byte, downloadBufferBytes)
	}
	go func() {
		defer close(out)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			n, err := body.Read(buf)
			select {
			case out <- chunk{buf: buf, n: n, err: err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return out, func(buf []byte) { free <- buf }, func() { close(done) }
}
