package store

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// A first sync encodes every new row's JSON columns and hashes its nested
// values: encoding/json's reflection and key sorting were a good part of
// it. appendJSON writes the values decodeData produces byte for byte as
// json.Marshal does (so hashes and stored JSON do not change), and hands
// anything else to json.Marshal.

func appendJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendJSONString(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendJSONString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, x[k]); err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// AppendJSONString appends s as a JSON string: as it is when it needs no
// escaping (printable ASCII but for quotes, backslashes and the HTML
// characters json.Marshal escapes), else as json.Marshal writes it.
func AppendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// marshalled reports whether valid JSON is already as json.Marshal of it
// as a json.RawMessage would write it: compact, with <, >, & and U+2028,
// U+2029 escaped. A desktop sends its log's data that way.
func marshalled(raw []byte) bool {
	in := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '<', '>', '&':
			return false
		case 0xE2:
			if i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8 {
				return false
			}
		case '"':
			in = !in
		case '\\':
			i++ // only inside a string: the escaped byte is not a quote
		case ' ', '\t', '\n', '\r':
			if !in {
				return false
			}
		}
	}
	return true
}

// decodeObject is decodeData's way for the JSON a desktop sends: objects,
// arrays, whole numbers that fit an int64, true, false, null, and strings
// without escapes in valid UTF-8. For those it gives what encoding/json
// with UseNumber and columnValue give; ok is false for anything else
// (escapes, fractions, malformed input), which goes encoding/json's way.
func decodeObject(raw []byte) (m map[string]any, ok bool) {
	return decodeObjectKeys(raw, nil)
}

// keyCache holds object keys already read, so thousands of changes naming
// the same fields share their strings instead of each allocating its own.
// It is not safe for concurrent use: each preparing worker has its own.
type keyCache map[string]string

const maxCachedKeys = 4096 // a batch of odd keys must not grow it without end

// decodeObjectKeys is decodeObject taking keys from keys (nil: none).
func decodeObjectKeys(raw []byte, keys keyCache) (m map[string]any, ok bool) {
	d := fastDecoder{b: raw, keys: keys}
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, false
	}
	v, ok := d.value()
	if !ok {
		return nil, false
	}
	d.space()
	if d.i != len(d.b) {
		return nil, false
	}
	return v.(map[string]any), true
}

type fastDecoder struct {
	b    []byte
	i    int
	keys keyCache
}

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value() (any, bool) {
	d.space()
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		d.i++
		m := make(map[string]any, 8)
		d.space()
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, true
		}
		for {
			d.space()
			k, ok := d.key()
			if !ok {
				return nil, false
			}
			d.space()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, false
			}
			d.i++
			v, ok := d.value()
			if !ok {
				return nil, false
			}
			m[k] = v
			d.space()
			if d.i >= len(d.b) {
				return nil, false
			}
			if d.b[d.i] == '}' {
				d.i++
				return m, true
			}
			if d.b[d.i] != ',' {
				return nil, false
			}
			d.i++
		}
	case c == '[':
		d.i++
		list := []any{}
		d.space()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return list, true
		}
		for {
			v, ok := d.value()
			if !ok {
				return nil, false
			}
			list = append(list, v)
			d.space()
			if d.i >= len(d.b) {
				return nil, false
			}
			if d.b[d.i] == ']' {
				d.i++
				return list, true
			}
			if d.b[d.i] != ',' {
				return nil, false
			}
			d.i++
		}
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.i
		if c == '-' {
			d.i++
		}
		digits := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		n := d.i - digits
		if n == 0 || (n > 1 && d.b[digits] == '0') {
			return nil, false
		}
		if d.i < len(d.b) && (d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E') {
			return nil, false // a fraction: encoding/json's way
		}
		v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
		if err != nil {
			return nil, false
		}
		return v, true
	default:
		for _, lit := range [...]struct {
			s string
			v any
		}{{"true", true}, {"false", false}, {"null", nil}} {
			if len(d.b)-d.i >= len(lit.s) && string(d.b[d.i:d.i+len(lit.s)]) == lit.s {
				d.i += len(lit.s)
				return lit.v, true
			}
		}
		return nil, false
	}
}

// key reads an object's key as str does, from the cache when it is there.
func (d *fastDecoder) key() (string, bool) {
	b, ok := d.span()
	if !ok || d.keys == nil {
		return string(b), ok
	}
	if k, found := d.keys[string(b)]; found {
		return k, true
	}
	k := string(b)
	if len(d.keys) < maxCachedKeys {
		d.keys[k] = k
	}
	return k, true
}

// str reads a string without escapes or control characters, in valid UTF-8.
func (d *fastDecoder) str() (string, bool) {
	b, ok := d.span()
	return string(b), ok
}

// span reads such a string and returns its bytes, without the quotes.
func (d *fastDecoder) span() ([]byte, bool) {
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return nil, false
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			d.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// fillStruct sets the struct v points to from m as json.Unmarshal of m's
// JSON would, when every key is a field's exact JSON name and every value
// has the field's kind (string, whole number, bool, or object for a nested
// struct; null leaves a field as it is). ok is false when it cannot tell
// (json.Unmarshal then): another key, another type, a kind it does not know.
func fillStruct(v reflect.Value, m map[string]any) (ok bool) {
	fields := jsonFields(v.Type())
	if fields == nil {
		return false
	}
	for k, x := range m {
		i, found := fields[k]
		if !found {
			return false
		}
		if x == nil {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			s, is := x.(string)
			if !is {
				return false
			}
			f.SetString(s)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			n, is := x.(int64)
			if !is || f.OverflowInt(n) {
				return false
			}
			f.SetInt(n)
		case reflect.Bool:
			b, is := x.(bool)
			if !is {
				return false
			}
			f.SetBool(b)
		case reflect.Struct:
			sub, is := x.(map[string]any)
			if !is || !fillStruct(f, sub) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

var jsonFieldCache sync.Map // reflect.Type -> map[string]int (nil: not a plain struct)

// jsonFields maps a struct's JSON names to its fields; nil for a struct
// fillStruct does not handle (embedded fields, tag options).
func jsonFields(t reflect.Type) map[string]int {
	if f, ok := jsonFieldCache.Load(t); ok {
		return f.(map[string]int)
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case sf.Anonymous || opts != "":
			fields = nil
		case !sf.IsExported() || name == "-":
			continue
		case name == "":
			name = sf.Name
		}
		if fields == nil {
			break
		}
		fields[name] = i
	}
	jsonFieldCache.Store(t, fields)
	return fields
}
