// Package xlsx reads and writes Gatehouse's spreadsheets with excelize: the
// employee export and import, the import's errors file and the monthly
// report workbook.
//
// Exports of unbounded size go through excelize's StreamWriter, which spills
// rows to a temporary file past 16 MB, so memory stays flat however many rows
// there are; excelize's cell-by-cell API keeps the whole sheet in memory and
// is kept for the small report workbook.
package xlsx

import (
	"gatehouse/backend"
)

// Spreadsheets implements backend.Spreadsheets.
type Spreadsheets struct {
	// TempDir is where excelize spills big sheets while writing or reading;
	// "" is the system's temporary directory.
	TempDir string
	// MaxFileBytes bounds an import file as uploaded.
	MaxFileBytes int64
	// MaxUnzippedBytes bounds what an .xlsx unpacks to, so a small
	// compressed file cannot make us parse gigabytes of XML.
	MaxUnzippedBytes int64
}

var _ backend.Spreadsheets = (*Spreadsheets)(nil)

// Default limits, with room to spare: an export of 200,000 employees is
// about 8 MB as .xlsx and 90 MB unpacked, or 14 MB as CSV.
const (
	DefaultMaxFileBytes     = 64 << 20
	DefaultMaxUnzippedBytes = 256 << 20
	// DefaultMaxRows is used when ReadEmployees is given no row limit.
	DefaultMaxRows = 100_000
)

// New returns the spreadsheet encoders with the default limits.
func New() *Spreadsheets {
	return &Spreadsheets{MaxFileBytes: DefaultMaxFileBytes, MaxUnzippedBytes: DefaultMaxUnzippedBytes}
}

// Field error codes of a refused import file, all on the field "file".
const (
	CodeNotSpreadsheet  = "import_not_spreadsheet"
	CodeEncrypted       = "import_encrypted"
	CodeLegacyXLS       = "import_xls"
	CodeCSVEncoding     = "import_csv_encoding"
	CodeCSVMalformed    = "import_csv_malformed"  // {{line}}
	CodeTooLarge        = "import_too_large"      // {{maxMB}}
	CodeMissingHeader   = "import_missing_header" // {{header}}
	CodeDuplicateHeader = "import_duplicate_header"
	CodeFormula         = "import_formula"       // {{cell}}
	CodeTooManyRows     = "import_too_many_rows" // {{max}}
	CodeEmpty           = "import_empty"
)

// fileError is the EINVALID error of a file refused whole.
func fileError(code string, params map[string]any) error {
	var f backend.Fields
	f.Add("file", code, params)
	return f.Err()
}
