package actions

import (
	"github.com/s3crypt/s3crypt/keyflow"
	"github.com/s3crypt/s3crypt/modes"
)

// drawnSteps are the steps S3 (and KMS, for S3) take on your behalf in
// mode m, as the modes table describes them, for backends that cannot
// show them (real AWS, other endpoints). They are marked not observed:
// s3crypt did not see them happen. A nil mode is the bucket default,
// which S3 picks.
func drawnSteps(m *modes.Mode, upload bool) []Step {
	if m == nil {
		if !upload {
			return nil
		}
		return []Step{{Actor: S3, Op: keyflow.OpDataKeyGenerated, Title: "bucket default",
			Detail: "S3 applies the bucket's default encryption (on AWS: SSE-S3 unless the bucket's rule says otherwise)"}}
	}
	var out []Step
	for _, s := range m.ServerSteps(upload) {
		out = append(out, Step{Actor: s.Actor, To: s.To, Op: s.Op, Title: s.Title, Detail: s.Detail})
	}
	return out
}

// modeOf is the modes table's entry for an object's server-side
// encryption as S3 reported it.
func modeOf(e ObjectEncryption) *modes.Mode {
	return modes.Of(e.SSE, e.BucketKey, e.SSECKeyMD5, false)
}
