package stress

import (
	"os"
	"strconv"
)

// envInt reads an integer knob for long runs, e.g. STRESS_SEEDS=50.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
