package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// EncryptionConfig is a JSON bucket encryption configuration, read.
type EncryptionConfig struct {
	Rule       BucketEncryption
	HasBlocked bool     // the rule says BlockedEncryptionTypes
	Notes      []string // about its form
}

// ConfigProblem is one thing wrong in a JSON configuration, at a 1-based
// line and column (in characters).
type ConfigProblem struct {
	Line, Column int
	Msg          string
}

// String renders the problem as "line L, column C: what".
func (p ConfigProblem) String() string {
	return fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, p.Msg)
}

// ConfigError lists what is wrong with a JSON configuration, in order.
type ConfigError struct{ Problems []ConfigProblem }

// Error lists the problems, separated by semicolons.
func (e *ConfigError) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return strings.Join(s, "; ")
}

// configExample is a valid configuration to copy.
const configExample = `{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"alias/demo"},"BucketKeyEnabled":true}]}`

// configError explains a configuration that cannot be used.
func configError(op, name string, err error) error {
	if name == "" {
		name = "the configuration"
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) == 0 {
		return &Error{Op: op, What: name + " cannot be read", Why: err.Error(), Err: err}
	}
	e := &Error{Op: op, What: name + ", " + ce.Problems[0].String(), Err: err,
		Fix: "Fix " + name + " and run again; a valid configuration: " + configExample}
	if len(ce.Problems) > 1 {
		rest := &ConfigError{Problems: ce.Problems[1:]}
		e.Why = "also " + rest.Error()
	}
	return e
}

// ParseEncryptionConfig reads a bucket encryption configuration as the aws
// CLI's --server-side-encryption-configuration takes it ({"Rules":[…]}),
// or the bare rule object the blog post's encrypt.json holds. Every problem
// found (comments, wrong types, unknown or misspelt fields) is reported
// with its line and column in a *ConfigError: comments first (they make the
// JSON invalid), then the rest in document order.
func ParseEncryptionConfig(data []byte) (EncryptionConfig, error) {
	clean, probs := stripComments(data)
	root, err := parseJSONTree(clean)
	if err != nil {
		probs = append(probs, syntaxProblem(clean, err))
	} else {
		cfg, more := readConfig(root, clean)
		probs = append(probs, more...)
		if len(probs) == 0 {
			return cfg, nil
		}
	}
	return EncryptionConfig{}, &ConfigError{Problems: probs}
}

// stripComments blanks out // and /* */ comments outside strings (keeping
// every offset, so positions stay true) and reports each one: the seed
// blog's `"KMSMasterKeyID": 12345 // Optional` is not JSON.
func stripComments(data []byte) ([]byte, []ConfigProblem) {
	out := slices.Clone(data)
	var probs []ConfigProblem
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString || c != '/' || i+1 >= len(out) || (out[i+1] != '/' && out[i+1] != '*'):
		default:
			end := len(out)
			if out[i+1] == '/' {
				if n := bytes.IndexByte(out[i:], '\n'); n >= 0 {
					end = i + n
				}
			} else if n := bytes.Index(out[i+2:], []byte("*/")); n >= 0 {
				end = i + 2 + n + 2
			}
			text := strings.TrimSpace(string(out[i:end]))
			if len(text) > 40 {
				text = text[:40] + "…"
			}
			line, col := position(data, i)
			probs = append(probs, ConfigProblem{line, col, "comments are not allowed in JSON ('" + text + "'); remove the comment"})
			for j := i; j < end; j++ {
				if out[j] != '\n' {
					out[j] = ' '
				}
			}
			i = end - 1
		}
	}
	return out, probs
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	before := string(data[:off])
	line = strings.Count(before, "\n") + 1
	col = len([]rune(before[strings.LastIndexByte(before, '\n')+1:])) + 1
	return line, col
}

// jval is a JSON value with the offset it starts at.
type jval struct {
	off  int
	v    any // string, json.Number, bool, nil, []*jval or []jfield
	kind string
}

// jfield is one member of a JSON object.
type jfield struct {
	name string
	off  int
	val  *jval
}

