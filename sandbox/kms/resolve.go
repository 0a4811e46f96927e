package kms

import (
	"crypto/rand"
	"regexp"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/s3crypt/s3crypt/keyflow"
)

var (
	reKeyID = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reMRK   = regexp.MustCompile(`^mrk-[0-9a-fA-F]{32}$`)
)

// arnParts is a parsed "arn:partition:service:region:account:resource".
type arnParts struct {
	partition, service, region, account, resource string
}

func parseARN(s string) (arnParts, bool) {
	p := strings.SplitN(s, ":", 6)
	if len(p) != 6 || p[0] != "arn" {
		return arnParts{}, false
	}
	return arnParts{p[1], p[2], p[3], p[4], p[5]}, true
}

// aliasNameOf returns the alias name ("alias/…") that id names in this
// region and account, or "" when id is not an alias name or alias ARN.
func (k *KMS) aliasNameOf(id string) string {
	if strings.HasPrefix(id, "alias/") {
		return id
	}
	a, ok := parseARN(id)
	if ok && a.service == "kms" && a.region == k.region && a.account == k.account &&
		strings.HasPrefix(a.resource, "alias/") {
		return a.resource
	}
	return ""
}

// prepare is the common start of every operation naming a key: it deletes
// keys whose deletion date has passed and, when id names alias/aws/s3,
// creates the AWS managed key on first use as AWS does.
func (k *KMS) prepare(c Call, id string) error {
	if err := k.sweep(); err != nil {
		return err
	}
	if k.aliasNameOf(id) == managedAlias {
		_, err := k.ensureManaged(c)
		return err
	}
	return nil
}

// resolve finds the key that id (key id, key ARN, alias name, alias ARN)
// names, with KMS's NotFoundException texts (SSE-SPEC §5.2).
func (k *KMS) resolve(tx *bolt.Tx, id string) (*keyRecord, error) {
	if id == "" {
		return nil, errEmptyString("keyId")
	}
	keyID, arn := id, ""
	if strings.HasPrefix(id, "arn:") {
		a, ok := parseARN(id)
		if !ok || a.service != "kms" {
			return nil, errInvalidKeyID(id)
		}
		if a.region != k.region {
			return nil, errInvalidARNRegion(a.region)
		}
		switch {
		case strings.HasPrefix(a.resource, "alias/") && a.account != k.account:
			return nil, errAliasNotFound(id) // the sandbox has one account
		case strings.HasPrefix(a.resource, "alias/"):
			return k.resolveAlias(tx, a.resource)
		case strings.HasPrefix(a.resource, "key/"):
			keyID, arn = strings.TrimPrefix(a.resource, "key/"), id
		default:
			return nil, errInvalidKeyID(id)
		}
		if a.account != k.account {
			// Another account's key: the sandbox has one account.
			return nil, errKeyNotExist(arn)
		}
	} else if strings.HasPrefix(id, "alias/") {
		return k.resolveAlias(tx, id)
	}
	if !reKeyID.MatchString(keyID) && !reMRK.MatchString(keyID) {
		return nil, errInvalidKeyID(keyID)
	}
	r, err := getKey(tx, keyID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		if arn == "" {
			arn = k.keyARN(keyID)
		}
		return nil, errKeyNotExist(arn)
	}
	return r, nil
}

func (k *KMS) resolveAlias(tx *bolt.Tx, name string) (*keyRecord, error) {
	a, err := getAlias(tx, name)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errAliasNotFound(k.aliasARN(name))
	}
	r, err := getKey(tx, a.Target)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errKeyNotExist(k.keyARN(a.Target))
	}
	return r, nil
}

// lookup resolves id in its own read transaction.
func (k *KMS) lookup(id string) (*keyRecord, error) {
	var r *keyRecord
	err := k.view("resolve key", func(tx *bolt.Tx) error {
		var err error
		r, err = k.resolve(tx, id)
		return err
	})
	return r, err
}

// ensureManaged returns the AWS managed key aws/s3, creating it (and its
// alias) on first use and reporting that on the trace.
func (k *KMS) ensureManaged(c Call) (*keyRecord, error) {
	r, err := k.managedKey()
	if err != nil || r != nil {
		return r, err
	}
	id, err := newKeyID()
	if err != nil {
		return nil, errInternal("create aws/s3", err)
	}
	now := k.now().UTC()
	fresh := &keyRecord{
		ID: id, Created: now, Description: managedDescription, Usage: usageEncrypt,
		Spec: specSymmetric, State: stateEnabled, Manager: managerAWS,
		RotationEnabled: true, RotationPeriodDays: 365, NextRotation: now.AddDate(0, 0, 365),
	}
	raw := make([]byte, 32)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return nil, errInternal("create aws/s3", err)
	}
	if err := k.addMaterial(fresh, raw); err != nil {
		return nil, errInternal("create aws/s3", err)
	}
	created := false
	err = k.update("create aws/s3", func(tx *bolt.Tx) error {
		a, err := getAlias(tx, managedAlias)
		if err != nil || a != nil {
			if a != nil {
				r, err = getKey(tx, a.Target) // another call won the race
			}
			return err
		}
		if err := putKey(tx, fresh); err != nil {
			return err
		}
		created, r = true, fresh
		return putAlias(tx, managedAlias, &aliasRecord{Target: id, Created: now, Updated: now})
	})
	if err != nil {
		return nil, err
	}
	if created {
		k.publish(c, keyflow.OpManagedKeyCreated, k.keyARN(id), nil, 0,
			"KMS created the AWS managed key aws/s3 on its first use, as AWS does when a service first needs it", nil)
	}
	return r, nil
}

// managedKey returns the aws/s3 key, or nil before its first use.
func (k *KMS) managedKey() (*keyRecord, error) {
	var r *keyRecord
	err := k.view("read aws/s3", func(tx *bolt.Tx) error {
		a, err := getAlias(tx, managedAlias)
		if err != nil || a == nil {
			return err
		}
		r, err = getKey(tx, a.Target)
		return err
	})
	return r, err
}

// checkUsable applies the key-state table of SSE-SPEC §5.5 for
// cryptographic operations.
func (k *KMS) checkUsable(r *keyRecord) error {
	switch r.State {
	case stateDisabled:
		return errDisabled(k.keyARN(r.ID))
	case statePendingDeletion:
		return errPendingDeletion(k.keyARN(r.ID))
	}
	return nil
}

// checkCryptoPolicy enforces the aws/s3 key policy: cryptographic use only
// through S3 (kms:ViaService), so a direct call by a person is denied.
func (k *KMS) checkCryptoPolicy(c Call, r *keyRecord, action string) error {
	if r.Manager == managerAWS && c.Caller != CallerS3 {
		return errAccessDenied(k.principalOf(c.Caller), action, k.keyARN(r.ID))
	}
	return nil
}

// checkAdminPolicy enforces that nobody administers an AWS managed key:
// its key policy allows only Describe*, Get* and List*.
func (k *KMS) checkAdminPolicy(c Call, r *keyRecord, action string) error {
	if r.Manager == managerAWS {
		return errAccessDenied(k.principalOf(c.Caller), action, k.keyARN(r.ID))
	}
	return nil
}
