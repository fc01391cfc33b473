package httpapi_test

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"
)

// mannWhitneyP is the two-sided p-value of the Mann-Whitney U test (normal
// approximation, fine for samples of hundreds): the chance of a difference
// this large between two samples drawn from one distribution.
func mannWhitneyP(a, b []float64) float64 {
	type obs struct {
		v float64
		g int
	}
	all := make([]obs, 0, len(a)+len(b))
	for _, v := range a {
		all = append(all, obs{v, 0})
	}
	for _, v := range b {
		all = append(all, obs{v, 1})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v })
	var rankA float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		rank := float64(i+j+1) / 2 // average rank of ties, 1-based
		for k := i; k < j; k++ {
			if all[k].g == 0 {
				rankA += rank
			}
		}
		i = j
	}
	n1, n2 := float64(len(a)), float64(len(b))
	u := rankA - n1*(n1+1)/2
	mu, sigma := n1*n2/2, math.Sqrt(n1*n2*(n1+n2+1)/12)
	z := math.Abs(u-mu) / sigma
	return math.Erfc(z / math.Sqrt2)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// BenchmarkEnumeration times sign-in, sign-up and recovery requests over
// HTTP for emails that have an account and emails that do not, alternating
// so that noise hits both alike. It reports both medians, their difference
// and the Mann-Whitney p-value, and fails if any answer's bytes differ.
//
//	go test -run '^$' -bench BenchmarkEnumeration -benchtime 1000x ./backend/httpapi/
func BenchmarkEnumeration(b *testing.B) {
	for _, method := range []string{"signIn", "register", "requestPasswordReset"} {
		b.Run(method, func(b *testing.B) {
			known, unknown := startApp(b), startApp(b)
			kc, uc := known.client(b), unknown.client(b)
			// Each email fails at most twice, below the free failures, so
			// throttling (which treats both alike anyway) never steps in.
			pool := b.N/2 + 1
			for i := 0; i < pool; i++ {
				in := copyMap(registration)
				in["email"] = fmt.Sprintf("user%d@example.com", i)
				kc.ok("register", in)
			}
			var kt, ut []float64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				email := fmt.Sprintf("user%d@example.com", i%pool)
				var in map[string]any
				switch method {
				case "signIn":
					in = map[string]any{"email": email, "password": "Wrong-Pass-99"}
				case "register":
					in = copyMap(registration)
					in["email"] = email
				case "requestPasswordReset":
					in = map[string]any{"email": email}
				}
				order := []*client{kc, uc}
				if i%2 == 1 {
					order = []*client{uc, kc}
				}
				var bodies [2][]byte
				for _, c := range order {
					t0 := time.Now()
					status, body := c.post(method, in)
					d := float64(time.Since(t0)) / float64(time.Millisecond)
					if c == kc {
						kt, bodies[0] = append(kt, d), append([]byte(fmt.Sprint(status)), body...)
					} else {
						ut, bodies[1] = append(ut, d), append([]byte(fmt.Sprint(status)), body...)
					}
				}
				if !bytes.Equal(bodies[0], bodies[1]) {
					b.Fatalf("answers differ:\n%s\n%s", bodies[0], bodies[1])
				}
			}
			b.StopTimer()
			b.ReportMetric(median(kt), "known-median-ms")
			b.ReportMetric(median(ut), "unknown-median-ms")
			b.ReportMetric(median(ut)-median(kt), "diff-ms")
			b.ReportMetric(mannWhitneyP(kt, ut), "p-value")
		})
	}
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
