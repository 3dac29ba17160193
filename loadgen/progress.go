package loadgen

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// meter draws a progress bar for the current phase of a run, redrawing
// a few times a second from its own goroutine. It polls the phase's done
// function rather than being told of each unit, so the hot path pays
// nothing for it. A nil *meter draws nothing.
type meter struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	label string
	total int64
	done  func() int64
	quit  chan struct{}
	wg    sync.WaitGroup
}

const (
	barWidth = 30
	redraw   = 200 * time.Millisecond
)

func newMeter(w io.Writer) *meter {
	if w == nil {
		return nil
	}
	m := &meter{w: w, start: time.Now(), quit: make(chan struct{})}
	m.wg.Add(1)
	go m.loop()
	return m
}

// phase starts a new bar: label, how many units make it full, and how
// many are done so far.
func (m *meter) phase(label string, total int64, done func() int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.label, m.total, m.done = label, total, done
	m.mu.Unlock()
}

func (m *meter) loop() {
	defer m.wg.Done()
	t := time.NewTicker(redraw)
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			fmt.Fprint(m.w, "\r\033[K")
			return
		case <-t.C:
			m.draw()
		}
	}
}

func (m *meter) draw() {
	m.mu.Lock()
	label, total, done := m.label, m.total, m.done
	m.mu.Unlock()
	if done == nil {
		return
	}
	fmt.Fprint(m.w, "\r\033[K"+bar(label, done(), total, time.Since(m.start)))
}

// bar renders one line: "messages [=====>      ]  45%  9000/20000  3.1s".
func bar(label string, done, total int64, elapsed time.Duration) string {
	frac := 0.0
	if total > 0 {
		frac = min(float64(done)/float64(total), 1)
	}
	filled := int(frac * barWidth)
	b := strings.Repeat("=", filled)
	if filled < barWidth {
		b += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	return fmt.Sprintf("%-9s [%s] %3.0f%%  %d/%d  %.1fs", label, b, 100*frac, done, total, elapsed.Seconds())
}

// stop erases the bar.
func (m *meter) stop() {
	if m == nil {
		return
	}
	close(m.quit)
	m.wg.Wait()
}
