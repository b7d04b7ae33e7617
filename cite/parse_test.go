package cite

import (
	"fmt"
	"strings"
)

// bibEntryParsed is one entry as BibTeX reads it.
type bibEntryParsed struct {
	typ, key string
	fields   map[string]string
	order    []string
}

// parseBib reads entries the way BibTeX's own scanner does (and btparse, biber's, after
// it): "@type{key," then "name = {value}" separated by commas, a value ending at the
// brace that balances its opening one, counting every brace, backslashed or not. It is
// strict where they are lenient: a duplicate field, a stray character or a field name
// outside [a-zA-Z] is an error, so output that passes here passes there.
func parseBib(s string) ([]bibEntryParsed, error) {
	var out []bibEntryParsed
	s = strings.TrimSpace(s)
	for s != "" {
		if !strings.HasPrefix(s, "@") {
			return nil, fmt.Errorf("text outside an entry: %.20q", s)
		}
		open := strings.IndexByte(s, '{')
		comma := strings.IndexByte(s, ',')
		if open < 2 || comma < open+2 {
			return nil, fmt.Errorf("no @type{key, at %.20q", s)
		}
		e := bibEntryParsed{typ: s[1:open], key: s[open+1 : comma], fields: map[string]string{}}
		if strings.ContainsAny(e.key, " \t\n{}(),=\"#%'\\~") || !isASCII(e.key) {
			return nil, fmt.Errorf("bad key %q", e.key)
		}
		s = strings.TrimLeft(s[comma+1:], " \n\t")
		for {
			if strings.HasPrefix(s, "}") {
				s = strings.TrimSpace(s[1:])
				break
			}
			eq := strings.IndexByte(s, '=')
			if eq < 1 {
				return nil, fmt.Errorf("entry %s: no field at %.20q", e.key, s)
			}
			name := strings.TrimSpace(s[:eq])
			for _, r := range name {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
					return nil, fmt.Errorf("entry %s: bad field name %q", e.key, name)
				}
			}
			if _, dup := e.fields[name]; dup {
				return nil, fmt.Errorf("entry %s: field %s twice", e.key, name)
			}
			s = strings.TrimLeft(s[eq+1:], " ")
			if !strings.HasPrefix(s, "{") {
				return nil, fmt.Errorf("entry %s: field %s is not braced", e.key, name)
			}
			depth, end := 0, -1
			for i := 0; i < len(s) && end < 0; i++ {
				switch s[i] {
				case '{':
					depth++
				case '}':
					if depth--; depth == 0 {
						end = i
					}
				case '@':
					// BibTeX is fine with @ inside braces; nothing to do.
				}
			}
			if end < 0 {
				return nil, fmt.Errorf("entry %s: field %s never closes", e.key, name)
			}
			e.fields[name] = s[1:end]
			e.order = append(e.order, name)
			s = strings.TrimLeft(s[end+1:], " ")
			if strings.HasPrefix(s, ",") {
				s = strings.TrimLeft(s[1:], " \n\t")
			} else if !strings.HasPrefix(strings.TrimLeft(s, " \n\t"), "}") {
				return nil, fmt.Errorf("entry %s: no comma after %s", e.key, name)
			} else {
				s = strings.TrimLeft(s, " \n\t")
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// unescapeLaTeX inverts EscapeLaTeX; it reports an error on a LaTeX special character
// left unescaped, which LaTeX would act on (a lone % ends the line, & breaks tables ...).
func unescapeLaTeX(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			matched := false
			for _, m := range [][2]string{{`\textbackslash{}`, `\`}, {`\textbraceleft{}`, `{`}, {`\textbraceright{}`, `}`},
				{`\textasciitilde{}`, `~`}, {`\textasciicircum{}`, `^`}, {`\#`, `#`}, {`\$`, `$`}, {`\%`, `%`}, {`\&`, `&`}, {`\_`, `_`}} {
				if strings.HasPrefix(s[i:], m[0]) {
					b.WriteString(m[1])
					i += len(m[0])
					matched = true
					break
				}
			}
			if !matched {
				return "", fmt.Errorf("unknown escape at %.20q", s[i:])
			}
			continue
		}
		if strings.IndexByte("#$%&_{}~^", s[i]) >= 0 {
			return "", fmt.Errorf("unescaped %q in %q", s[i], s)
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String(), nil
}
