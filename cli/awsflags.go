package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/alecthomas/kong"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// The aws CLI's names for s3crypt's flags (kong aliases) take the aws
// CLI's value forms too: fileb://FILE for binary parameters, file://FILE
// for JSON documents, and K=V,K2=V2 or {"K":"V"} for maps. These mappers
// accept both s3crypt's and the aws CLI's forms.

// awsMappers are the named mappers the flags' type:"…" tags use.
func awsMappers() []kong.Option {
	return []kong.Option{
		kong.NamedMapper("blobfile", fileMapper(blobPrefix, true)),
		kong.NamedMapper("blobpath", fileMapper(blobPrefix, false)),
		kong.NamedMapper("jsonfile", fileMapper(jsonPrefix, true)),
		kong.NamedMapper("filebonly", fileMapper(filebOnly, false)),
		kong.NamedMapper("context", kong.MapperFunc(decodeContext)),
	}
}

// prefix rules: what a file:// or fileb:// in front of a path means.
type prefixRule int

const (
	blobPrefix prefixRule = iota // raw bytes: fileb:// (file:// is refused)
	jsonPrefix                   // a text document: file:// or fileb://
	filebOnly                    // a secret: fileb:// required, never a value
)

// stripAWSPrefix removes the aws CLI's file:// or fileb:// from path.
func stripAWSPrefix(path string, rule prefixRule) (string, error) {
	if rest, ok := strings.CutPrefix(path, "fileb://"); ok {
		return rest, nil
	}
	if rule == filebOnly {
		// Not echoed: it may be the key itself.
		return "", fmt.Errorf("s3crypt reads the key from a file: write fileb://FILE (a key given on the command line would sit in your shell history and the process list)")
	}
	if rest, ok := strings.CutPrefix(path, "file://"); ok {
		if rule == blobPrefix {
			return "", fmt.Errorf("%q: this is binary data: write fileb://%s (raw bytes) or just %s; the aws CLI v2 reads file:// as base64 text for binary parameters", path, rest, rest)
		}
		return rest, nil
	}
	return path, nil
}

// fileMapper decodes a file path, with the aws CLI's prefix allowed; when
// exist, the file must exist and not be a directory.
func fileMapper(rule prefixRule, exist bool) kong.MapperFunc {
	return func(ctx *kong.DecodeContext, target reflect.Value) error {
		if target.Kind() != reflect.String {
			return fmt.Errorf("a file flag must be a string, not %s", target.Type())
		}
		var path string
		if err := ctx.Scan.PopValueInto("file", &path); err != nil {
			return err
		}
		path, err := stripAWSPrefix(path, rule)
		if err != nil {
			return err
		}
		if path == "" {
			return fmt.Errorf("names no file")
		}
		if rule == jsonPrefix && strings.HasPrefix(strings.TrimSpace(path), "{") {
			return fmt.Errorf("s3crypt reads the JSON from a file: save it and pass file://FILE (or just FILE)")
		}
		if !exist && rule != jsonPrefix {
			if err := notAKey(path); err != nil {
				return err
			}
		}
		path = kong.ExpandPath(path)
		if exist {
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			if st.IsDir() {
				return fmt.Errorf("%q exists but is a directory", path)
			}
		}
		target.SetString(path)
		return nil
	}
}

// notAKey refuses, without echoing it, a key-file argument that names no
// file but reads as an SSE-C key itself (aws s3 cp --sse-c-key takes the
// key's value): an error quoting the path would print the key.
func notAKey(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	k, err := s3c.ParseSSECKeyFile([]byte(path))
	if err != nil {
		return nil //nolint:nilerr // not a key either: the caller's own error says what is wrong
	}
	k.Wipe()
	return fmt.Errorf("this is not a file but reads as an SSE-C key itself (not repeated here): s3crypt takes the key from a file, so it stays out of your shell history and the process list; write it to a file (mode 0600) and pass --sse-c-key FILE")
}

// decodeContext reads an encryption context into a map[string]string:
// K=V, several pairs separated by commas (the aws CLI's shorthand) or
// semicolons, or a JSON object {"K":"V"} (the aws CLI's JSON form). The
// flag may be repeated; pairs add up.
func decodeContext(ctx *kong.DecodeContext, target reflect.Value) error {
	if target.Kind() != reflect.Map || target.Type().Key().Kind() != reflect.String || target.Type().Elem().Kind() != reflect.String {
		return fmt.Errorf("a context flag must be a map[string]string, not %s", target.Type())
	}
	var text string
	if err := ctx.Scan.PopValueInto("context", &text); err != nil {
		return err
	}
	pairs, err := parseContext(text)
	if err != nil {
		return err
	}
	if target.IsNil() {
		target.Set(reflect.MakeMap(target.Type()))
	}
	for k, v := range pairs {
		target.SetMapIndex(reflect.ValueOf(k).Convert(target.Type().Key()), reflect.ValueOf(v).Convert(target.Type().Elem()))
	}
	return nil
}

// parseContext reads one value of an encryption-context flag.
func parseContext(text string) (map[string]string, error) {
	text = strings.TrimSpace(text)
	out := map[string]string{}
	if strings.HasPrefix(text, "{") {
		if err := json.Unmarshal([]byte(text), &out); err != nil {
			return nil, fmt.Errorf("%q is not a JSON object of strings: %w", text, err)
		}
		return out, nil
	}
	for _, pair := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("%q is not K=V (pairs: K=V,K2=V2; or JSON: {\"K\":\"V\"})", pair)
		}
		out[strings.TrimSpace(k)] = v
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q holds no K=V pair", text)
	}
	return out, nil
}

// noteAliases adds "(aws CLI: --name)" to the help of every flag that has
// aliases, since kong's help does not list them.
func noteAliases(n *kong.Node) {
	for _, f := range n.Flags {
		if len(f.Aliases) == 0 || f.Hidden {
			continue
		}
		names := make([]string, len(f.Aliases))
		for i, a := range f.Aliases {
			names[i] = "--" + a
		}
		f.Help = strings.TrimSpace(f.Help) + " (aws CLI name: " + strings.Join(names, ", ") + ")"
	}
	for _, c := range n.Children {
		noteAliases(c)
	}
}
