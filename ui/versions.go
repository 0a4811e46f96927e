package ui

import (
	tea "charm.land/bubbletea/v2"
	"context"

	"github.com/s3crypt/s3crypt/actions"
)

// This file holds the TUI's versioning and rotation hooks: the buckets
// view's v (read the bucket's versioning, then offer to flip it) and the
// keys view's o (rotate a key's material now), each as intents the root
// runs on the worker.

// readVersioning is GetBucketVersioning whose result says it was read for
// the v key (versioningRead), so that only it opens the confirm dialog.
type readVersioning struct{ actions.GetBucketVersioning }

// versioningRead is readVersioning's result.
type versioningRead struct{ actions.VersioningResult }

// Run implements actions.Action.
func (a *readVersioning) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	res, err := a.GetBucketVersioning.Run(ctx, env, r)
	if err != nil {
		return nil, err
	}
	return versioningRead{res.(actions.VersioningResult)}, nil
}

// versioningJob reads a bucket's versioning; when it ends the buckets
// view offers to flip it (askVersioning).
func versioningJob(bucket string) tea.Cmd {
	return startJob(&readVersioning{actions.GetBucketVersioning{Bucket: bucket}}, jobMeta{Title: "read the versioning of " + bucket,
		Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "GetBucketVersioning " + bucket}})
}

// askVersioning is the confirm dialog that turns versioning on, or
// suspends it, after a read says what it is.
func askVersioning(c *Common, r actions.VersioningResult) tea.Cmd {
	status, verb, body := actions.VersioningEnabled, "enable",
		"Every later write keeps the previous version, each with its own encryption and keys; a delete adds a delete marker. "+
			"s3crypt ls --versions lists them."
	if r.Status == actions.VersioningEnabled {
		status, verb, body = actions.VersioningSuspended, "suspend",
			"New writes replace the null version; the versions kept so far stay, each with its own encryption."
	}
	title := "Versioning of " + r.Bucket + " is " + r.StatusText() + ": " + verb + " it?"
	return openDialog(newConfirm(c, title, body, verb, false, startJobMsg{action: &actions.PutBucketVersioning{Bucket: r.Bucket, Status: status},
		meta: jobMeta{Title: verb + " versioning of " + r.Bucket, Refresh: refreshBuckets,
			Flow: flowSpec{Mode: flowS3, Upload: true, Subject: "PutBucketVersioning " + r.Bucket}}}))
}

// rotateKeyDialog confirms rotating a key's material now.
func rotateKeyDialog(c *Common, row KeyRow) tea.Cmd {
	return openDialog(newConfirm(c, "Rotate "+row.Name()+" now?",
		"KMS makes new key material current for new data keys. Nothing is re-encrypted: objects written before still decrypt "+
			"with the older material, which KMS keeps (s3crypt kms rotations lists them).",
		"rotate", false, startJobMsg{action: &actions.RotateKey{KeyID: row.ID}, meta: keyJob("rotate "+row.Name(), row)}))
}

// listObjectVersions lists one object's versions for the objects view's V
// key; its result (objectVersions) expands the object to them
// (versions_rows.go).
type listObjectVersions struct {
	actions.ListObjectVersions
	Key string
}

// objectVersions is listObjectVersions' result: the versions of Key only.
type objectVersions struct {
	Bucket, Key string
	Versions    []actions.VersionEntry
}

// Run implements actions.Action.
func (a *listObjectVersions) Run(ctx context.Context, env *actions.Env, r *actions.Reporter) (any, error) {
	res, err := a.ListObjectVersions.Run(ctx, env, r)
	if err != nil {
		return nil, err
	}
	out := objectVersions{Bucket: a.Bucket, Key: a.Key}
	for _, v := range res.(actions.ListVersionsResult).Versions {
		if v.Key == a.Key {
			out.Versions = append(out.Versions, v)
		}
	}
	return out, nil
}

// versionsJob lists an object's versions, each with its own encryption.
func versionsJob(bucket, key string) tea.Cmd {
	return startJob(&listObjectVersions{ListObjectVersions: actions.ListObjectVersions{Bucket: bucket, Prefix: key}, Key: key},
		jobMeta{Title: "versions of " + key, Flow: flowSpec{Mode: flowS3, Subject: "ListObjectVersions " + key}})
}
