package store

import (
	"reflect"
	"strings"
	"testing"
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
