package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/s3crypt/s3crypt/actions"
)

// VersioningCmd is `s3crypt versioning get|put s3://BUCKET`.
type VersioningCmd struct {
	Get VersioningGetCmd `cmd:"" help:"Show whether a bucket keeps versions."`
	Put VersioningPutCmd `cmd:"" help:"Turn versioning on (--enable) or suspend it (--suspend)."`
}

// VersioningGetCmd is `s3crypt versioning get s3://BUCKET`.
type VersioningGetCmd struct {
	URL string `arg:"" name:"s3-url" help:"Bucket s3://BUCKET."`
}

// Run implements the verb.
func (c *VersioningGetCmd) Run(ctx context.Context, g *Globals) error {
	bucket, _, err := parseS3URL(c.URL, false)
	if err != nil {
		return err
	}
	return g.run(ctx, &actions.GetBucketVersioning{Bucket: bucket}, printVersioning)
}

// VersioningPutCmd is `s3crypt versioning put s3://BUCKET --enable|--suspend`.
type VersioningPutCmd struct {
	URL     string `arg:"" name:"s3-url" help:"Bucket s3://BUCKET."`
	Enable  bool   `help:"Keep every version from now on." xor:"status"`
	Suspend bool   `help:"Stop keeping new versions (those kept stay)." xor:"status"`
}

// Run implements the verb.
func (c *VersioningPutCmd) Run(ctx context.Context, g *Globals) error {
	bucket, _, err := parseS3URL(c.URL, false)
	if err != nil {
		return err
	}
	status := actions.VersioningEnabled
	switch {
	case c.Suspend:
		status = actions.VersioningSuspended
	case !c.Enable:
		return usage("say --enable or --suspend")
	}
	return g.run(ctx, &actions.PutBucketVersioning{Bucket: bucket, Status: status}, printVersioning)
}

func printVersioning(w io.Writer, res any) {
	r := res.(actions.VersioningResult)
	fmt.Fprintf(w, "s3://%s versioning: %s\n", r.Bucket, r.StatusText())
	for _, n := range r.Notes {
		fmt.Fprintln(w, "  note: "+n)
	}
}

// listVersions is `s3crypt ls s3://B/P --versions`.
func (c *LsCmd) listVersions(ctx context.Context, g *Globals, bucket, prefix string) error {
	l := &actions.ListObjectVersions{Bucket: bucket, Prefix: prefix, Concurrency: c.Concurrency}
	return g.run(ctx, l, func(w io.Writer, res any) { printVersions(w, res.(actions.ListVersionsResult)) })
}

// printVersions prints one version a line, newest first within a key,
// with its own encryption; delete markers say so.
func printVersions(w io.Writer, r actions.ListVersionsResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODIFIED\tSIZE\tKEY\tVERSION\t\tENCRYPTION")
	for _, v := range r.Versions {
		latest, size := "", humanSize(v.Size)
		if v.IsLatest {
			latest = "latest"
		}
		if v.DeleteMarker {
			size = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.LastModified.Local().Format("2006-01-02 15:04:05"), size, v.Key, v.VersionID, latest, v.Label)
	}
	tw.Flush()
	if len(r.Versions) == 0 {
		fmt.Fprintf(w, "no versions under s3://%s/%s\n", r.Bucket, r.Prefix)
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}

// listVersionsJSON is ls --versions' output: list-object-versions'
// {Name, Prefix, Versions, DeleteMarkers}, each version with its
// encryption (HeadObject's fields) as ls's Contents have it.
type listVersionsJSON struct {
	Name          string             `json:"Name"`
	Prefix        string             `json:"Prefix"`
	Versions      []versionJSON      `json:"Versions"`
	DeleteMarkers []deleteMarkerJSON `json:"DeleteMarkers"`
	Notes         []string           `json:"Notes,omitempty"`
}

type versionJSON struct {
	objectJSON
	VersionID string `json:"VersionId"`
	IsLatest  bool   `json:"IsLatest"`
}

type deleteMarkerJSON struct {
	Key          string    `json:"Key"`
	VersionID    string    `json:"VersionId"`
	IsLatest     bool      `json:"IsLatest"`
	LastModified time.Time `json:"LastModified"`
}

func listVersionsOf(r actions.ListVersionsResult) listVersionsJSON {
	out := listVersionsJSON{Name: r.Bucket, Prefix: r.Prefix, Versions: []versionJSON{}, DeleteMarkers: []deleteMarkerJSON{}, Notes: r.Notes}
	for _, v := range r.Versions {
		if v.DeleteMarker {
			out.DeleteMarkers = append(out.DeleteMarkers, deleteMarkerJSON{Key: v.Key, VersionID: v.VersionID, IsLatest: v.IsLatest, LastModified: v.LastModified})
			continue
		}
		o := v.ObjectEntry
		out.Versions = append(out.Versions, versionJSON{VersionID: v.VersionID, IsLatest: v.IsLatest,
			objectJSON: objectJSON{Key: o.Key, LastModified: o.LastModified, ETag: o.ETag, Size: o.Size,
				StorageClass: o.StorageClass, objectEncryptionJSON: objectEncryptionOf(o.Encryption), KMSKeyAlias: o.KMSAlias,
				ClientSideFormat: o.ClientSide, ClientSideLegacy: o.ClientSideLegacy, SSECustomerKeyRequired: o.SSECKeyRequired, HeadError: o.HeadError, Label: o.Label}})
	}
	return out
}
