package loadgen

import "time"

// cpuTimes are the CPU times used so far by the tool and, with --pid, by
// the server's process tree (with --node-pids, those of every node).
type cpuTimes struct{ tool, server time.Duration }

func (s *run) cpuNow() cpuTimes {
	t := cpuTimes{tool: toolCPU()}
	for _, pid := range append([]int{s.cfg.PID}, s.cfg.NodePIDs...) {
		if pid <= 0 {
			continue
		}
		if d, err := treeCPU(procRoot, pid); err == nil {
			t.server += d
		}
	}
	return t
}

// chargeCPU adds the CPU used since start to res: a measured phase is
// bracketed by cpuNow and chargeCPU, outside its own timing.
func (s *run) chargeCPU(res *Result, start cpuTimes) {
	now := s.cpuNow()
	res.ToolCPU += (now.tool - start.tool).Seconds()
	res.ServerCPU += (now.server - start.server).Seconds()
}
