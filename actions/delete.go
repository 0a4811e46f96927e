package actions

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// DeleteObject deletes an object (the latest version, or VersionID).
type DeleteObject struct {
	Bucket, Key string
	VersionID   string
}

// DeleteObjectResult says what S3 did: removed the object or version, or
// (in a versioned bucket) added a delete marker.
type DeleteObjectResult struct {
	Bucket       string `json:"bucket"`
	Key          string `json:"key"`
	VersionID    string `json:"versionId,omitempty"`
	DeleteMarker bool   `json:"deleteMarker"`
}

// Describe implements Action.
func (d *DeleteObject) Describe() string { return fmt.Sprintf("delete s3://%s/%s", d.Bucket, d.Key) }

// Run implements Action.
func (d *DeleteObject) Run(ctx context.Context, env *Env, r *Reporter) (any, error) {
	args := []string{"s3api", "delete-object", "--bucket", d.Bucket, "--key", d.Key}
	in := &s3.DeleteObjectInput{Bucket: &d.Bucket, Key: &d.Key}
	if d.VersionID != "" {
		args = append(args, "--version-id", d.VersionID)
		in.VersionId = &d.VersionID
	}
	r.Command(AWSCommand(env, args...))
	r.Step(Step{Actor: You, To: S3, Op: OpRequest, Title: "DeleteObject", Observed: true,
		Detail: "you ask S3 to delete the object; its ciphertext and wrapped data keys go with it"})
	out, err := env.Backend.S3.DeleteObject(ctx, in, withJob(r))
	if err != nil {
		return nil, Diagnose(d.Describe(), err, Hint{Bucket: d.Bucket, Key: d.Key, Write: true})
	}
	res := DeleteObjectResult{Bucket: d.Bucket, Key: d.Key, VersionID: aws.ToString(out.VersionId), DeleteMarker: aws.ToBool(out.DeleteMarker)}
	detail := "S3 deleted the object"
	if res.DeleteMarker {
		detail = "S3 added a delete marker: earlier versions and their keys are still stored"
	}
	r.Step(Step{Actor: S3, To: You, Op: OpResponse, Title: "204 No Content", Observed: true, Detail: detail})
	return res, nil
}
