package replica

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"gatehouse/backend"
)

// decodeWithEncodingJSON is how a push was read before readPush.
func decodeWithEncodingJSON(b []byte) (PushInput, error) {
	var in PushInput
	err := json.NewDecoder(bytes.NewReader(b)).Decode(&in)
	return in, err
}

var pushSamples = func() []string {
	client, _ := json.Marshal(PushInput{Changes: toWire([]backend.Change{
		{ID: "c1", Entity: "account", EntityID: "a1", Op: "upsert", HLC: "1795000000001-00000-n", Seq: 7,
			Data: json.RawMessage(`{"id":"a1","profile.name":"Tver \u003cCo\u003e","n":-1.5e3,"o":{"a":[1,true,null,"x\"y"]}}`)},
		{ID: "c2", Entity: "account", EntityID: "a1", Op: "upsert", HLC: "1795000000002-00000-n", Seq: 8,
			Base: map[string]string{"profile.name": "1795000000001-00000-n"}, Data: json.RawMessage(`{"profile.name":"B"}`)},
	})})
	return []string{
		string(client), `{"changes":[],"messages":null}`, `{"changes":null}`, `{}`, ` { "changes" : [ { "id" : "x" , "data" : { } } ] } `,
		`{"changes":[{"id":"x","data":{"a":01}}]}`, `{"changes":[{"id":"x","data":{"a":"\x"}}]}`, `{"changes":[{"ID":"x"}]}`,
		`{"changes":[{"id":"x","id":"y"}]}`, `{"changes":[{"id":"é"}]}`, `{"changes":[{"seq":1.5}]}`, `{"changes":[{"seq":-0}]}`,
		`{"changes":[{"data":null}]}`, `{"changes":[{"base":null}]}`, `{"changes":[{"base":{}}]}`, `{"changes":[]} trailing`,
		`{"messages":[{"ID":"m"}]}`, `{"changes":[{"data":{"s":"\ud83d\ude00 \u00e9 \/"}}]}`, `{"changes":[{"data":[1e400]}]}`,
		`{"changes":[{"data":{"a":tru}}]}`, `{"changes":[{"data":"\u12"}]}`, `{"changes":[{"id":"x"},]}`, `[]`, `{"changes":[{"data":-}]}`,
	}
}()

// TestReadPush: what readPush reads, it reads as encoding/json does; the
// desktop's own pushes go its way.
func TestReadPush(t *testing.T) { testFast(t, pushSamples, readPush, "a desktop's push") }

func FuzzReadPush(f *testing.F) { fuzzFast(f, pushSamples, readPush) }

// testFast runs a fast reader on samples; the first must take its way.
func testFast[T any](t *testing.T, samples []string, read func([]byte, *T) bool, first string) {
	for i, s := range samples {
		var got T
		ok := read([]byte(s), &got)
		if i == 0 && !ok {
			t.Errorf("%s went encoding/json's way: %s", first, s)
		}
		checkFast(t, s, ok, got)
	}
}

func fuzzFast[T any](f *testing.F, samples []string, read func([]byte, *T) bool) {
	for _, s := range samples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got T
		ok := read([]byte(s), &got)
		checkFast(t, s, ok, got)
	})
}

// checkFast: a body a fast reader took (ok) holds what encoding/json
// decodes of it.
func checkFast[T any](t *testing.T, s string, ok bool, got T) {
	t.Helper()
	if !ok {
		return
	}
	var want T
	err := json.Unmarshal([]byte(s), &want)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%q: the fast reader %+v; encoding/json %+v (%v)", s, got, want, err)
	}
}

