package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// pprofProfile is what the CPU-section needs of a pprof profile: each
// sample's values and its stack, leaf first, inlined frames expanded.
type pprofProfile struct {
	sampleTypes []string
	samples     []pprofSample
}

type pprofSample struct {
	stack  []string
	values []int64
}

// valueIndex is the index of the named sample type ("cpu", "alloc_space").
func (p *pprofProfile) valueIndex(name string) (int, error) {
	for i, t := range p.sampleTypes {
		if t == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("the profile has no %q samples (it has %v)", name, p.sampleTypes)
}

// readPprof reads a gzipped profile.proto as runtime/pprof writes it. It
// decodes only the fields above, with no dependency on a pprof library.
func readPprof(path string) (*pprofProfile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	p, err := decodePprof(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

type rawSample struct {
	locations []uint64
	values    []int64
}

func decodePprof(b []byte) (*pprofProfile, error) {
	var (
		strs        []string
		typeIdx     []int64
		rawSamples  []rawSample
		locFuncs    = map[uint64][]uint64{} // location id -> function ids, leaf first
		funcNameIdx = map[uint64]int64{}
	)
	err := forEachField(b, func(num int, v uint64, data []byte) error {
		switch num {
		case 1: // sample_type
			return forEachField(data, func(n int, v uint64, _ []byte) error {
				if n == 1 {
					typeIdx = append(typeIdx, int64(v))
				}
				return nil
			})
		case 2: // sample
			var s rawSample
			err := forEachField(data, func(n int, v uint64, d []byte) error {
				switch n {
				case 1:
					s.locations = appendVarints(s.locations, v, d)
				case 2:
					for _, u := range appendVarints(nil, v, d) {
						s.values = append(s.values, int64(u))
					}
				}
				return nil
			})
			rawSamples = append(rawSamples, s)
			return err
		case 4: // location
			var id uint64
			var funcs []uint64
			err := forEachField(data, func(n int, v uint64, d []byte) error {
				switch n {
				case 1:
					id = v
				case 4: // line
					return forEachField(d, func(n int, v uint64, _ []byte) error {
						if n == 1 {
							funcs = append(funcs, v)
						}
						return nil
					})
				}
				return nil
			})
			locFuncs[id] = funcs
			return err
		case 5: // function
			var id uint64
			var name int64
			err := forEachField(data, func(n int, v uint64, _ []byte) error {
				switch n {
				case 1:
					id = v
				case 2:
					name = int64(v)
				}
				return nil
			})
			funcNameIdx[id] = name
			return err
		case 6: // string_table
			strs = append(strs, string(data))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(strs) {
			return "?"
		}
		return strs[i]
	}
	p := &pprofProfile{}
	for _, i := range typeIdx {
		p.sampleTypes = append(p.sampleTypes, str(i))
	}
	for _, s := range rawSamples {
		var stack []string
		for _, loc := range s.locations {
			for _, f := range locFuncs[loc] {
				stack = append(stack, str(funcNameIdx[f]))
			}
		}
		p.samples = append(p.samples, pprofSample{stack: stack, values: s.values})
	}
	return p, nil
}

// appendVarints appends a repeated varint field, packed (data) or not (v).
func appendVarints(to []uint64, v uint64, data []byte) []uint64 {
	if data == nil {
		return append(to, v)
	}
	for len(data) > 0 {
		u, n := binary.Uvarint(data)
		if n <= 0 {
			return to
		}
		to, data = append(to, u), data[n:]
	}
	return to
}

var errBadProto = errors.New("not a valid profile.proto")

// forEachField calls fn with each field of a protobuf message: a varint's
// value in v (data nil), a length-delimited field's bytes in data.
func forEachField(b []byte, fn func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errBadProto
		}
		b = b[n:]
		num, wire := int(key>>3), key&7
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return errBadProto
			}
			b = b[n:]
			if err := fn(num, v, nil); err != nil {
				return err
			}
		case 1:
			if len(b) < 8 {
				return errBadProto
			}
			b = b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return errBadProto
			}
			data := b[n : n+int(l)]
			b = b[n+int(l):]
			if data == nil {
				data = []byte{}
			}
			if err := fn(num, 0, data); err != nil {
				return err
			}
		case 5:
			if len(b) < 4 {
				return errBadProto
			}
			b = b[4:]
		default:
			return errBadProto
		}
	}
	return nil
}
