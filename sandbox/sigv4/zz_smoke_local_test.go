package sigv4

import (
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestZZSmokeCLI(t *testing.T) {
	if os.Getenv("SMOKE") == "" {
		t.Skip()
	}
	dir := t.TempDir()
	os.WriteFile(dir+"/f", []byte(strings.Repeat("x", 100000)), 0o600)
	os.WriteFile(dir+"/p", []byte("plain"), 0o600)
	for _, tls := range []bool{true, false} {
		ts := newTestServer(t, tls)
		cert := dir + "/ca.pem"
		if tls {
			os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600)
		}
		for _, bin := range []string{"aws", "/usr/bin/aws"} {
			cmds := [][]string{
				{"s3api", "put-object", "--bucket", "bkt", "--key", "a b+c~d=ü&x", "--body", dir + "/f"},
				{"s3api", "put-object", "--bucket", "bkt", "--key", "md5", "--body", dir + "/p", "--content-md5", "ueRo5e/1DkIpxvmCiqd5Vw=="},
				{"s3", "cp", dir + "/f", "s3://bkt/cp key"},
				{"s3api", "list-objects-v2", "--bucket", "bkt", "--prefix", "a b/+"},
				{"kms", "encrypt", "--key-id", "alias/x", "--plaintext", "fileb://" + dir + "/p"},
			}
			for _, c := range cmds {
				args := append([]string{"--endpoint-url", ts.URL}, c...)
				cmd := exec.Command(bin, args...)
				cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+testAKID, "AWS_SECRET_ACCESS_KEY="+testSecret,
					"AWS_DEFAULT_REGION=us-east-1", "AWS_CA_BUNDLE="+cert, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
				out, err := cmd.CombinedOutput()
				rec := ts.last(t)
				fmt.Printf("tls=%v %s %v\n  cli err=%v out=%.200q\n  server err=%v body=%d sha=%q ce=%q te=%v trailer=%q md5=%q\n",
					tls, bin, c[:2], err, out, rec.err, len(rec.body), rec.header.Get("X-Amz-Content-Sha256"),
					rec.header.Get("Content-Encoding"), rec.transferEncoding, rec.header.Get("X-Amz-Trailer"), rec.header.Get("Content-Md5"))
				if rec.res != nil {
					a, s := rec.res.Checksum()
					fmt.Printf("  checksum %s %s path %q\n", a, s, rec.path)
				}
			}
		}
	}
}
