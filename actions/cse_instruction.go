package actions

import (
	"context"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// An object written with an instruction file may carry nothing of its
// envelope (format V2 and V1: the S3 Encryption Client puts it all in
// KEY.instruction and leaves the object's metadata as the user gave it),
// so its own HEAD cannot tell it is client-side. ls and head look for the
// instruction file beside it: ls only for objects whose KEY.instruction
// is in the same listing, head for an object without an envelope of its
// own (one more request, a listing that answers empty when there is none).

// maxInstruction bounds what is read of an instruction file (its JSON is
// a few hundred bytes).
const maxInstruction = 1 << 20

// readInstructionFile GETs bucket/key.instruction and returns the
// envelope metadata it gives the object (meta merged with it), or nil when
// there is no such object or it holds no S3EC envelope.
func readInstructionFile(ctx context.Context, env *Env, r *Reporter, bucket, key string, meta map[string]string) map[string]string {
	ikey := key + s3c.InstructionSuffix
	c := AWSCommand(env, "s3", "cp", "s3://"+bucket+"/"+ikey, "-")
	c.Note = "the object's client-side envelope is in its instruction file, a JSON object of the x-amz-* envelope keys: this prints it"
	r.Command(c)
	out, err := env.Backend.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &ikey}, withJob(r))
	if err != nil {
		return nil
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxInstruction))
	if err != nil {
		return nil
	}
	merged, err := s3c.MergeInstruction(meta, body)
	if err != nil || s3c.DetectFormat(merged).Format == 0 {
		return nil
	}
	return merged
}

// instructionListed asks S3 whether key.instruction exists, with a
// listing (which answers an empty list, not an error, when it does not).
func instructionListed(ctx context.Context, env *Env, r *Reporter, bucket, key string) bool {
	ikey := key + s3c.InstructionSuffix
	c := AWSCommand(env, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", ikey, "--max-keys", "1", "--query", "Contents[].Key")
	c.Note = "an S3 Encryption Client may keep an object's envelope in an instruction file beside it (" + ikey + "), leaving nothing on the object: is there one?"
	r.Command(c)
	out, err := env.Backend.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &ikey, MaxKeys: aws.Int32(1)}, withJob(r))
	return err == nil && len(out.Contents) == 1 && aws.ToString(out.Contents[0].Key) == ikey
}

// instructionHead completes head's view of an object with no envelope of
// its own, or only a V3 object's part of one, from its instruction file.
func (h *Head) instructionHead(ctx context.Context, env *Env, r *Reporter, meta map[string]string, res *HeadResult) {
	if strings.HasSuffix(h.Key, s3c.InstructionSuffix) || res.ClientSide != nil && !s3c.NeedsInstruction(meta) {
		if _, ok := meta[s3c.InstructionFileMetadata]; ok {
			res.Notes = append(res.Notes, "this object is the instruction file of s3://"+h.Bucket+"/"+strings.TrimSuffix(h.Key, s3c.InstructionSuffix)+
				": it holds that object's client-side envelope (JSON), not data")
		}
		return
	}
	if !instructionListed(ctx, env, r, h.Bucket, h.Key) {
		return
	}
	merged := readInstructionFile(ctx, env, r, h.Bucket, h.Key, meta)
	if merged == nil {
		return
	}
	k := s3c.DetectFormat(merged)
	cs := &ClientSideInfo{Format: k.Format, Legacy: k.Legacy, InstructionFile: h.Key + s3c.InstructionSuffix,
		Description: k.Description() + "; its envelope is in the instruction file " + h.Key + s3c.InstructionSuffix}
	parse := s3c.ParseEnvelope
	if k.Legacy != "" {
		parse = s3c.ParseEnvelopeLegacy
	}
	if e, err := parse(merged); err != nil {
		cs.Error = err.Error()
	} else {
		cs.WrapAlg, cs.CEKAlg, cs.WrappedKey, cs.Context = e.WrapAlg, e.CEKAlg, len(e.WrappedKey), e.MatDesc
	}
	res.ClientSide = cs
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "instruction file", Observed: true,
		Detail: "the object's client-side envelope is in " + cs.InstructionFile + " (" + clientSideLabel(k.Format) + ")"})
}

// instructionEntries marks the listed objects whose envelope is in an
// instruction file listed beside them, reading each such file (Concurrency
// at a time).
func (l *ListObjects) instructionEntries(ctx context.Context, env *Env, r *Reporter, entries []*ObjectEntry) {
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		listed[e.Key] = true
	}
	instructionEntries(ctx, env, r, l.Bucket, concurrencyOr(l.Concurrency), entries, listed)
}

// instructionEntries reads the instruction file of each HEADed entry that
// has no envelope of its own (or only a V3 object's part of one) and whose
// KEY.instruction is listed, limit at a time, and marks it client-side
// with the format and wrapping the file gives.
func instructionEntries(ctx context.Context, env *Env, r *Reporter, bucket string, limit int, entries []*ObjectEntry, listed map[string]bool) {
	var cands []*ObjectEntry
	for _, e := range entries {
		if (e.ClientSide == 0 || e.partMeta != nil) && e.HeadError == "" && !e.SSECKeyRequired && listed[e.Key+s3c.InstructionSuffix] {
			cands = append(cands, e)
		}
	}
	forEachBounded(ctx, len(cands), limit, func(i int) {
		e := cands[i]
		if merged := readInstructionFile(ctx, env, r, bucket, e.Key, e.partMeta); merged != nil {
			k := s3c.DetectFormat(merged)
			e.ClientSide, e.ClientSideLegacy, e.ClientSideInstruction = k.Format, k.Legacy, true
			e.ClientSideWrap = wrapAlgOf(merged)
		}
	})
}

// wrapAlgOf is the wrapping algorithm an envelope names (legacy ones
// included), or "" when the metadata holds no complete envelope.
func wrapAlgOf(meta map[string]string) string {
	e, err := s3c.ParseEnvelopeLegacy(meta)
	if err != nil {
		return ""
	}
	return e.WrapAlg
}
