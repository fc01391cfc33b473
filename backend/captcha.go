package backend

import "context"

// Captcha tells a person's browser from a script before the web version does
// costly work for someone not signed in (self sign-up sends an email and
// hashes a password). backend/captcha holds a self-hosted proof of work; a
// hosted service can implement the same interface. The desktop needs none.
type Captcha interface {
	// Challenge returns a new challenge for the browser to solve.
	Challenge(ctx context.Context) (CaptchaChallenge, error)
	// Verify checks a solution and spends it, so that it passes only once.
	// It returns EINVALID with a field error on CaptchaField when the
	// solution is missing, wrong, expired or already used.
	Verify(ctx context.Context, solution string) error
}

// CaptchaField is the request field that carries a captcha solution.
const CaptchaField = "captcha"

// CaptchaChallenge is what the browser needs to produce a solution.
type CaptchaChallenge struct {
	// Kind says how to solve it: "pow" is backend/captcha's proof of work.
	Kind string `json:"kind"`
	// Token is the signed challenge.
	Token string `json:"token"`
	// Difficulty (pow) is how many leading zero bits SHA-256 of the solution,
	// Token + ":" + a decimal counter, must have.
	Difficulty int `json:"difficulty,omitempty"`
	// ExpiresInSeconds is relative, so a browser with a wrong clock still
	// knows how long it has.
	ExpiresInSeconds int `json:"expiresInSeconds"`
}