// parseJSONTree reads one JSON value, keeping where each value starts.
func parseJSONTree(data []byte) (*jval, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	v, err := readJSON(dec, data)
	if err != nil {
		return nil, err
	}
	off := skipJSONSpace(data, int(dec.InputOffset()))
	if _, err := dec.Token(); err == nil || off < len(data) {
		return nil, trailingJSON(off)
	}
	return v, nil
}

// trailingJSON is text after the configuration's one value, at an offset.
type trailingJSON int

func (t trailingJSON) Error() string { return "unexpected text after the end of the JSON" }

func skipJSONSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
		off++
	}
	return off
}

func readJSON(dec *json.Decoder, data []byte) (*jval, error) {
	start := skipJSONSpace(data, int(dec.InputOffset()))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			var fields []jfield
			for dec.More() {
				koff := skipJSONSpace(data, int(dec.InputOffset()))
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				name, _ := k.(string)
				v, err := readJSON(dec, data)
				if err != nil {
					return nil, err
				}
				fields = append(fields, jfield{name, koff, v})
			}
			_, err := dec.Token()
			return &jval{start, fields, "an object"}, err
		}
		var items []*jval
		for dec.More() {
			v, err := readJSON(dec, data)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		_, err := dec.Token()
		return &jval{start, items, "a list"}, err
	case string:
		return &jval{start, t, fmt.Sprintf("the string %q", t)}, nil
	case json.Number:
		return &jval{start, t, "the bare number " + t.String()}, nil
	case bool:
		return &jval{start, t, fmt.Sprintf("%t", t)}, nil
	}
	return &jval{start, nil, "null"}, nil
}

// syntaxProblem places a JSON syntax error.
func syntaxProblem(data []byte, err error) ConfigProblem {
	off, msg := len(data), "unexpected end of the JSON: a } or ] is missing"
	var (
		se    *json.SyntaxError
		trail trailingJSON
	)
	switch {
	case errors.As(err, &trail):
		off, msg = int(trail), trail.Error()
	case errors.As(err, &se):
		// Unmarshal places syntax errors consistently (the streaming
		// decoder does not): Offset counts the bad character as read.
		if uerr := json.Unmarshal(data, new(any)); errors.As(uerr, &se) {
			off = max(int(se.Offset)-1, 0)
		}
		msg = se.Error()
		if off < len(data) && strings.IndexByte("}]", data[off]) >= 0 {
			if p := strings.TrimRight(string(data[:off]), " \t\r\n"); strings.HasSuffix(p, ",") {
				off, msg = len(p)-1, "a trailing comma is not allowed in JSON; remove it"
			}
		}
	case len(strings.TrimSpace(string(data))) == 0:
		off, msg = 0, "there is no JSON here (the file is empty or holds only comments)"
	}
	line, col := position(data, off)
	return ConfigProblem{line, col, msg}
}

// configReader collects problems while checking a configuration's shape.
type configReader struct {
	data  []byte
	probs []ConfigProblem
}

func (c *configReader) add(off int, format string, a ...any) {
	line, col := position(c.data, off)
	c.probs = append(c.probs, ConfigProblem{line, col, fmt.Sprintf(format, a...)})
}

// object returns v's members, checking their names against allowed.
func (c *configReader) object(v *jval, what string, allowed ...string) map[string]*jval {
	fields, ok := v.v.([]jfield)
	if !ok {
		c.add(v.off, "%s must be an object { … }, not %s", what, v.kind)
		return nil
	}
	out := map[string]*jval{}
	for _, f := range fields {
		switch i := slices.IndexFunc(allowed, func(a string) bool { return strings.EqualFold(a, f.name) }); {
		case i < 0:
			c.add(f.off, "unknown field %q in %s; the aws CLI would refuse it (allowed: %s)", f.name, what, strings.Join(allowed, ", "))
		case allowed[i] != f.name:
			c.add(f.off, "write %q as %s: field names are case-sensitive", f.name, allowed[i])
			out[allowed[i]] = f.val
		default:
			out[f.name] = f.val
		}
	}
	return out
}

