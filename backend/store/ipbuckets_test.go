package store_test

import (
	"context"
	"testing"
	"time"
)

// TestTakeToken: a client's bucket on the database gives burst requests at
// once, then one per refill interval, says how long to wait, and a refused
// request takes nothing; another client has a bucket of its own.
func TestTakeToken(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	c := &clock{t: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	take := func(addr string) (bool, time.Duration) {
		t.Helper()
		ok, wait, err := db.TakeToken(ctx, addr, 1, 3) // one a second, three at once
		if err != nil {
			t.Fatal(err)
		}
		return ok, wait
	}
	for i := range 3 {
		if ok, _ := take("203.0.113.5/32"); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := take("203.0.113.5/32")
	if ok || wait <= 0 || wait > time.Second+time.Millisecond {
		t.Fatalf("fourth request: ok %v, wait %s; want refused for up to a second", ok, wait)
	}
	if ok, _ := take("198.51.100.7/32"); !ok {
		t.Fatal("another address was refused")
	}
	c.Add(500 * time.Millisecond)
	// Half a token: still refused, and the refusal does not spend it.
	if ok, wait := take("203.0.113.5/32"); ok || wait > 501*time.Millisecond || wait < 499*time.Millisecond {
		t.Fatalf("after half a second: ok %v, wait %s; want refused, wait 0.5 s", ok, wait)
	}
	c.Add(500 * time.Millisecond)
	if ok, _ := take("203.0.113.5/32"); !ok {
		t.Fatal("refused after a second's refill")
	}
	if ok, _ := take("203.0.113.5/32"); ok {
		t.Fatal("two requests on one second's refill")
	}
	// A long pause fills the bucket to its burst, no further.
	c.Add(time.Hour)
	for i := range 3 {
		if ok, _ := take("203.0.113.5/32"); !ok {
			t.Fatalf("after an hour, request %d refused", i+1)
		}
	}
	if ok, _ := take("203.0.113.5/32"); ok {
		t.Fatal("after an hour the bucket held more than its burst")
	}
}
