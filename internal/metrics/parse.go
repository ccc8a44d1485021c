package metrics

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Samples maps each sample of a scrape, named as written
// (`name{label="value",…}`, or the bare name without labels), to its value.
type Samples map[string]float64

// ParseText reads the text exposition format strictly: every sample line is
// `name[{label="value",…}] value`, belongs to a family declared by a
// preceding # TYPE line (histograms by their _bucket, _sum and _count
// samples), and appears once. It is what tests and scripts use to check a
// scrape.
func ParseText(r io.Reader) (Samples, error) {
	out := Samples{}
	types := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) >= 3 && f[1] == "TYPE" {
				if len(f) != 4 || !validName(f[2]) {
					return nil, fmt.Errorf("metrics: line %d: malformed TYPE line %q", n, line)
				}
				switch f[3] {
				case "counter", "gauge", "histogram", "summary", "untyped":
				default:
					return nil, fmt.Errorf("metrics: line %d: unknown type %q", n, f[3])
				}
				if _, dup := types[f[2]]; dup {
					return nil, fmt.Errorf("metrics: line %d: %s declared twice", n, f[2])
				}
				types[f[2]] = f[3]
			} else if len(f) >= 3 && f[1] == "HELP" && !validName(f[2]) {
				return nil, fmt.Errorf("metrics: line %d: malformed HELP line %q", n, line)
			}
			continue
		}
		name, key, rest, err := parseSeries(line)
		if err != nil {
			return nil, fmt.Errorf("metrics: line %d: %w", n, err)
		}
		if !declared(types, name) {
			return nil, fmt.Errorf("metrics: line %d: sample %s has no # TYPE", n, name)
		}
		v, err := parseValue(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("metrics: line %d: value of %s: %w", n, key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("metrics: line %d: sample %s appears twice", n, key)
		}
		out[key] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics: read: %w", err)
	}
	return out, nil
}

func declared(types map[string]string, name string) bool {
	if _, ok := types[name]; ok {
		return true
	}
	for _, suf := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suf); ok && types[base] == "histogram" {
			return true
		}
	}
	return false
}

// parseSeries splits a sample line into its metric name, its series key
// (name and labels as written) and the rest (the value).
func parseSeries(line string) (name, key, rest string, err error) {
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return "", "", "", fmt.Errorf("malformed sample %q", line)
	}
	name = line[:i]
	if !validName(name) {
		return "", "", "", fmt.Errorf("invalid metric name %q", name)
	}
	if line[i] == ' ' {
		return name, name, line[i+1:], nil
	}
	// Labels: name="value" pairs, comma separated, values with \\ \" \n escapes.
	j := i + 1
	for {
		if j < len(line) && line[j] == '}' {
			j++
			break
		}
		eq := strings.IndexByte(line[j:], '=')
		if eq <= 0 || !validName(line[j:j+eq]) {
			return "", "", "", fmt.Errorf("malformed label in %q", line)
		}
		j += eq + 1
		if j >= len(line) || line[j] != '"' {
			return "", "", "", fmt.Errorf("unquoted label value in %q", line)
		}
		j++
		for j < len(line) && line[j] != '"' {
			if line[j] == '\\' {
				if j+1 >= len(line) || !strings.ContainsRune(`\"n`, rune(line[j+1])) {
					return "", "", "", fmt.Errorf("bad escape in %q", line)
				}
				j++
			}
			j++
		}
		if j >= len(line) {
			return "", "", "", fmt.Errorf("unterminated label value in %q", line)
		}
		j++
		if j < len(line) && line[j] == ',' {
			j++
		}
	}
	if j >= len(line) || line[j] != ' ' {
		return "", "", "", fmt.Errorf("no value after labels in %q", line)
	}
	return name, line[:j], line[j+1:], nil
}

func parseValue(s string) (float64, error) {
	if f := strings.Fields(s); len(f) == 2 { // an optional timestamp
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			return 0, fmt.Errorf("bad timestamp %q", f[1])
		}
		s = f[0]
	}
	switch s {
	case "+Inf", "-Inf", "NaN":
	default:
		if strings.ContainsAny(s, " \t") {
			return 0, fmt.Errorf("malformed value %q", s)
		}
	}
	return strconv.ParseFloat(s, 64)
}
