package lab

import (
	"net"
	"testing"
)

// TestFreePortOutsideEphemeral: on Linux the ports handed out lie below
// the kernel's ephemeral range (where no outgoing connection takes them)
// and can be listened on; n of them are distinct.
func TestFreePortOutsideEphemeral(t *testing.T) {
	top := ephemeralStart()
	if top == 0 {
		t.Skip("no ephemeral range to read (not Linux)")
	}
	ports, err := freePorts(5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < lowestPort || p >= top {
			t.Errorf("port %d is not in [%d, %d)", p, lowestPort, top)
		}
		if seen[p] {
			t.Errorf("port %d handed out twice in %v", p, ports)
		}
		seen[p] = true
		l, err := net.Listen("tcp", hostPort(p))
		if err != nil {
			t.Errorf("port %d cannot be listened on: %v", p, err)
			continue
		}
		l.Close()
	}
}
