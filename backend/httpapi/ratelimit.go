package httpapi

import (
	"container/list"
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"gatehouse/backend"
)

// IPLimiter is a token bucket per client address for the web's
// unauthenticated methods that cost the server (sign-up, sign-in, emails).
// The store's throttles limit per account; this limits per sender, who may
// try many accounts. An IPv6 client is counted by its /64, which one
// subscriber usually holds whole.
//
// Memory stays bounded: at most Capacity buckets, the least recently used
// dropped first. A dropped bucket was idle longest, and so was probably full
// again anyway.
type IPLimiter struct {
	rate     rate.Limit
	burst    int
	capacity int
	// Shared, when set, also keeps a bucket per client in the database
	// that every server sharing it sees (store.DB on PostgreSQL), so a
	// client that reaches several servers gets the rate once. The local
	// bucket still answers first: a client over the rate on this server is
	// refused without a round trip.
	Shared SharedBuckets

	mu      sync.Mutex
	buckets map[netip.Prefix]*list.Element
	order   *list.List // of *bucket, most recent first
}

// SharedBuckets takes a token from a client's bucket kept where every
// server sees it.
type SharedBuckets interface {
	TakeToken(ctx context.Context, addr string, perSecond float64, burst int) (ok bool, retryAfter time.Duration, err error)
}

type bucket struct {
	key netip.Prefix
	lim *rate.Limiter
}

// NewIPLimiter allows each client perMinute requests a minute on average
// and burst at once, remembering at most capacity clients.
func NewIPLimiter(perMinute float64, burst, capacity int) *IPLimiter {
	return &IPLimiter{rate: rate.Limit(perMinute / 60), burst: burst, capacity: capacity,
		buckets: map[netip.Prefix]*list.Element{}, order: list.New()}
}

// Take takes a token for ip from this server's bucket and then, with
// Shared, from the shared one; when there is none it returns how long
// until there will be. A shared store that fails lets the request by (the
// local bucket still limits it) and says why in err.
func (l *IPLimiter) Take(ctx context.Context, ip netip.Addr) (ok bool, retryAfter time.Duration, err error) {
	if ok, wait := l.Allow(ip); !ok || l.Shared == nil {
		return ok, wait, nil
	}
	ok, wait, err := l.Shared.TakeToken(ctx, clientKey(ip).String(), float64(l.rate), l.burst)
	if err != nil {
		return true, 0, err
	}
	return ok, wait, nil
}

// Allow takes a token from ip's bucket in this process; when there is none
// it returns how long until there will be.
func (l *IPLimiter) Allow(ip netip.Addr) (ok bool, retryAfter time.Duration) {
	key := clientKey(ip)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var b *bucket
	if e, found := l.buckets[key]; found {
		l.order.MoveToFront(e)
		b = e.Value.(*bucket)
	} else {
		b = &bucket{key: key, lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = l.order.PushFront(b)
		if l.order.Len() > l.capacity {
			oldest := l.order.Back()
			l.order.Remove(oldest)
			delete(l.buckets, oldest.Value.(*bucket).key)
		}
	}
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute // burst 0: never; tell the client to come back later
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // the refused request does not use up a later token
		return false, d
	}
	return true, 0
}

func clientKey(ip netip.Addr) netip.Prefix {
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p
	}
	return netip.PrefixFrom(ip, ip.BitLen())
}

// limited answers 429 with the API's error JSON and Retry-After when the
// client has used up its bucket; without a limiter it lets everything by.
func (s *Server) limited(next http.Handler) http.Handler {
	if s.Limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait, err := s.Limiter.Take(r.Context(), s.clientIP(r))
		if err != nil {
			s.Log.Warn("shared rate limit unavailable; this server's limit applies", "err", err)
		}
		if !ok {
			secs := int((wait + time.Second - 1) / time.Second)
			e := backend.Keyed(backend.ERATELIMITED, "errors.rate_limited", fmt.Sprintf("Too many requests. Try again in %d seconds.", secs))
			e.RetryAfter = secs
			s.writeError(w, r, e)
			return
		}
		next.ServeHTTP(w, r)
	})
}
