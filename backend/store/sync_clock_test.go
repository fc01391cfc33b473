package store

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gatehouse/backend"
)

// TestClockForms: the compact form reads back what was written, whatever
// a clock or hash holds, and the first form still reads.
func TestClockForms(t *testing.T) {
	a, b := "1795000000001-00000-desktop00001", "1795000000002-00000-odd#node:\"x\"\n<&>"
	c := rowClock{
		m: map[string]string{"name": a, "email": a, "profile.name": b, "profile.weird \"key\"": a, "empty": b, "colon": a},
		h: map[string]string{"name": "1lgujo0ajtqvd", "email": "2o0ouh8ha5s0y", "profile.name": "bbx1il7c1fur",
			"profile.weird \"key\"": "x", "empty": "", "colon": "3:odd"},
	}
	js := c.encode()
	if strings.Count(js, a) != 1 || !strings.HasPrefix(js, `{"@":[`) {
		t.Errorf("encoded: %s", js)
	}
	if js != c.encode() {
		t.Error("two encodings of one clock differ")
	}
	got := rowClock{m: map[string]string{}, h: map[string]string{}}
	if err := got.decode(js); err != nil {
		t.Fatalf("decode %s: %v", js, err)
	}
	if !reflect.DeepEqual(got.m, c.m) || !reflect.DeepEqual(got.h, c.h) {
		t.Errorf("round trip of %s:\n got %v %v\nwant %v %v", js, got.m, got.h, c.m, c.h)
	}

	old := rowClock{m: map[string]string{}, h: map[string]string{}}
	if err := old.decode(`{"name":"` + a + `#1lgujo0ajtqvd","email":"` + a + `"}`); err != nil {
		t.Fatal(err)
	}
	if old.m["name"] != a || old.h["name"] != "1lgujo0ajtqvd" || old.m["email"] != a || old.h["email"] != "" {
		t.Errorf("first form: %v %v", old.m, old.h)
	}
	for _, bad := range []string{`{"@":[],"a":"x"}`, `{"@":["h"],"a":"1:x"}`, `{"@":["h"],"a":"-1:x"}`, `{"a":1}`, `nope`} {
		c := rowClock{m: map[string]string{}, h: map[string]string{}}
		if err := c.decode(bad); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

// TestAppendJSONIsMarshal: appendJSON writes what json.Marshal writes, and
// marshalled tells JSON that json.Marshal would leave as it is.
func TestAppendJSONIsMarshal(t *testing.T) {
	values := []any{
		nil, "", "plain", "quote \" back \\ slash", "<b>&amp;</b>", "tab\tnew\nline\r\b\f\x01", "Ünïcødé ✓", "line\u2028sep\u2029",
		"bad \xff utf8", int64(0), int64(-42), int64(1795000000000), true, false, 1.5, 1e21, 3.0,
		map[string]any{}, map[string]any{"b": int64(1), "a": "x", "<": nil, "nested": map[string]any{"z": []any{int64(1), "two", nil}}},
		[]any{}, []any{map[string]any{"k": "v"}}, map[string]any(nil), []any(nil),
	}
	for _, v := range values {
		want, _ := json.Marshal(v)
		got, err := appendJSON(nil, v)
		if err != nil || string(got) != string(want) {
			t.Errorf("%#v: appendJSON %s (%v); json.Marshal %s", v, got, err, want)
		}
		if !marshalled(want) {
			t.Errorf("%s: json.Marshal's own output not taken as marshalled", want)
		}
		again, _ := json.Marshal(json.RawMessage(want))
		if string(again) != string(want) {
			t.Errorf("%s: marshalled again gives %s", want, again)
		}
	}
	for _, raw := range []string{`{"a": 1}`, "{\"a\":1}\n", `{"a":"<"}`, `{"a":"&"}`, "{\"a\":\"\u2028\"}", `[1, 2]`} {
		if marshalled([]byte(raw)) {
			t.Errorf("%q taken as marshalled", raw)
		}
	}
	for _, raw := range []string{`{"a b":"c d","e":"\" ,"}`, `{"x":"\\","y":" "}`, `null`} {
		if !marshalled([]byte(raw)) {
			t.Errorf("%q not taken as marshalled", raw)
		}
		again, _ := json.Marshal(json.RawMessage(raw))
		if string(again) != raw {
			t.Errorf("%q: json.Marshal gives %s", raw, again)
		}
	}
}

// slowDecode is decodeData's encoding/json way.
func slowDecode(raw []byte) (map[string]any, error) { return decodeDataSlow(raw) }

var decodeSamples = []string{
	`{}`, ` { } `, `{"a":1,"b":-2,"c":0,"d":-0,"e":9223372036854775807,"f":-9223372036854775808}`,
	`{"big":9223372036854775808}`, `{"f":1.5}`, `{"f":1e3}`, `{"f":1E3}`, `{"z":01}`, `{"z":-}`, `{"z":+1}`,
	`{"s":"plain","u":"Ünïcødé ✓","e":"esc\"aped","n":"new\nline","t":"\t"}`, "{\"raw\":\"tab\there\"}",
	"{\"bad\":\"\xff\"}", `{"x":true,"y":false,"z":null,"w":[],"v":{},"a":[1,"two",null,{"k":[true]}]}`,
	`{"dup":1,"dup":2}`, `{"a":1,}`, `{"a":1`, `{"a" 1}`, `{"a":tru}`, `{"a":nul}`, `[1,2]`, `"str"`, `{"a":1} x`, `{"a":1} {"b":2}`,
	"{\"a\":1}\n", `{"a":[1,]}`, `{"a":[1 2]}`, `{1:2}`, `{"a":"\u0041"}`, `{"profile.requisites":{"country":"RU","inn":"7707083893"}}`,
}

// TestDecodeObjectIsEncodingJSON: the quick decoder gives what encoding/json
// gives, or leaves the input to it.
func TestDecodeObjectIsEncodingJSON(t *testing.T) {
	quick := 0
	for _, s := range decodeSamples {
		m, ok := decodeObject([]byte(s))
		if !ok {
			continue
		}
		quick++
		want, err := slowDecode([]byte(s))
		if err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("%q: quick %#v; encoding/json %#v (%v)", s, m, want, err)
		}
	}
	if quick < 7 {
		t.Errorf("only %d samples went the quick way", quick)
	}
}

func FuzzDecodeObject(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := decodeObject([]byte(s))
		if !ok {
			return
		}
		want, err := slowDecode([]byte(s))
		if err != nil || !reflect.DeepEqual(m, want) {
			t.Errorf("%q: quick %#v; encoding/json %#v (%v)", s, m, want, err)
		}
	})
}

