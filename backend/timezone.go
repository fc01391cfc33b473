package backend

import (
	_ "embed"
	"os"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // the app must know every zone even where the OS has no tz database (Windows)
)

// timezonesText is the IANA list offered to users: the canonical zones of
// zone1970.tab plus UTC. Older aliases (Asia/Calcutta) are still accepted.
//
//go:embed timezones.txt
var timezonesText string

// TimeZones returns the IANA zones the UI offers, sorted.
func TimeZones() []string {
	return strings.Fields(timezonesText)
}

// ValidTimeZone checks an IANA zone name, adding an error to field if it
// is not one.
func ValidTimeZone(f *Fields, field, name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		f.Add(field, "required", nil)
		return ""
	}
	if name == "Local" || len(name) > 64 {
		f.Add(field, "timezone_invalid", nil)
		return ""
	}
	if _, err := time.LoadLocation(name); err != nil {
		f.Add(field, "timezone_invalid", nil)
		return ""
	}
	return name
}

// MachineTimeZone guesses the IANA name of this machine's zone, for the
// sign-up form's preselection: $TZ, /etc/timezone, the /etc/localtime link.
func MachineTimeZone() string {
	try := func(name string) bool {
		var f Fields
		return name != "" && ValidTimeZone(&f, "tz", name) != ""
	}
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); try(tz) {
		return tz
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil && try(strings.TrimSpace(string(b))) {
		return strings.TrimSpace(string(b))
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(target, "zoneinfo/"); i >= 0 && try(target[i+len("zoneinfo/"):]) {
			return target[i+len("zoneinfo/"):]
		}
	}
	return "UTC"
}