// readConfig checks the shape of a configuration and returns its rule.
func readConfig(root *jval, data []byte) (EncryptionConfig, []ConfigProblem) {
	c := &configReader{data: data}
	var cfg EncryptionConfig
	rule := root
	if fields, ok := root.v.([]jfield); ok && !slices.ContainsFunc(fields, func(f jfield) bool { return strings.EqualFold(f.name, "Rules") }) {
		cfg.Notes = append(cfg.Notes, "the file holds a bare rule, as the blog post's encrypt.json does: s3crypt accepts it, but the aws CLI would refuse it (--server-side-encryption-configuration needs {\"Rules\": [ … ]} around the rule)")
	} else if top := c.object(root, "the configuration", "Rules"); top != nil {
		if top["Rules"] == nil {
			return cfg, c.probs
		}
		rules, ok := top["Rules"].v.([]*jval)
		switch {
		case !ok:
			c.add(top["Rules"].off, "Rules must be a list [ { … } ], not %s", top["Rules"].kind)
		case len(rules) != 1:
			c.add(top["Rules"].off, "Rules must hold exactly one rule, not %d (S3 answers MalformedXML otherwise)", len(rules))
		default:
			rule = rules[0]
		}
		if rule == root {
			return cfg, c.probs
		}
	}
	c.readRule(rule, &cfg)
	return cfg, c.probs
}

func (c *configReader) readRule(v *jval, cfg *EncryptionConfig) {
	m := c.object(v, "the rule", "ApplyServerSideEncryptionByDefault", "BucketKeyEnabled", "BlockedEncryptionTypes")
	if m == nil {
		return
	}
	if d := m["ApplyServerSideEncryptionByDefault"]; d == nil {
		c.add(v.off, "the rule needs ApplyServerSideEncryptionByDefault: {\"SSEAlgorithm\": \"AES256\" | \"aws:kms\" | \"aws:kms:dsse\"}")
	} else if dm := c.object(d, "ApplyServerSideEncryptionByDefault", "SSEAlgorithm", "KMSMasterKeyID"); dm != nil {
		alg, key := dm["SSEAlgorithm"], dm["KMSMasterKeyID"]
		switch s, ok := alg.str(); {
		case alg == nil:
			c.add(d.off, "SSEAlgorithm is missing: AES256, aws:kms or aws:kms:dsse")
		case !ok || !slices.Contains([]string{SSES3, SSEKMS, DSSEKMS}, s):
			c.add(alg.off, "SSEAlgorithm must be \"AES256\", \"aws:kms\" or \"aws:kms:dsse\", not %s", alg.kind)
		default:
			cfg.Rule.SSEAlgorithm = s
		}
		if key != nil {
			if s, ok := key.str(); !ok {
				c.add(key.off, "KMSMasterKeyID must be a quoted string (a key id, key ARN, alias/NAME or alias ARN, e.g. \"alias/demo\"), not %s", key.kind)
			} else if cfg.Rule.KMSKeyID = s; cfg.Rule.SSEAlgorithm == SSES3 {
				c.add(key.off, "KMSMasterKeyID applies only to aws:kms or aws:kms:dsse, not AES256")
			}
		}
	}
	if bk := m["BucketKeyEnabled"]; bk != nil {
		if b, ok := bk.v.(bool); ok {
			cfg.Rule.BucketKey = b
		} else {
			c.add(bk.off, "BucketKeyEnabled must be true or false (no quotes), not %s", bk.kind)
		}
	}
	if bt := m["BlockedEncryptionTypes"]; bt != nil {
		cfg.HasBlocked = true
		if bm := c.object(bt, "BlockedEncryptionTypes", "EncryptionType"); bm != nil && bm["EncryptionType"] != nil {
			c.readBlocked(bm["EncryptionType"], cfg)
		}
	}
}

func (c *configReader) readBlocked(v *jval, cfg *EncryptionConfig) {
	items, ok := v.v.([]*jval)
	if !ok {
		c.add(v.off, "EncryptionType must be a list, e.g. [\"SSE-C\"], not %s", v.kind)
		return
	}
	for _, it := range items {
		if s, ok := it.str(); ok && (s == BlockSSEC || s == BlockNone) {
			cfg.Rule.Blocked = append(cfg.Rule.Blocked, s)
		} else {
			c.add(it.off, "EncryptionType values are \"SSE-C\" (block SSE-C writes) or \"NONE\" (allow them), not %s", it.kind)
		}
	}
}

func (v *jval) str() (string, bool) {
	if v == nil {
		return "", false
	}
	s, ok := v.v.(string)
	return s, ok
}
