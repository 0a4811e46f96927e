package actions

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"

	"github.com/s3crypt/s3crypt/awsclient"
	s3c "github.com/s3crypt/s3crypt/crypto"
)

// String is the command as it runs in a POSIX shell: the argv, the global
// options that point the aws CLI at the backend, and the Pipe. This is
// what s3crypt displays and copies.
func (c Command) String() string {
	s := shellJoin(c.Full())
	if c.Pipe != "" {
		s += " " + c.Pipe
	}
	return s
}

// Short is String without the global options, for a one-line mention
// (it does not run as it is against the sandbox or an endpoint).
func (c Command) Short() string {
	s := shellJoin(c.Args)
	if c.Pipe != "" {
		s += " " + c.Pipe
	}
	return s
}

// Full returns the argv to run: Args, then the global options. It leaves
// out Pipe (shell text).
func (c Command) Full() []string {
	if len(c.Args) == 0 {
		return nil
	}
	return append(append([]string{}, c.Args...), c.Global...)
}

// Comment is the text shown under the command: which aws CLI it needs,
// then its Note ("" when neither).
func (c Command) Comment() string {
	var parts []string
	if c.NeedsCLI != "" {
		parts = append(parts, "needs aws CLI "+c.NeedsCLI+" or later (older ones, such as Debian 12's 2.9, refuse it)")
	}
	if c.Note != "" {
		parts = append(parts, c.Note)
	}
	return strings.Join(parts, "; ")
}

// AWSCommand builds an aws CLI command for env's backend: args after
// "aws", with the options that point the CLI at it in Global.
func AWSCommand(env *Env, args ...string) Command {
	c := Command{Args: append([]string{"aws"}, args...)}
	if env == nil || env.Backend == nil {
		return c
	}
	b := env.Backend
	// Each service's own endpoint: KMS may be answered elsewhere than S3.
	at := b.S3At
	if len(args) > 0 && args[0] == "kms" {
		at = b.KMSAt
	}
	if at.Endpoint == "" && at.Region == "" && at.SandboxDir == "" {
		at = awsclient.Service{Endpoint: b.Endpoint, CAFile: b.CAFile, Region: b.Region} // a Backend built by hand
	}
	if at.Endpoint != "" {
		c.Global = append(c.Global, "--endpoint-url", at.Endpoint)
		if at.CAFile != "" {
			c.Global = append(c.Global, "--ca-bundle", at.CAFile)
		}
	}
	if at.Region != "" {
		c.Global = append(c.Global, "--region", at.Region)
	}
	if b.Profile != "" {
		c.Global = append(c.Global, "--profile", b.Profile)
	}
	return c
}

// shellCommand is a command of another program (base64, xxd, rm).
func shellCommand(args ...string) Command { return Command{Args: args} }

// toFile is the Pipe that writes a command's output to file.
func toFile(file string) string { return "> " + shellQuote(file) }

// decodeToFile is the Pipe that decodes the base64 text an aws command
// prints (--output text) into the raw bytes of file.
func decodeToFile(file string) string { return "| base64 -d > " + shellQuote(file) }

// CredentialsLine says where the credentials for b's aws commands are:
// the commands name the endpoint, CA and region themselves, never a
// secret.
func CredentialsLine(b *awsclient.Backend) string {
	if b == nil {
		return ""
	}
	if b.Kind == awsclient.KindSandbox {
		dir := ""
		if b.Sandbox != nil {
			dir = b.Sandbox.Dir()
		}
		if b.Sandbox != nil && b.Sandbox.Attached() && b.Sandbox.ChildPID() == 0 {
			return "credentials: export the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY lines that `s3crypt serve --data " + dir + "` printed"
		}
		return "credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from " + filepath.Join(dir, "credentials.json") +
			" (the export lines of `s3crypt serve --data " + dir + "`); this sandbox answers only while s3crypt runs"
	}
	if line := splitCredentials(b); line != "" {
		return line
	}
	if b.Profile != "" {
		return "credentials: profile " + b.Profile + " (each command says --profile " + b.Profile + ")"
	}
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return "credentials: profile " + p + " (AWS_PROFILE, read by the aws CLI too)"
	}
	return "credentials: the aws CLI's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then ~/.aws), as s3crypt used"
}

