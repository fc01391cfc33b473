package replica

import (
	"encoding/json"
	"strconv"

	"gatehouse/backend"
)

// A first sync's pushes are thousands of changes each, and encoding/json
// spent a tenth of the server's time reading them, while the write
// transaction waited. readPush reads a push body of the shape a Client
// sends, a few times faster; for anything else (other keys, escapes in a
// change's strings, messages, malformed JSON) it reports false and the
// body goes through encoding/json as before. When it reports true, in
// holds what encoding/json would have decoded (FuzzReadPush checks).
func readPush(b []byte, in *PushInput) bool {
	p := wireParser{b: b}
	var out PushInput
	seen := 0
	if !p.byte('{') {
		return false
	}
	if !p.byte('}') {
		for {
			key, ok := p.plain()
			if !ok || !p.byte(':') {
				return false
			}
			switch key {
			case "changes":
				if seen&1 != 0 || !p.changes(&out.Changes) {
					return false
				}
				seen |= 1
			case "messages":
				// A desktop hands messages over in pushes of their own.
				if seen&2 != 0 || !p.null() {
					return false
				}
				seen |= 2
			default:
				return false
			}
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return false
			}
		}
	}
	p.ws()
	if p.i != len(p.b) {
		return false
	}
	*in = out
	return true
}

type wireParser struct {
	b []byte
	i int
}

func (p *wireParser) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// byte skips white space and then c, if c is next.
func (p *wireParser) byte(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *wireParser) null() bool {
	p.ws()
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// plain reads a string without escapes or control characters; its bytes
// are then the string encoding/json decodes (invalid UTF-8 aside, which
// encoding/json replaces, so it is not plain either).
func (p *wireParser) plain() (string, bool) {
	b, ok := p.plainBytes()
	return string(b), ok
}

// plainBytes is plain without making a string (for keys).
func (p *wireParser) plainBytes() ([]byte, bool) {
	p.ws()
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			b := p.b[p.i+1 : j]
			p.i = j + 1
			return b, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

func (p *wireParser) changes(out *[]WireChange) bool {
	if p.null() {
		*out = nil
		return true
	}
	if !p.byte('[') {
		return false
	}
	list := []WireChange{}
	if p.byte(']') {
		*out = list
		return true
	}
	for {
		var c WireChange
		if !p.change(&c) {
			return false
		}
		list = append(list, c)
		if p.byte(']') {
			*out = list
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

func (p *wireParser) change(c *WireChange) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	var seen uint
	for {
		kb, ok := p.plainBytes()
		if !ok || !p.byte(':') {
			return false
		}
		bit := uint(1) << changeKeys[string(kb)] // unknown keys: bit 0, refused below
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		switch key := string(kb); key {
		case "id", "entity", "entityId", "op", "hlc":
			v, ok := p.plain()
			if !ok {
				return false
			}
			switch key {
			case "id":
				c.ID = v
			case "entity":
				c.Entity = v
			case "entityId":
				c.EntityID = v
			case "op":
				c.Op = v
			case "hlc":
				c.HLC = v
			}
		case "data":
			p.ws()
			start := p.i
			if p.null() || !p.value(0) {
				return false
			}
			c.Data = json.RawMessage(p.b[start:p.i])
		case "base":
			if !p.base(&c.Change) {
				return false
			}
		case "seq":
			p.ws()
			start := p.i
			if !p.number() {
				return false
			}
			n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
			if err != nil {
				return false // a fraction or too big: encoding/json says what
			}
			c.Seq = n
		default:
			return false
		}
		if p.byte('}') {
			return true
		}
		if !p.byte(',') {
			return false
		}
	}
}

// changeKeys numbers a change's keys from 1, to tell one sent twice.
var changeKeys = map[string]uint{"id": 1, "entity": 2, "entityId": 3, "op": 4, "hlc": 5, "data": 6, "base": 7, "seq": 8}

func (p *wireParser) base(c *backend.Change) bool {
	if !p.byte('{') {
		return false
	}
	m := map[string]string{}
	if !p.byte('}') {
		for {
			k, ok := p.plain()
			if !ok || !p.byte(':') {
				return false
			}
			if _, dup := m[k]; dup {
				return false
			}
			v, ok := p.plain()
			if !ok {
				return false
			}
			m[k] = v
			if p.byte('}') {
				break
			}
			if !p.byte(',') {
				return false
			}
		}
	}
	c.Base = m
	return true
}

// value skips one JSON value, checking it as strictly as encoding/json;
// nesting deeper than 100 is left to encoding/json.
func (p *wireParser) value(depth int) bool {
	if depth > 100 {
		return false
	}
	p.ws()
	if p.i >= len(p.b) {
		return false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		p.i++
		if p.byte('}') {
			return true
		}
		for {
			p.ws()
			if !p.str() || !p.byte(':') || !p.value(depth+1) {
				return false
			}
			if p.byte('}') {
				return true
			}
			if !p.byte(',') {
				return false
			}
		}
	case c == '[':
		p.i++
		if p.byte(']') {
			return true
		}
		for {
			if !p.value(depth + 1) {
				return false
			}
			if p.byte(']') {
				return true
			}
			if !p.byte(',') {
				return false
			}
		}
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p.b)-p.i >= len(lit) && string(p.b[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			return true
		}
	}
	return false
}

// str skips a JSON string: no control characters, only JSON's escapes.
func (p *wireParser) str() bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			p.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			j++
			if j >= len(p.b) {
				return false
			}
			switch p.b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(p.b) {
					return false
				}
				for _, h := range p.b[j+1 : j+5] {
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						return false
					}
				}
				j += 4
			default:
				return false
			}
		}
	}
	return false
}

// number skips a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *wireParser) number() bool {
	b, i := p.b, p.i
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	p.i = i
	return true
}
