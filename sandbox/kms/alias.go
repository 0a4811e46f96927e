package kms

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var reAliasName = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

// AliasEntry is one alias as ListAliases returns it.
type AliasEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyID     string    // key id; empty for a predefined alias not yet used
	CreationDate    time.Time // zero for a predefined alias not yet used
	LastUpdatedDate time.Time
}

// ListAliasesOutput is one page of ListAliases.
type ListAliasesOutput struct {
	Aliases    []AliasEntry
	Truncated  bool
	NextMarker string
}

// checkAliasName validates an alias name for CreateAlias, UpdateAlias and
// DeleteAlias.
func checkAliasName(name string) error {
	if name == "" {
		return errEmptyString("aliasName")
	}
	if !strings.HasPrefix(name, "alias/") {
		return newErr(TypeValidation, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if len(name) > 256 || !reAliasName.MatchString(name) {
		return newErr(TypeValidation, fmt.Sprintf(
			"1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$", name))
	}
	if strings.HasPrefix(name, "alias/aws/") {
		// alias/aws/ is reserved for AWS managed keys. NotAuthorizedException
		// with no message is moto's rendering. UNVERIFIED.
		return newErr(TypeNotAuthorized, "")
	}
	return nil
}

// CreateAlias points a new alias at a customer managed key.
func (k *KMS) CreateAlias(c Call, name, targetKeyID string) error {
	return k.setAlias(c, name, targetKeyID, false)
}

// UpdateAlias points an existing alias at another customer managed key.
func (k *KMS) UpdateAlias(c Call, name, targetKeyID string) error {
	return k.setAlias(c, name, targetKeyID, true)
}

func (k *KMS) setAlias(c Call, name, target string, update bool) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	if err := checkKeyID("targetKeyId", target); err != nil {
		return err
	}
	if k.aliasNameOf(target) != "" {
		// UNVERIFIED wording (moto's).
		return newErr(TypeValidation, "Aliases must refer to keys. Not aliases")
	}
	if err := k.sweep(); err != nil {
		return err
	}
	action := "CreateAlias"
	if update {
		action = "UpdateAlias"
	}
	return k.update(action, func(tx *bolt.Tx) error {
		a, err := getAlias(tx, name)
		if err != nil {
			return err
		}
		switch {
		case update && a == nil:
			return errAliasNotFound(k.aliasARN(name))
		case !update && a != nil:
			return newErr(TypeAlreadyExists, fmt.Sprintf("An alias with the name %s already exists", k.aliasARN(name)))
		}
		r, err := k.resolve(tx, target)
		if err != nil {
			return err
		}
		if err := k.checkAdminPolicy(c, r, action); err != nil {
			return err
		}
		if r.State == statePendingDeletion {
			return errPendingDeletion(k.keyARN(r.ID))
		}
		now := k.now().UTC()
		if a == nil {
			a = &aliasRecord{Created: now}
		}
		a.Target, a.Updated = r.ID, now
		return putAlias(tx, name, a)
	})
}

// DeleteAlias deletes an alias; the key is untouched.
func (k *KMS) DeleteAlias(c Call, name string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	if err := k.sweep(); err != nil {
		return err
	}
	return k.update("DeleteAlias", func(tx *bolt.Tx) error {
		a, err := getAlias(tx, name)
		if err != nil {
			return err
		}
		if a == nil {
			return errAliasNotFound(k.aliasARN(name))
		}
		return tx.Bucket(bucketAliases).Delete([]byte(name))
	})
}

// ListAliases lists aliases in name order, all of them or only those of
// keyID. alias/aws/s3 is listed without a target until its first use, as AWS
// lists predefined aliases. limit 0 means 100; marker "" starts at the top.
func (k *KMS) ListAliases(c Call, keyID string, limit int, marker string) (ListAliasesOutput, error) {
	return k.listAliases(c, keyID, optInt(limit), marker)
}

func (k *KMS) listAliases(c Call, keyID string, limit *int, marker string) (ListAliasesOutput, error) {
	n, err := pageSize(limit)
	if err != nil {
		return ListAliasesOutput{}, err
	}
	filter := ""
	if keyID != "" {
		r, err := k.describeKey(c, keyID)
		if err != nil {
			return ListAliasesOutput{}, err
		}
		filter = r.KeyID
	} else if err := k.sweep(); err != nil {
		return ListAliasesOutput{}, err
	}
	var all []AliasEntry
	err = k.view("ListAliases", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAliases).ForEach(func(name, v []byte) error {
			var a aliasRecord
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode alias %s: %w", name, err)
			}
			if filter == "" || a.Target == filter {
				all = append(all, AliasEntry{AliasName: string(name), AliasArn: k.aliasARN(string(name)),
					TargetKeyID: a.Target, CreationDate: a.Created, LastUpdatedDate: a.Updated})
			}
			return nil
		})
	})
	if err != nil {
		return ListAliasesOutput{}, err
	}
	if filter == "" && !hasAlias(all, managedAlias) {
		all = insertSorted(all, AliasEntry{AliasName: managedAlias, AliasArn: k.aliasARN(managedAlias)})
	}
	page, next := paginate(all, func(a AliasEntry) string { return a.AliasName }, marker, n)
	return ListAliasesOutput{Aliases: page, Truncated: next != "", NextMarker: next}, nil
}

func hasAlias(list []AliasEntry, name string) bool {
	for _, a := range list {
		if a.AliasName == name {
			return true
		}
	}
	return false
}

func insertSorted(list []AliasEntry, e AliasEntry) []AliasEntry {
	i := 0
	for i < len(list) && list[i].AliasName < e.AliasName {
		i++
	}
	list = append(list, AliasEntry{})
	copy(list[i+1:], list[i:])
	list[i] = e
	return list
}
