package s3

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/s3crypt/s3crypt/sandbox/store"
)

// The attributes GetObjectAttributes can return (x-amz-object-attributes).
var objectAttributes = []string{"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"}

type attributesChecksum struct {
	CRC32        string `xml:"ChecksumCRC32,omitempty"`
	CRC32C       string `xml:"ChecksumCRC32C,omitempty"`
	CRC64NVME    string `xml:"ChecksumCRC64NVME,omitempty"`
	SHA1         string `xml:"ChecksumSHA1,omitempty"`
	SHA256       string `xml:"ChecksumSHA256,omitempty"`
	SHA512       string `xml:"ChecksumSHA512,omitempty"`
	MD5          string `xml:"ChecksumMD5,omitempty"`
	XXHASH3      string `xml:"ChecksumXXHASH3,omitempty"`
	XXHASH64     string `xml:"ChecksumXXHASH64,omitempty"`
	XXHASH128    string `xml:"ChecksumXXHASH128,omitempty"`
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type attributesPart struct {
	attributesChecksum
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

type attributesParts struct {
	PartsCount           int              `xml:"PartsCount"`
	PartNumberMarker     int              `xml:"PartNumberMarker"`
	NextPartNumberMarker int              `xml:"NextPartNumberMarker"`
	MaxParts             int              `xml:"MaxParts"`
	IsTruncated          bool             `xml:"IsTruncated"`
	Parts                []attributesPart `xml:"Part"`
}

type getObjectAttributesResponse struct {
	XMLName      xml.Name            `xml:"GetObjectAttributesResponse"`
	NS           string              `xml:"xmlns,attr"`
	ETag         string              `xml:"ETag,omitempty"`
	Checksum     *attributesChecksum `xml:"Checksum,omitempty"`
	ObjectParts  *attributesParts    `xml:"ObjectParts,omitempty"`
	StorageClass string              `xml:"StorageClass,omitempty"`
	ObjectSize   *int64              `xml:"ObjectSize,omitempty"`
}

func checksumsXML(c store.Checksums, typ string) attributesChecksum {
	return attributesChecksum{CRC32: c["CRC32"], CRC32C: c["CRC32C"], CRC64NVME: c["CRC64NVME"], SHA1: c["SHA1"], SHA256: c["SHA256"],
		SHA512: c["SHA512"], MD5: c["MD5"], XXHASH3: c["XXHASH3"], XXHASH64: c["XXHASH64"], XXHASH128: c["XXHASH128"], ChecksumType: typ}
}

// parseAttributes reads x-amz-object-attributes. UNVERIFIED: the error
// for a missing or unknown name is MinIO's and LocalStack's (400
// InvalidArgument "Invalid attribute name specified."); AWS documents the
// header as required without saying what it answers.
func parseAttributes(h http.Header) (map[string]bool, error) {
	raw := strings.Join(h.Values("x-amz-object-attributes"), ",")
	want := map[string]bool{}
	for _, a := range strings.Split(raw, ",") {
		a = strings.TrimSpace(a)
		if !slices.Contains(objectAttributes, a) {
			return nil, argErr("InvalidArgument", "Invalid attribute name specified.", "x-amz-object-attributes", raw)
		}
		want[a] = true
	}
	return want, nil
}

// getObjectAttributes answers GetObjectAttributes: what HEAD and
// ListParts say, in one XML document. An SSE-C object needs its key, as
// for HEAD (400 without it, 403 with another); encryption headers on it
// are refused as on any read.
func (s *Server) getObjectAttributes(q *request) error {
	want, err := parseAttributes(q.r.Header)
	if err != nil {
		return err
	}
	o, release, err := s.lookupObject(q, q.bucket, q.key, q.q.Get("versionId"))
	defer release()
	if err != nil {
		return err
	}
	ck, err := s.checkedReadKey(q, o)
	if err != nil {
		return err
	}
	ck.wipe() // the key is checked; attributes need no decryption
	if err := checkConditions(q.r, o); err != nil {
		return err
	}
	res := getObjectAttributesResponse{NS: s3NS}
	if want["ETag"] {
		res.ETag = strings.Trim(o.ETag, `"`) // unquoted here, unlike every other ETag S3 returns
	}
	if want["Checksum"] && len(o.Checksums) > 0 {
		c := checksumsXML(o.Checksums, o.ChecksumType)
		res.Checksum = &c
	}
	if want["StorageClass"] {
		res.StorageClass = o.StorageClass
		if res.StorageClass == "" {
			res.StorageClass = "STANDARD"
		}
	}
	if want["ObjectSize"] {
		size := o.Size
		res.ObjectSize = &size
	}
	if want["ObjectParts"] && o.MultipartCount > 0 {
		parts, err := attributeParts(q, o)
		if err != nil {
			return err
		}
		res.ObjectParts = parts
	}
	h := q.w.Header()
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	if o.VersionID != store.NullVersion {
		h.Set("x-amz-version-id", o.VersionID)
	}
	writeXML(q.w, http.StatusOK, res)
	return nil
}

// attributeParts is a page of a multipart object's parts
// (x-amz-max-parts, default 1000; x-amz-part-number-marker).
func attributeParts(q *request, o store.Object) (*attributesParts, error) {
	maxParts, marker := 1000, 0
	if v := q.r.Header.Get("x-amz-max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, argErr("InvalidArgument", "Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		maxParts = min(n, 1000)
	}
	if v := q.r.Header.Get("x-amz-part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, argErr("InvalidArgument", "Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
		marker = n
	}
	out := &attributesParts{PartsCount: len(o.Parts), PartNumberMarker: marker, MaxParts: maxParts}
	for _, p := range o.Parts {
		if p.Number <= marker {
			continue
		}
		if len(out.Parts) == maxParts {
			out.IsTruncated = true
			break
		}
		out.Parts = append(out.Parts, attributesPart{attributesChecksum: checksumsXML(p.Checksums, ""), PartNumber: p.Number, Size: p.Size})
		out.NextPartNumberMarker = p.Number
	}
	return out, nil
}

// authorizeAttributes checks both actions GetObjectAttributes needs:
// s3:GetObject and s3:GetObjectAttributes, or with a version id
// s3:GetObjectVersion and s3:GetObjectVersionAttributes.
func (s *Server) authorizeAttributes(q *request) error {
	actions := []string{"s3:GetObject", "s3:GetObjectAttributes"}
	if q.q.Get("versionId") != "" {
		actions = []string{"s3:GetObjectVersion", "s3:GetObjectVersionAttributes"}
	}
	for _, a := range actions {
		if err := s.authorize(q, a, q.bucket, q.key, nil); err != nil {
			return err
		}
	}
	return nil
}
