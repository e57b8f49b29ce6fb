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

// rawProfile is profile.proto with ids and string indexes unresolved.
type rawProfile struct {
	strs        []string
	typeIdx     []int64
	samples     []rawSample
	locFuncs    map[uint64][]uint64 // location id -> function ids, leaf first
	funcNameIdx map[uint64]int64
}

func decodePprof(b []byte) (*pprofProfile, error) {
	r := rawProfile{locFuncs: map[uint64][]uint64{}, funcNameIdx: map[uint64]int64{}}
	if err := forEachField(b, r.field); err != nil {
		return nil, err
	}
	str := func(i int64) string {
		if i < 0 || int(i) >= len(r.strs) {
			return "?"
		}
		return r.strs[i]
	}
	p := &pprofProfile{}
	for _, i := range r.typeIdx {
		p.sampleTypes = append(p.sampleTypes, str(i))
	}
	for _, s := range r.samples {
		var stack []string
		for _, loc := range s.locations {
			for _, f := range r.locFuncs[loc] {
				stack = append(stack, str(r.funcNameIdx[f]))
			}
		}
		p.samples = append(p.samples, pprofSample{stack: stack, values: s.values})
	}
	return p, nil
}

// field decodes one field of Profile.
func (r *rawProfile) field(num int, _ uint64, data []byte) error {
	switch num {
	case 1: // sample_type: ValueType{type = 1}
		return forEachField(data, func(n int, v uint64, _ []byte) error {
			if n == 1 {
				r.typeIdx = append(r.typeIdx, int64(v))
			}
			return nil
		})
	case 2: // sample: Sample{location_id = 1, value = 2}
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
		r.samples = append(r.samples, s)
		return err
	case 4:
		return r.location(data)
	case 5: // function: Function{id = 1, name = 2}
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
		r.funcNameIdx[id] = name
		return err
	case 6: // string_table
		r.strs = append(r.strs, string(data))
	}
	return nil
}

// location decodes Location{id = 1, line = 4: Line{function_id = 1}}.
func (r *rawProfile) location(data []byte) error {
	var id uint64
	var funcs []uint64
	err := forEachField(data, func(n int, v uint64, d []byte) error {
		switch n {
		case 1:
			id = v
		case 4:
			return forEachField(d, func(n int, v uint64, _ []byte) error {
				if n == 1 {
					funcs = append(funcs, v)
				}
				return nil
			})
		}
		return nil
	})
	r.locFuncs[id] = funcs
	return err
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
// value in v (data nil), a length-delimited field's bytes in data. Fixed
// 32- and 64-bit fields are skipped.
func forEachField(b []byte, fn func(num int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		num, v, data, rest, err := nextField(b)
		if err != nil {
			return err
		}
		b = rest
		if num < 0 {
			continue
		}
		if err := fn(num, v, data); err != nil {
			return err
		}
	}
	return nil
}

// nextField reads the field at the start of b; num is -1 for a skipped one.
func nextField(b []byte) (num int, v uint64, data, rest []byte, err error) {
	key, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0, nil, nil, errBadProto
	}
	b = b[n:]
	switch key & 7 {
	case 0:
		value, m := binary.Uvarint(b)
		if m <= 0 {
			return 0, 0, nil, nil, errBadProto
		}
		return int(key >> 3), value, nil, b[m:], nil
	case 1, 5:
		size := 8
		if key&7 == 5 {
			size = 4
		}
		if len(b) < size {
			return 0, 0, nil, nil, errBadProto
		}
		return -1, 0, nil, b[size:], nil
	case 2:
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return 0, 0, nil, nil, errBadProto
		}
		return int(key >> 3), 0, b[n : n+int(l) : n+int(l)], b[n+int(l):], nil
	}
	return 0, 0, nil, nil, errBadProto
}
