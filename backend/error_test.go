package backend_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gatehouse/backend"
)

// TestEveryFieldCodeHasAMessage reads the backend's sources for the field
// codes they emit and checks that each has an English message, so no user
// ever sees the generic fallback.
func TestEveryFieldCodeHasAMessage(t *testing.T) {
	// Field codes appear as f.Add(field, "code", ...), fileError("code", ...),
	// a checker's return "some_code", or a constant = "import_...".
	re := regexp.MustCompile(`(?:\.Add\([^,]+,\s*"([a-z_]+)"|fileError\("([a-z_]+)"|return\s+"([a-z]+_[a-z_]+)"|=\s*"(import_[a-z_]+)")`)
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			for _, code := range m[1:] {
				if code != "" {
					seen[code] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 40 {
		t.Fatalf("found only %d codes: the pattern no longer matches the sources", len(seen))
	}
	for code := range seen {
		var f backend.Fields
		f.Add("x", code, nil)
		if f[0].Message == "This value is not valid." {
			t.Errorf("field code %q has no message in fieldMessages", code)
		}
	}
}