// BenchmarkDecodeData decodes an account's first change, both ways.
func BenchmarkDecodeData(b *testing.B) {
	raw := []byte(batchForShortWay()[1].Data.(json.RawMessage))
	b.Run("quick", func(b *testing.B) {
		for range b.N {
			if _, ok := decodeObject(raw); !ok {
				b.Fatal("not quick")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for range b.N {
			if _, err := slowDecode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestFillStructIsUnmarshal: where fillStruct fills a profile, it fills it
// as json.Unmarshal of the same object does.
func TestFillStructIsUnmarshal(t *testing.T) {
	objs := []string{
		`{}`, `{"name":"N","email":"e@x","maxDialogs":5,"postalSameAsLegal":true,"requisites":{"country":"RU","inn":"77"},"legalAddress":{"city":"Tver"}}`,
		`{"name":null,"requisites":null,"maxDialogs":null}`, `{"Name":"case"}`, `{"unknown":1}`, `{"maxDialogs":"5"}`, `{"maxDialogs":1.5}`,
		`{"name":5}`, `{"requisites":"x"}`, `{"requisites":{"country":1}}`, `{"postalSameAsLegal":"yes"}`, `{"maxDialogs":9223372036854775807}`,
	}
	filled := 0
	for _, s := range objs {
		m, err := slowDecode([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		var got, want backend.CompanyProfile
		if !fillStruct(reflect.ValueOf(&got).Elem(), m) {
			continue
		}
		filled++
		if err := json.Unmarshal([]byte(s), &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fillStruct %+v; json.Unmarshal %+v (%v)", s, got, want, err)
		}
	}
	if filled != 4 {
		t.Errorf("%d of the samples filled; want 4", filled)
	}
}

// BenchmarkPrepareAccount prepares an account's first change.
func BenchmarkPrepareAccount(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "gatehouse.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ch := batchForShortWay()[1]
	keys := keyCache{}
	b.ReportAllocs()
	for range b.N {
		var p prepared
		db.prepareOne(&ch, &p, keys, false)
		if p.newIndex == nil {
			b.Fatal("no index")
		}
	}
}

// TestValueHashIsFNV: valueHash is FNV-1a over a typed encoding, as stored
// hashes were made.
func TestValueHashIsFNV(t *testing.T) {
	for _, v := range []any{nil, "", "Ünïcødé", int64(-42), true, false, map[string]any{"b": int64(1), "a": "<x>"}, []any{"x"}, 1.5} {
		h := fnv.New64a()
		switch x := v.(type) {
		case nil:
			h.Write([]byte{'n'})
		case string:
			h.Write([]byte{'s'})
			h.Write([]byte(x))
		case int64:
			h.Write([]byte{'i'})
			h.Write(strconv.AppendInt(nil, x, 10))
		case bool:
			h.Write([]byte{'b'})
			h.Write(strconv.AppendBool(nil, x))
		default:
			b, _ := json.Marshal(x)
			h.Write([]byte{'j'})
			h.Write(b)
		}
		if want := strconv.FormatUint(h.Sum64(), 36); valueHash(v) != want {
			t.Errorf("valueHash(%#v) = %s; want %s", v, valueHash(v), want)
		}
	}
}
