package backend

import (
	"fmt"
	"testing"
	"time"
)

// sscanfWall is HLCWall by fmt.Sscanf alone, as it was.
func sscanfWall(ts string) (int64, bool) {
	var wall int64
	var logical uint32
	var node string
	if len(ts) < 21 || len(ts) > 64 {
		return 0, false
	}
	if _, err := fmt.Sscanf(ts, "%013d-%05d-%s", &wall, &logical, &node); err != nil || node == "" {
		return 0, false
	}
	return wall, true
}

var hlcSamples = []string{
	"1795000000001-00000-desktop00001", "1795000000001-00042-a", "0000000000000-00000-n", "1795000000001-00000-",
	"1795000000001-00000-node with space", "1795000000001-00000-node\nline", "+795000000001-00000-node", "179500000000x-00000-node",
	"1795000000001-0000a-node", "1795000000001_00000-node", "1795000000001-00000_node", "17950000000011-00000-node", "short",
	"1795000000001-99999-ünï", "1795000000001-00000-\u00a0x",
}

// TestHLCQuickParse: the quick reading of a clock agrees with fmt.Sscanf.
func TestHLCQuickParse(t *testing.T) {
	for _, ts := range hlcSamples {
		checkHLC(t, ts)
	}
}

func FuzzHLCQuickParse(f *testing.F) {
	for _, ts := range hlcSamples {
		f.Add(ts)
	}
	f.Fuzz(checkHLC)
}

func checkHLC(t *testing.T, ts string) {
	gw, gok := HLCWall(ts)
	ww, wok := sscanfWall(ts)
	if gw != ww || gok != wok {
		t.Errorf("HLCWall(%q) = %d, %v; Sscanf says %d, %v", ts, gw, gok, ww, wok)
	}
	quick := &HLC{Node: "n", Now: func() time.Time { return time.UnixMilli(0) }}
	quick.Observe(ts)
	var wall int64
	var logical uint32
	if _, err := fmt.Sscanf(ts, "%013d-%05d-", &wall, &logical); err != nil {
		wall, logical = 0, 0
	}
	if quick.wall != wall || quick.logical != logical {
		t.Errorf("Observe(%q) = %d, %d; Sscanf says %d, %d", ts, quick.wall, quick.logical, wall, logical)
	}
}
