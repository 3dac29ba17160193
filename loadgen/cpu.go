package loadgen

import "time"

// cpuTimes are the CPU times used so far by the tool and, with --pid, by
// the server's process tree.
type cpuTimes struct{ tool, server time.Duration }

func (s *run) cpuNow() cpuTimes {
	t := cpuTimes{tool: toolCPU()}
	if s.cfg.PID > 0 {
		if d, err := treeCPU(procRoot, s.cfg.PID); err == nil {
			t.server = d
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
