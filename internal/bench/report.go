package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// Machine describes where a benchmark ran; numbers mean little without it.
type Machine struct {
	CPUs      int
	Model     string
	MemGiB    float64
	GoVersion string
	OS        string
}

// ThisMachine reads the machine's description from /proc where available.
func ThisMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, Model: "unknown"}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.Model = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		var kb float64
		if _, err := fmt.Sscanf(v, "%f kB", &kb); err == nil {
			m.MemGiB = kb / (1 << 20)
		}
	}
	return m
}

// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages ("" off Linux).
// Other work on the machine skews every number, so each report prints it.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func printHeader(w io.Writer, title, db string) {
	m := ThisMachine()
	fmt.Fprintf(w, "== charla bench %s — database: %s\n", title, db)
	fmt.Fprintf(w, "machine: %d CPUs (%s), %.1f GiB RAM, %s %s, GOMAXPROCS=%d, load average %s\n\n",
		m.CPUs, m.Model, m.MemGiB, m.GoVersion, m.OS, runtime.GOMAXPROCS(0), LoadAvg())
}

// table prints aligned columns; the first row is the heading.
type table struct {
	rows [][]string
}

func (t *table) row(cells ...any) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = fmt.Sprint(c)
	}
	t.rows = append(t.rows, r)
}

func (t *table) print(w io.Writer) {
	width := map[int]int{}
	for _, r := range t.rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 { // labels left, numbers right
				b.WriteString(c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for i, r := range t.rows {
		line(r)
		if i == 0 {
			dash := make([]string, len(r))
			for j := range r {
				dash[j] = strings.Repeat("-", width[j])
			}
			line(dash)
		}
	}
	fmt.Fprintln(w)
}

// ms formats a duration in milliseconds with enough precision for sub-ms latencies.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// verdict is the PASS/MISS word of a target line.
func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}
