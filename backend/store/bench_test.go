package store_test

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/backend"
)

func percentile(d []time.Duration, p float64) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(float64(len(s)-1)*p)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSignIn measures, in one run, one argon2id hash with the shipped
// parameters and a whole sign-in (lookup, verify, throttle, session write),
// interleaved so that machine noise hits both alike; then the 95th
// percentile of sign-ins with 8 at once.
//
//	go test -run '^$' -bench BenchmarkSignIn -benchtime 200x ./backend/store/
func BenchmarkSignIn(b *testing.B) {
	e := newEnv(b)
	e.db.Now = time.Now
	ctx := context.Background()
	in := validInput()
	e.register(b, in)
	hasher := backend.NewHasher(backend.DefaultArgon2, 0)
	var hashes, signins []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := hasher.Hash(ctx, in.Password); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password}); err != nil {
			b.Fatal(err)
		}
		hashes, signins = append(hashes, t1.Sub(t0)), append(signins, time.Since(t1))
	}
	b.StopTimer()
	b.ReportMetric(ms(percentile(hashes, .5)), "hash-median-ms")
	b.ReportMetric(ms(percentile(signins, .5)), "signin-median-ms")
	b.ReportMetric(float64(percentile(signins, .5))/float64(percentile(hashes, .5)), "signin/hash")

	// 8 concurrent sign-ins.
	var mu sync.Mutex
	var conc []time.Duration
	var wg sync.WaitGroup
	per := max(b.N/8, 10)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				t0 := time.Now()
				if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password}); err != nil {
					b.Error(err)
					return
				}
				mu.Lock()
				conc = append(conc, time.Since(t0))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(ms(percentile(conc, .95)), "signin-p95-8conc-ms")
	b.ReportMetric(float64(percentile(conc, .95))/float64(percentile(hashes, .5)), "p95-8conc/hash")
}

// BenchmarkSignInBurst fires 1,000 sign-ins at once and reports the errors
// and the peak heap while they queue for the bounded hasher.
//
//	go test -run '^$' -bench BenchmarkSignInBurst -benchtime 1x ./backend/store/
func BenchmarkSignInBurst(b *testing.B) {
	e := newEnv(b)
	e.db.Now = time.Now
	ctx := context.Background()
	in := validInput()
	e.register(b, in)
	for i := 0; i < b.N; i++ {
		var errs atomic.Int64
		var peak atomic.Uint64
		stop := make(chan struct{})
		go func() {
			var m runtime.MemStats
			for {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}
		}()
		var wg sync.WaitGroup
		for j := 0; j < 1000; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.svc.SignIn(ctx, backend.SignInInput{Email: in.Email, Password: in.Password}); err != nil {
					errs.Add(1)
				}
			}()
		}
		wg.Wait()
		close(stop)
		b.ReportMetric(float64(errs.Load()), "errors")
		b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	}
}

// BenchmarkRegister measures sign-ups per second (each hashes a password
// and writes the user, consents, tokens, outbox and change log).
//
//	go test -run '^$' -bench BenchmarkRegister -benchtime 100x ./backend/store/
func BenchmarkRegister(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := validInput()
		in.Email = fmt.Sprintf("user%d@example.com", i)
		if _, err := e.svc.Register(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
}

// BenchmarkRegisterParallel is sign-ups per second with all CPUs busy.
func BenchmarkRegisterParallel(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			in := validInput()
			in.Email = fmt.Sprintf("user%d@example.com", n.Add(1))
			if _, err := e.svc.Register(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signups/s")
}
