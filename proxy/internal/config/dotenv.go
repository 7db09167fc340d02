package config

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxDotenvLine bounds one line of a config file.
const maxDotenvLine = 64 << 10

// ParseDotenv reads KEY=VALUE lines: blank lines and # comments are skipped, an optional
// "export " prefix is ignored, values may be double-quoted (with Go escapes), single-quoted
// (verbatim) or bare (a trailing " # comment" is dropped). This covers the .env files of the
// reference proxy.
func ParseDotenv(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxDotenvLine)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\"'") {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		v = strings.TrimSpace(v)
		switch {
		case strings.HasPrefix(v, `"`):
			end := closingQuote(v)
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated double quote", n)
			}
			s, err := strconv.Unquote(v[:end+1])
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			v = s
		case strings.HasPrefix(v, "'"):
			end := strings.IndexByte(v[1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated single quote", n)
			}
			v = v[1 : end+1]
		default:
			if i := strings.Index(v, " #"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
		}
		out[k] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return out, nil
}

// closingQuote returns the index of the double quote ending the quoted string starting at 0.
func closingQuote(v string) int {
	for i := 1; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
