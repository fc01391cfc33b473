package httpapi_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatehouse/backend"
)

func (c *client) get(path string) (int, string, []byte) {
	c.tb.Helper()
	res, err := c.http.Get(c.base + path)
	if err != nil {
		c.tb.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// TestExports downloads an invoice PDF, round-trips the employee
// spreadsheet through an import, refuses a broken import whole, runs and
// cancels batch exports, and reads the monthly report.
func TestExports(t *testing.T) {
	a := startApp(t)
	admin := a.verified(t, "root@gatehouse.test", 1)
	owner := a.verified(t, "owner@example.com", 1)
	id := owner.ok("saveAccountDetails", map[string]any{"accountId": "", "details": map[string]any{
		"type": "company", "firstName": "Anna", "lastName": "Petrova", "companyName": "ООО Ромашка", "sector": "telecom",
		"phoneType": "mobile", "phone": "+79123456789"}})["id"].(string)

	status, ctype, body := owner.get("/api/export/invoice?accountId=" + id)
	if status != 200 || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Fatalf("invoice: %d %s %.40q", status, ctype, body)
	}
	if status, _, _ := a.client(t).get("/api/export/invoice?accountId=" + id); status != 401 {
		t.Fatalf("signed-out download: %d", status)
	}

	owner.ok("inviteEmployee", map[string]any{"accountId": id, "name": "Oleg Ivanov", "email": "oleg@example.com", "phone": "+79161234567", "role": "operator"})
	status, _, sheet := owner.get("/api/export/employees?accountId=" + id)
	if status != 200 || !bytes.HasPrefix(sheet, []byte("PK")) {
		t.Fatalf("employees: %d", status)
	}
	// The exported file lists people who exist already: importing it back
	// refuses every row and imports nothing.
	file := map[string]any{"accountId": id, "fileName": "employees.xlsx", "data": base64.StdEncoding.EncodeToString(sheet)}
	res := owner.ok("importEmployees", file)
	if res["valid"].(float64) != 0 || len(res["errors"].([]any)) != 2 || res["errorsFile"] == "" {
		t.Fatalf("re-import: %v", res)
	}
	csv := "Name,Email,Phone,Role,Max dialogs\nIvan Petrov,ivan@example.com,+79161112233,operator,40\nBad Row,not-an-email,+79161112234,operator,\nMaria Sokolova,maria@example.com,+79161112235,administrator,\n"
	file = map[string]any{"accountId": id, "fileName": "people.csv", "data": base64.StdEncoding.EncodeToString([]byte(csv))}
	prev := owner.ok("importPreview", file)
	if prev["rows"].(float64) != 3 || prev["valid"].(float64) != 2 {
		t.Fatalf("preview: %v", prev)
	}
	res = owner.ok("importEmployees", file)
	if res["valid"].(float64) != 0 {
		t.Fatalf("a file with a bad row imported rows: %v", res)
	}
	// The errors file keeps the file's own columns, plus the reason.
	eb, _ := base64.StdEncoding.DecodeString(res["errorsFile"].(string))
	wb, err := excelize.OpenReader(bytes.NewReader(eb))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows(wb.GetSheetName(0))
	if len(rows) != 2 || rows[0][0] != "Name" || rows[0][1] != "Email" || rows[1][0] != "Bad Row" || !strings.Contains(rows[1][len(rows[1])-1], "email") {
		t.Fatalf("errors file: %q", rows)
	}
	if n := len(owner.ok("listEmployees", map[string]any{"accountId": id})["items"].([]any)); n != 2 {
		t.Fatalf("employees after a refused import: %d", n)
	}
	csv = strings.Replace(csv, "Bad Row,not-an-email", "Good Row,good@example.com", 1)
	file["data"] = base64.StdEncoding.EncodeToString([]byte(csv))
	if res = owner.ok("importEmployees", file); res["valid"].(float64) != 3 || len(res["errors"].([]any)) != 0 {
		t.Fatalf("import: %v", res)
	}
	if n := len(owner.ok("listEmployees", map[string]any{"accountId": id})["items"].([]any)); n != 5 {
		t.Fatalf("employees after import: %d", n)
	}
	a.mail.WaitFor(t, "maria@example.com", 1, 5*time.Second) // invitations went out through the outbox

	// Batch: a ZIP with one PDF per account.
	job := admin.ok("exportJobs", map[string]any{"accountIds": []string{id, id}})
	jid := job["id"].(string)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, _, b := admin.get("/api/exportJobs/" + jid)
		if strings.Contains(string(b), `"state":"done"`) {
			break
		} else if time.Now().After(deadline) || strings.Contains(string(b), "failed") {
			t.Fatalf("job: %s", b)
		}
	}
	if status, _, _ := owner.get("/api/exportJobs/" + jid); status != 404 {
		t.Fatalf("another user saw the job: %d", status)
	}
	status, _, zb := admin.get("/api/exportJobs/" + jid + "/file")
	zr, err := zip.NewReader(bytes.NewReader(zb), int64(len(zb)))
	if status != 200 || err != nil || len(zr.File) != 2 {
		t.Fatalf("zip: %d %v", status, err)
	}

	other := a.verified(t, "other@example.com", 1).ok("saveAccountDetails", map[string]any{"accountId": "", "details": map[string]any{
		"type": "individual", "firstName": "Boris", "lastName": "Other", "sector": "telecom",
		"phoneType": "mobile", "phone": "+79123456789"}})["id"].(string)
	// A batch the export would refuse is refused when asked for, as any API
	// error (code, message and the key the page translates), and no job
	// starts: a missing account, another company's account for a
	// customer, no accounts at all.
	for _, tt := range []struct {
		name   string
		who    *client
		ids    []string
		status int
		code   string
	}{
		{"MissingAccount", admin, []string{id, "no-such-account"}, 404, backend.ENOTFOUND},
		{"NotTheirs", owner, []string{id, other}, 404, backend.ENOTFOUND}, // as if it did not exist
		{"Empty", admin, []string{}, 400, backend.EINVALID},
	} {
		status, b := tt.who.post("exportJobs", map[string]any{"accountIds": tt.ids})
		var out struct {
			Error *backend.Error `json:"error"`
		}
		json.Unmarshal(b, &out)
		if status != tt.status || out.Error == nil || out.Error.Code != tt.code || out.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d %s", tt.name, status, b, tt.status, tt.code)
		}
	}

	rep := admin.ok("monthlyReport", map[string]any{"year": time.Now().Year(), "month": int(time.Now().Month()), "timeZone": "Europe/Moscow"})
	if rep["totals"].(map[string]any)["signUps"].(float64) < 1 {
		t.Fatalf("report: %v", rep["totals"])
	}
	for _, f := range []string{"xlsx", "pdf"} {
		if status, _, b := admin.get("/api/export/report?format=" + f + "&timeZone=UTC&year=2026&month=11"); status != 200 || len(b) < 100 {
			t.Fatalf("report %s: %d", f, status)
		}
	}
	if status, _, _ := owner.get("/api/export/report?format=pdf&timeZone=UTC&year=2026&month=11"); status != 403 {
		t.Fatalf("a customer read the report: %d", status)
	}
}