// BenchmarkReadPush reads a push of 1,000 account changes, both ways.
func BenchmarkReadPush(b *testing.B) {
	data := json.RawMessage(`{"company_name":"Offline 000001","completed_at":null,"created_at":1795000000000,"created_by":"019ab0c2-7d0e-7c3a-9f57-2b1e0c7a1d11","display_name":"Offline 000001","email":"","first_name":"Olga","id":"019ab0c2-7d0e-7c3a-9f57-2b1e0c7a1d12","last_name":"Admin","phone":"+79120000001","phone_type":"mobile","phone_verified_at":1795000000000,"profile.email":"","profile.legalAddress":{"city":"","country":"RU","line1":"","line2":"","postcode":"","region":""},"profile.maxDialogs":5,"profile.name":"Offline 000001","profile.phone":"+79120000001","profile.postalAddress":{"city":"","country":"","line1":"","line2":"","postcode":"","region":""},"profile.postalSameAsLegal":true,"profile.requisites":{"bankAccount":"","bik":"","corrAccount":"","country":"RU","gstin":"","ifsc":"","inn":"","kpp":"","ogrn":"","pan":"","settlementAccount":""},"profile.timeZone":"","sector":"telecom","sector_other":"","status":"verified","tax_id":"","type":"company","updated_at":1795000000000}`)
	var changes []backend.Change
	for i := range 1000 {
		changes = append(changes, backend.Change{ID: "019ab0c2-7d0e-7c3a-9f57-2b1e0c7a1d13", Entity: "account", EntityID: "019ab0c2-7d0e-7c3a-9f57-2b1e0c7a1d12",
			Op: "upsert", HLC: "1795000000001-00000-0123456789ab", Seq: int64(i + 1), Data: data})
	}
	body, _ := json.Marshal(PushInput{Changes: toWire(changes)})
	b.Run("readPush", func(b *testing.B) {
		for range b.N {
			var in PushInput
			if !readPush(body, &in) {
				b.Fatal("not read")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for range b.N {
			if _, err := decodeWithEncodingJSON(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sampleChanges are changes with data of every shape the log may hold,
// and strings encoding/json escapes.
func sampleChanges() []backend.Change {
	datas := []json.RawMessage{nil, json.RawMessage(`{}`), json.RawMessage(`{"a":"x y","b":[1,2.5,null,true],"c":{"d":"\"\\"}}`),
		json.RawMessage(`{"a":"\u003c\u003e\u0026"}`), json.RawMessage(`{"a":"<b>&"}`), json.RawMessage(`{ "a" : 1 }`),
		json.RawMessage("{\"a\":\"\u2028\u2029 é\"}"), json.RawMessage(`[1,"\\"]`), json.RawMessage(`{"a":"\\\""}`)}
	var changes []backend.Change
	for i, d := range datas {
		ch := backend.Change{ID: fmt.Sprintf("c%d", i), Entity: "account", EntityID: "a<1>", Op: "upsert", HLC: "1795000000001-00000-n", Seq: int64(i)}
		if d != nil {
			ch.Data = d
		}
		if i%2 == 1 {
			ch.Base = map[string]string{"profile.name": "1795000000001-00000-n", "é\n": "x"}
		}
		changes = append(changes, ch)
	}
	return append(changes, backend.Change{ID: "ünï\x01", Entity: "\"", Op: "delete", Base: map[string]string{}})
}

// TestAppendPush: a desktop's push body is what encoding/json made of it,
// byte for byte, whatever its changes hold.
func TestAppendPush(t *testing.T) {
	changes := sampleChanges()
	for n := 0; n <= len(changes); n++ {
		want, err := json.Marshal(PushInput{Changes: toWire(changes[:n])})
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendPush(nil, changes[:n])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%d changes:\n got %s\nwant %s", n, got, want)
		}
	}
}

// TestAppendPull: a pull's answer is what encoding/json's Encoder wrote,
// byte for byte, and readPull reads it back as encoding/json does.
func TestAppendPull(t *testing.T) {
	changes := sampleChanges()
	for n := 0; n <= len(changes); n++ {
		var want bytes.Buffer
		res := PullResult{Changes: toWire(changes[:n]), Next: int64(1000 + n), More: n%2 == 0, Head: int64(5000 + n)}
		if err := json.NewEncoder(&want).Encode(res); err != nil {
			t.Fatal(err)
		}
		got, err := appendPull(nil, changes[:n], res.Next, res.More, res.Head)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%d changes:\n got %s\nwant %s", n, got, want.Bytes())
		}
		var read PullResult
		ok := readPull(got, &read)
		checkFast(t, string(got), ok, read)
	}
}

var pullSamples = []string{
	`{"changes":[{"id":"c1","entity":"account","entityId":"a1","op":"upsert","hlc":"h","seq":7,"data":{"a":[1,"x"]}}],"next":7,"more":true}` + "\n",
	`{"changes":[],"next":0,"more":false}`, `{"changes":null}`, `{}`, `{"next":1.5}`, `{"next":-3}`, `{"more":tru}`, `{"more":null}`,
	`{"more":true,"more":false}`, `{"next":1,"next":2}`, `{"changes":[{"id":"x"}],"changes":[]}`, `{"Next":1}`, `{"next":99999999999999999999}`,
	` { "changes" : [ ] , "more" : false } `, `{"changes":[]} x`, `[]`, `{"next":01}`,
	`{"changes":[],"next":5,"more":true,"head":90}`, `{"head":1,"head":2}`, `{"head":"7"}`, `{"head":-1e3}`,
}

// TestReadPull: what readPull reads, it reads as encoding/json does; a
// server's answers go its way.
func TestReadPull(t *testing.T) { testFast(t, pullSamples, readPull, "a server's answer") }

func FuzzReadPull(f *testing.F) { fuzzFast(f, pullSamples, readPull) }
