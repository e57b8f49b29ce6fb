package zoho

import "io"

// readAheadBuffers is how many reads may wait for the target (1 MiB).
const readAheadBuffers = 4

// chunk is one read of a body.
type chunk struct {
	buf []byte
	n   int
	err error
}

// readAhead reads body in its own goroutine into buffers of its own,
// handing each read on as it completes. It stops after the read that ends
// the body, or at stop. Give every chunk back with release.
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