// splitCredentials is the credentials line when one service is an
// `s3crypt serve` beside another endpoint: its commands sign with that
// sandbox's keys, the other's with the default chain.
func splitCredentials(b *awsclient.Backend) string {
	var parts []string
	for _, s := range []struct {
		name string
		at   awsclient.Service
	}{{"s3/s3api", b.S3At}, {"kms", b.KMSAt}} {
		if s.at.SandboxDir != "" {
			parts = append(parts, s.name+" commands: the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY of "+filepath.Join(s.at.SandboxDir, "credentials.json")+
				" (the export lines of `s3crypt serve --data "+s.at.SandboxDir+"`)")
		}
	}
	if len(parts) == 0 {
		return ""
	}
	other := "the other commands: the aws CLI's default chain, as s3crypt used"
	if b.Profile != "" {
		other = "the other commands: profile " + b.Profile
	}
	return "credentials: " + strings.Join(parts, "; ") + "; " + other
}

// sseCSequence wraps main, a command that sends k, in what the aws CLI
// needs around it: fileb:// must name the 32 raw key bytes, so a key kept
// as base64 or hex text, or as a KMS-encrypted data key, is first turned
// into a raw key file that the last command removes. mainArgs are main's
// args after "aws" without the key options; it returns the commands in
// order.
func sseCSequence(env *Env, k *SSECKey, mainArgs []string, last ...string) (cmds []Command, main int) {
	if k == nil {
		return []Command{AWSCommand(env, append(mainArgs, last...)...)}, 0
	}
	file, prep := k.File, Command{}
	switch {
	case k.FromKMS:
		file = k.File + ".plain"
		dec := AWSCommand(env, "kms", "decrypt", "--ciphertext-blob", "fileb://"+k.File, "--query", "Plaintext", "--output", "text")
		dec.Pipe = decodeToFile(file)
		prep = dec
		if base64Text(k.File) {
			// The file holds the encrypted key as base64 text (as aws
			// prints it): decode it on the way in.
			dec.Args[4] = "fileb:///dev/stdin"
			prep = shellCommand("base64", "-d", k.File)
			prep.Pipe = "| " + dec.String()
		}
		prep.Note = k.File + " holds the data key encrypted under KMS: KMS decrypts it into " + file +
			", the raw key the aws CLI sends (s3crypt keeps it in memory only)"
	case k.encoding() == s3c.EncodingBase64:
		file = k.File + ".plain"
		prep = shellCommand("base64", "-d", k.File)
		prep.Pipe = toFile(file)
		prep.Note = k.File + " holds the key as base64 text; the aws CLI's fileb:// needs the 32 raw bytes"
	case k.encoding() == s3c.EncodingHex:
		file = k.File + ".plain"
		prep = shellCommand("xxd", "-r", "-p", k.File)
		prep.Pipe = toFile(file)
		prep.Note = k.File + " holds the key as hex text; the aws CLI's fileb:// needs the 32 raw bytes"
	}
	args := append(append(mainArgs, "--sse-customer-algorithm", "AES256", "--sse-customer-key", "fileb://"+file), last...)
	if len(prep.Args) == 0 {
		return []Command{AWSCommand(env, args...)}, 0
	}
	rm := shellCommand("rm", file)
	rm.Note = "remove the plaintext key file again"
	return []Command{prep, AWSCommand(env, args...), rm}, 1
}

// base64Text reports whether file holds base64 text rather than binary
// (as a KMS-encrypted key printed by the aws CLI does).
func base64Text(file string) bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	return err == nil && len(dec) > 0
}

// encoding is how File holds the key, read from the file when unknown.
func (k *SSECKey) encoding() s3c.KeyEncoding {
	if k.Encoding != s3c.EncodingUnknown || k.File == "" {
		return k.Encoding
	}
	data, err := os.ReadFile(k.File)
	if err != nil {
		return s3c.EncodingUnknown
	}
	defer clear(data)
	return s3c.DetectSSECKeyEncoding(data)
}

// shellJoin quotes args for a POSIX shell where needed.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@,+%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
