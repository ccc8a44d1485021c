package spend

import (
	"os"
	"testing"

	"github.com/insights-dev/insights/internal/store/storetest"
)

// TestMain removes the seeded templates storetest.OpenSeeded shares among
// this package's tests.
func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
