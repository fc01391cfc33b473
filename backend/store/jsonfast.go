package store

import (
	"encoding/json"
	"sort"
	"strconv"
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
		return appendJSONString(b, x), nil
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
			b = appendJSONString(b, k)
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

// appendJSONString appends s as a JSON string: as it is when it needs no
// escaping (printable ASCII but for quotes, backslashes and the HTML
// characters json.Marshal escapes), else as json.Marshal writes it.
func appendJSONString(b []byte, s string) []byte {
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
