package server

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// writeCSV sends rows (header first) as a CSV download named name, every
// cell made safe to open in a spreadsheet (csvCell).
func writeCSV(c echo.Context, name string, rows [][]string) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			safe[i] = csvCell(cell)
		}
		if err := w.Write(safe); err != nil {
			return fmt.Errorf("write csv %s: %w", name, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv %s: %w", name, err)
	}
	return nil
}

// csvCell neutralises a cell a spreadsheet would run as a formula (one that
// starts with =, +, -, @, a tab or a carriage return: client and channel
// names, category and country strings come from upstream and webhook
// senders) by putting an apostrophe before it, as OWASP advises. Numbers,
// negative ones included, are left as they are so that they stay numbers.
func csvCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '-', '+':
		if _, err := strconv.ParseFloat(s, 64); err == nil && s[0] == '-' {
			return s
		}
	case '=', '@', '\t', '\r':
	default:
		return s
	}
	return "'" + s
}
