package s3

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

// maxKeysParam reads max-keys (default and cap 1000).
func maxKeysParam(v url.Values, name string) (int, error) {
	s := v.Get(name)
	if s == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, argErr("InvalidArgument", "Provided "+name+" not an integer or within integer range", name, s)
	}
	return min(n, 1000), nil
}

// keyEncoder applies encoding-type=url to keys and prefixes in listings.
func keyEncoder(v url.Values) (func(string) string, string, error) {
	switch et := v.Get("encoding-type"); et {
	case "":
		return func(s string) string { return s }, "", nil
	case "url":
		return url.QueryEscape, "url", nil
	default:
		return nil, "", argErr("InvalidArgument", "Invalid Encoding Method specified in Request", "encoding-type", et)
	}
}

func (s *Server) listObjects(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	enc, encName, err := keyEncoder(q.q)
	if err != nil {
		return err
	}
	maxKeys, err := maxKeysParam(q.q, "max-keys")
	if err != nil {
		return err
	}
	opt := store.ListOptions{Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"), MaxKeys: maxKeys}
	v2 := q.q.Get("list-type") == "2"
	token := q.q.Get("continuation-token")
	switch {
	case v2 && token != "":
		after, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return argErr("InvalidArgument", "The continuation token provided is incorrect", "continuation-token", token)
		}
		opt.After = string(after)
	case v2:
		opt.After = q.q.Get("start-after")
	default:
		opt.After = q.q.Get("marker")
	}
	var res store.ListResult
	if maxKeys > 0 {
		if res, err = s.opt.Store.ListObjects(q.bucket, opt); err != nil {
			return err
		}
	}
	contents := make([]objectXML, 0, len(res.Objects))
	fetchOwner := !v2 || q.q.Get("fetch-owner") == "true"
	for _, o := range res.Objects {
		ox := objectXML{Key: enc(o.Key), LastModified: xmlTime(o.LastModified), ETag: o.ETag, Size: o.Size, StorageClass: storageClass(o)}
		for alg := range o.Checksums {
			ox.ChecksumAlgorithm, ox.ChecksumType = alg, o.ChecksumType
		}
		if fetchOwner {
			ow := s.owner()
			ox.Owner = &ow
		}
		contents = append(contents, ox)
	}
	prefixes := make([]commonPrefix, 0, len(res.CommonPrefixes))
	for _, p := range res.CommonPrefixes {
		prefixes = append(prefixes, commonPrefix{Prefix: enc(p)})
	}
	if v2 {
		out := listBucketResultV2{NS: s3NS, Name: q.bucket, Prefix: enc(opt.Prefix), Delimiter: enc(opt.Delimiter), MaxKeys: maxKeys,
			EncodingType: encName, KeyCount: len(contents) + len(prefixes), IsTruncated: res.Truncated,
			ContinuationToken: token, StartAfter: enc(q.q.Get("start-after")), Contents: contents, CommonPrefixes: prefixes}
		if res.Truncated {
			out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.NextAfter))
		}
		writeXML(q.w, http.StatusOK, out)
		return nil
	}
	out := listBucketResultV1{NS: s3NS, Name: q.bucket, Prefix: enc(opt.Prefix), Marker: enc(opt.After), Delimiter: enc(opt.Delimiter),
		MaxKeys: maxKeys, EncodingType: encName, IsTruncated: res.Truncated, Contents: contents, CommonPrefixes: prefixes}
	if res.Truncated && opt.Delimiter != "" {
		out.NextMarker = enc(res.NextAfter)
	}
	writeXML(q.w, http.StatusOK, out)
	return nil
}

func storageClass(o store.Object) string {
	if o.StorageClass == "" {
		return "STANDARD"
	}
	return o.StorageClass
}

func (s *Server) listVersions(q *request) error {
	if _, err := s.opt.Store.GetBucket(q.bucket); err != nil {
		return err
	}
	enc, encName, err := keyEncoder(q.q)
	if err != nil {
		return err
	}
	maxKeys, err := maxKeysParam(q.q, "max-keys")
	if err != nil {
		return err
	}
	opt := store.ListOptions{Prefix: q.q.Get("prefix"), Delimiter: q.q.Get("delimiter"), MaxKeys: maxKeys,
		After: q.q.Get("key-marker"), AfterVersion: q.q.Get("version-id-marker")}
	var res store.ListResult
	if maxKeys > 0 {
		if res, err = s.opt.Store.ListVersions(q.bucket, opt); err != nil {
			return err
		}
	}
	out := listVersionsResult{NS: s3NS, Name: q.bucket, Prefix: enc(opt.Prefix), KeyMarker: enc(opt.After), VersionIDMarker: opt.AfterVersion,
		Delimiter: enc(opt.Delimiter), MaxKeys: maxKeys, EncodingType: encName, IsTruncated: res.Truncated}
	for _, o := range res.Objects {
		if o.DeleteMarker {
			out.Entries = append(out.Entries, deleteMarkerXML{Key: enc(o.Key), VersionID: o.VersionID, IsLatest: o.IsLatest,
				LastModified: xmlTime(o.LastModified), Owner: s.owner()})
			continue
		}
		out.Entries = append(out.Entries, versionXML{Key: enc(o.Key), VersionID: o.VersionID, IsLatest: o.IsLatest,
			LastModified: xmlTime(o.LastModified), ETag: o.ETag, Size: o.Size, Owner: s.owner(), StorageClass: storageClass(o)})
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: enc(p)})
	}
	if res.Truncated {
		out.NextKeyMarker, out.NextVersionIDMarker = enc(res.NextAfter), res.NextAfterVersion
	}
	writeXML(q.w, http.StatusOK, out)
	return nil
}
