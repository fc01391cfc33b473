package replica

import (
	"encoding/json"
	"strconv"

	"gatehouse/backend"
	"gatehouse/backend/store"
)

// A first sync's pushes are thousands of changes each, and encoding/json
// spent a tenth of the server's time reading them, while the write
// transaction waited. readPush reads a push body of the shape a Client
// sends, a few times faster; for anything else (other keys, escapes in a
// change's strings, messages, malformed JSON) it reports false and the
// body goes through encoding/json as before. When it reports true, in
// holds what encoding/json would have decoded (FuzzReadPush checks).
func readPush(b []byte, in *PushInput) bool {
	seen := 0
	return readObject(b, in, func(p *wireParser, out *PushInput, key string) bool {
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
		return true
	})
}

// readObject reads all of b, one object, into a new T, handing each key to
// field to read its value; out is set only if that all went well.
func readObject[T any](b []byte, out *T, field func(p *wireParser, v *T, key string) bool) bool {
	p := wireParser{b: b}
	var v T
	if !p.object(func(key string) bool { return field(&p, &v, key) }) || !p.end() {
		return false
	}
	*out = v
	return true
}

// object reads an object, handing each key to field, which reads the
// value; false from field (not the usual shape) ends it with false.
func (p *wireParser) object(field func(key string) bool) bool {
	if !p.byte('{') {
		return false
	}
	if p.byte('}') {
		return true
	}
	for {
		key, ok := p.plain()
		if !ok || !p.byte(':') || !field(key) {
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

// end says whether nothing but white space is left.
func (p *wireParser) end() bool {
	p.ws()
	return p.i == len(p.b)
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

func (p *wireParser) null() bool { return p.literal("null") }

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
			if !p.int64(&c.Seq) {
				return false
			}
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

// appendPush encodes a push of changes read from this desktop's log: what
// json.Marshal(PushInput{Changes: toWire(changes)}) gives, byte for byte
// (TestAppendPush), without encoding/json's reflection and its second
// pass over every change's data, which the log holds as compact JSON
// already. It is a tenth of a first sync's time on the desktop's side.
func appendPush(b []byte, changes []backend.Change) ([]byte, error) {
	b, err := appendChanges(append(b, `{"changes":`...), changes)
	if err != nil {
		return nil, err
	}
	return append(b, `,"messages":null}`...), nil
}

// appendPull encodes a pull's answer as json.NewEncoder(w).Encode of its
// PullResult would (TestAppendPull), the same way.
func appendPull(b []byte, changes []backend.Change, next int64, more bool, head int64) ([]byte, error) {
	b, err := appendChanges(append(b, `{"changes":`...), changes)
	if err != nil {
		return nil, err
	}
	b = strconv.AppendInt(append(b, `,"next":`...), next, 10)
	b = strconv.AppendBool(append(b, `,"more":`...), more)
	b = strconv.AppendInt(append(b, `,"head":`...), head, 10)
	return append(b, "}\n"...), nil
}

// wireSize is about the size of changes encoded by appendChanges, to make
// room for them once: their data, and ids, clocks and keys.
func wireSize(changes []backend.Change) int {
	size := 64
	for _, ch := range changes {
		raw, _ := ch.Data.(json.RawMessage)
		size += len(raw) + 200
	}
	return size
}

// appendChanges is json.Marshal of toWire(changes).
func appendChanges(b []byte, changes []backend.Change) ([]byte, error) {
	b = append(b, '[')
	for i := range changes {
		ch := &changes[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = store.AppendJSONString(b, ch.ID)
		b = append(b, `,"entity":`...)
		b = store.AppendJSONString(b, ch.Entity)
		b = append(b, `,"entityId":`...)
		b = store.AppendJSONString(b, ch.EntityID)
		b = append(b, `,"op":`...)
		b = store.AppendJSONString(b, ch.Op)
		b = append(b, `,"hlc":`...)
		b = store.AppendJSONString(b, ch.HLC)
		if len(ch.Base) > 0 {
			base, err := json.Marshal(ch.Base)
			if err != nil {
				return nil, err
			}
			b = append(append(b, `,"base":`...), base...)
		}
		if ch.Seq != 0 {
			b = strconv.AppendInt(append(b, `,"seq":`...), ch.Seq, 10)
		}
		b = append(b, `,"data":`...)
		raw, _ := ch.Data.(json.RawMessage)
		switch {
		case raw == nil:
			b = append(b, "null"...)
		case compactJSON(raw):
			b = append(b, raw...)
		default:
			data, err := json.Marshal(raw)
			if err != nil {
				return nil, err
			}
			b = append(b, data...)
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// readPull reads a pull's answer of the shape a Server sends, as readPush
// reads a push: false sends it to encoding/json (FuzzReadPull checks the
// two agree).
func readPull(b []byte, out *PullResult) bool {
	seen := 0
	return readObject(b, out, func(p *wireParser, res *PullResult, key string) bool {
		switch key {
		case "changes":
			if seen&1 != 0 || !p.changes(&res.Changes) {
				return false
			}
			seen |= 1
		case "next":
			if seen&2 != 0 || !p.int64(&res.Next) {
				return false
			}
			seen |= 2
		case "head":
			if seen&8 != 0 || !p.int64(&res.Head) {
				return false
			}
			seen |= 8
		case "more":
			switch {
			case seen&4 != 0:
				return false
			case p.literal("true"):
				res.More = true
			case !p.literal("false"):
				return false
			}
			seen |= 4
		default:
			return false
		}
		return true
	})
}

// int64 reads a JSON number that is an int64, as encoding/json reads it
// into one; a fraction or a number too big is left to encoding/json, which
// says what is wrong.
func (p *wireParser) int64(out *int64) bool {
	p.ws()
	start := p.i
	if !p.number() {
		return false
	}
	n, err := strconv.ParseInt(string(p.b[start:p.i]), 10, 64)
	if err != nil {
		return false
	}
	*out = n
	return true
}

// literal skips white space and then word, if word is next.
func (p *wireParser) literal(word string) bool {
	p.ws()
	if len(p.b)-p.i >= len(word) && string(p.b[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

// compactJSON says whether raw is as json.Marshal would re-encode it: no
// white space outside strings, none of the characters Marshal escapes
// inside them (<, >, &, U+2028, U+2029). The log's data is Marshal's own
// output, so this holds, and the look is one pass without a parser; the
// server checks the JSON as it decodes it anyway.
func compactJSON(raw []byte) bool {
	if len(raw) == 0 || (raw[0] != '{' && raw[0] != '[') {
		return false
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inString && c == '\\':
			i++ // the escaped character cannot end the string
		case c == '"':
			inString = !inString
		case inString && (c == '<' || c == '>' || c == '&'):
			return false
		case inString && c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && (raw[i+2] == 0xA8 || raw[i+2] == 0xA9):
			return false
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return !inString
}
